"""/sitemap.xml (django.contrib.sitemaps) and /robots.txt: what crawlers find and where they are kept out."""

from xml.etree import ElementTree

import pytest
from django.urls import reverse

from annotations.models import Status
from tests.factories import make_correction, make_note, make_paragraph

NAMESPACE = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}


def _locations(client):
    response = client.get("/sitemap.xml")
    assert response.status_code == 200 and response["Content-Type"] == "application/xml"
    root = ElementTree.fromstring(response.content)
    return {url.findtext("s:loc", namespaces=NAMESPACE): url.findtext("s:lastmod", namespaces=NAMESPACE)
            for url in root.findall("s:url", NAMESPACE)}


def test_the_sitemap_lists_the_edition_its_sources_and_every_published_permalink(client, seeded_essay):
    paragraph = make_paragraph("Stalin received Ribbentrop in the Kremlin.", essay=seeded_essay)
    published = [make_note(paragraph, exact="Stalin"), make_correction(paragraph, exact="Kremlin", replacement="Moscow")]
    hidden = [
        make_note(paragraph, exact="received", status=Status.PENDING),
        make_note(paragraph, exact="Ribbentrop", status=Status.REJECTED),
        make_correction(paragraph, exact="Stalin", replacement="Molotov", orphaned=True),
    ]
    locations = _locations(client)
    assert "http://testserver/" in locations and "http://testserver/sources/" in locations
    for item in published:
        assert locations[f"http://testserver{item.get_absolute_url()}"] == f"{item.updated_at:%Y-%m-%d}"
    for item in hidden:
        assert f"http://testserver{item.get_absolute_url()}" not in locations
    assert len(locations) == 2 + len(published)


def test_an_empty_site_has_an_empty_sitemap(client, db):
    assert _locations(client) == {}


@pytest.mark.parametrize("page", ["abc", "-1", "0", "99"])
def test_a_bad_sitemap_page_is_a_404(client, seeded_essay, page):
    assert client.get(f"/sitemap.xml?p={page}").status_code == 404


def test_robots_points_at_the_sitemap_and_keeps_crawlers_out_of_forms_accounts_and_search(client, db):
    response = client.get("/robots.txt")
    assert response.status_code == 200 and response["Content-Type"] == "text/plain; charset=utf-8"
    lines = response.content.decode().splitlines()
    assert lines[0] == "User-agent: *" and "Sitemap: http://testserver/sitemap.xml" in lines
    disallowed = [line.split(": ", 1)[1] for line in lines if line.startswith("Disallow: ")]
    kept_out = [reverse("admin:index"), reverse("login"), reverse("annotations:me"), reverse("annotations:search"),
                reverse("annotations:paragraph_contribute", args=["p-abc123"]), reverse("markdownx_markdownify")]
    for path in kept_out:
        assert any(path.startswith(prefix) for prefix in disallowed), path
    for path in ("/", "/sources/", "/notes/1/", "/corrections/1/", "/annotations/", "/sitemap.xml", "/feed/"):
        assert not any(path.startswith(prefix) for prefix in disallowed), path
