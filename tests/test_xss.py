"""A corpus of XSS payloads through the one Markdown helper and through the real pages.

The output is parsed (html.parser, entities decoded as a browser would) and
checked for what would run or restyle the page: a <script> or <style>, an on*
handler, a javascript:, data: or vbscript: URL, a CSS expression() or url() in
a style attribute, and SVG, MathML or embedding elements (whose attributes
script by other names). The page's own scripts (<script src="/static/…">) and
JSON data blocks are allowed.
"""

import re
from collections import Counter
from html.parser import HTMLParser

import pytest
from django.urls import reverse

from annotations.markdown import render_markdown
from annotations.models import Annotation, Correction, Source, Status
from tests.conftest import ROOT
from tests.factories import make_paragraph, make_user

PAYLOADS = [line for line in (ROOT / "tests" / "data" / "xss_payloads.txt").read_text().splitlines() if line.strip()]
URL_ATTRIBUTES = {
    "href", "src", "action", "formaction", "xlink:href", "data", "background", "poster", "cite", "srcset",
    "lowsrc", "dynsrc", "codebase", "longdesc", "ping", "manifest", "icon", "content",
}
DANGEROUS_SCHEMES = ("javascript:", "data:", "vbscript:")
# Never produced by the sanitiser nor by our templates: seeing one means user markup got through.
FOREIGN_ELEMENTS = {"svg", "math", "style", "iframe", "frame", "frameset", "object", "embed", "applet", "base", "animate", "set"}
DANGEROUS_CSS = re.compile(r"expression\s*\(|url\s*\(|javascript:|behaviou?r\s*:|-moz-binding", re.I)
# Browsers ignore these inside and around a URL's scheme.
_IGNORED_IN_URLS = re.compile(r"[\x00-\x20\x7f]+")


class ExecutableFinder(HTMLParser):
    """Collects what a browser would run from the HTML it is fed."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.problems = []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "script" and not (attributes.get("src") or "").startswith("/static/") and attributes.get("type") != "application/json":
            self.problems.append(f"<script {attrs}>")
        if tag in FOREIGN_ELEMENTS:
            self.problems.append(f"<{tag} {attrs}>")
        for name, value in attrs:
            if name.startswith("on"):
                self.problems.append(f"<{tag} {name}={value!r}>")
            if name == "style" and value and DANGEROUS_CSS.search(_IGNORED_IN_URLS.sub("", value)):
                self.problems.append(f"<{tag} style={value!r}>")
            if name in URL_ATTRIBUTES and value:
                url = _IGNORED_IN_URLS.sub("", value).lower()
                if tag == "meta":
                    url = url.split("url=", 1)[-1]
                if url.startswith(DANGEROUS_SCHEMES):
                    self.problems.append(f"<{tag} {name}={value!r}>")


def executable_parts(html):
    finder = ExecutableFinder()
    finder.feed(html)
    finder.close()
    return finder.problems


def test_the_corpus_has_at_least_a_hundred_distinct_payloads():
    assert len(set(PAYLOADS)) >= 100


def test_the_checker_catches_what_it_looks_for():
    assert executable_parts('<p><script>alert(1)</script></p>')
    assert executable_parts('<img src=x onerror=alert(1)>')
    assert executable_parts('<a href="&#106;avascript:alert(1)">x</a>')
    assert executable_parts('<a href=" java\tscript:alert(1)">x</a>')
    assert executable_parts('<iframe src="DATA:text/html,x"></iframe>')
    assert executable_parts('<p style="width: expression(alert(1))">x</p>')
    assert executable_parts('<div style="background:url(javascript:alert(1))">x</div>')
    assert executable_parts('<svg><set attributeName="onload" to="alert(1)"/></svg>')
    assert executable_parts('<math href="javascript:alert(1)">x</math>')
    assert executable_parts('<style>@import "https://evil.example/x.css";</style>')
    assert not executable_parts('<a href="https://example.org/javascript:x">ok</a><script src="/static/a.js"></script>')
    assert not executable_parts('<p style="color: red">ok</p><script type="application/json">{"a": 1}</script>')


def test_the_corpus_covers_each_kind_of_attack():
    corpus = "\n".join(PAYLOADS).lower()
    for needle in ("<script", "onerror=", "onload=", "javascript:", "data:text/html", "vbscript:", "<svg", "<math",
                   "expression(", "url(javascript:", "<iframe", "&#"):
        assert needle in corpus, needle


@pytest.mark.parametrize("payload", PAYLOADS)
def test_markdown_helper_leaves_nothing_executable(payload):
    assert executable_parts(render_markdown(payload)) == []


def anchored_on(paragraph, exact="Treaty"):
    start = paragraph.text.index(exact)
    return {"paragraph": paragraph, "start": start, "end": start + len(exact), "exact": exact}


def test_published_note_pages_leave_nothing_executable(client, db):
    paragraph = make_paragraph()
    Annotation.objects.bulk_create(
        Annotation(**anchored_on(paragraph), body=payload, status=Status.ACCEPTED) for payload in PAYLOADS
    )
    for note in Annotation.objects.all():
        response = client.get(reverse("annotations:note", args=[note.pk]))
        assert response.status_code == 200
        assert executable_parts(response.content.decode()) == [], note.body
    bold = Annotation.objects.get(body="**bold <script>alert(1)</script>**")
    assert "<strong>bold" in client.get(reverse("annotations:note", args=[bold.pk])).content.decode()


def test_my_contributions_page_leaves_nothing_executable(client, db):
    user = make_user("ada")
    paragraph = make_paragraph()
    Annotation.objects.bulk_create(
        Annotation(**anchored_on(paragraph), body=payload, submitted_by=user)
        for payload in PAYLOADS
    )
    Correction.objects.bulk_create(
        Correction(
            **anchored_on(paragraph), category="wording", replacement=payload[:500],
            rationale=payload, submitted_by=user, status=Status.REJECTED, review_reason=payload,
        )
        for payload in PAYLOADS
    )
    Source.objects.bulk_create(
        Source(title=payload[:500], authors=payload[:500], container=payload[:500], submitted_by=user) for payload in PAYLOADS
    )
    client.force_login(user)
    html = client.get(reverse("annotations:me")).content.decode()
    assert html.count('class="my-item"') == 3 * len(PAYLOADS)
    assert executable_parts(html) == []


def test_a_payload_submitted_through_the_form_is_stored_as_typed_and_rendered_inert(client, db):
    client.force_login(make_user("ada"))
    paragraph = make_paragraph()
    payload = '<img src=x onerror=alert(1)> [x](javascript:alert(1)) **kept**'
    data = {"exact": "Rapallo", "kind": "comment", "body": payload, "cite-choice": "none"}
    client.post(reverse("annotations:note_add", args=[paragraph.anchor]), data)
    note = Annotation.objects.get()
    assert note.body == payload
    html = client.get(reverse("annotations:me")).content.decode()
    assert "<strong>kept</strong>" in html
    assert executable_parts(html) == []


def test_admin_review_pages_leave_nothing_executable(client, db, moderator):
    """Moderators read user text on the desk: its lists and review pages must not run it either.

    The admin has scripts, styles and SVG icons of its own: what each page has
    with harmless text is the baseline, and user text must add nothing to it.
    """
    user = make_user("ada")
    paragraph = make_paragraph()
    harmless = "A plain note."
    sample = PAYLOADS[::5]  # each item is a page of its own: a spread of the corpus keeps this quick
    Annotation.objects.bulk_create(
        Annotation(**anchored_on(paragraph), body=text, submitted_by=user) for text in [harmless, *sample]
    )
    Correction.objects.bulk_create(
        Correction(**anchored_on(paragraph), category="wording", replacement=text[:500], rationale=text, submitted_by=user)
        for text in [harmless, *sample]
    )
    Source.objects.bulk_create(
        Source(title=text[:500], authors=text[:500], container=text[:500], submitted_by=user) for text in [harmless, *sample]
    )
    client.force_login(moderator)

    def parts(url):
        response = client.get(url)
        assert response.status_code == 200, url
        return Counter(executable_parts(response.content.decode()))

    for model in (Annotation, Correction, Source):
        name = model._meta.model_name
        first, *others = model.objects.order_by("pk")
        baseline = parts(reverse(f"admin:annotations_{name}_change", args=[first.pk]))
        assert len(others) == len(sample)
        for item in others:
            url = reverse(f"admin:annotations_{name}_change", args=[item.pk])
            assert parts(url) - baseline == Counter(), url
        # The list shows every item at once; one harmless page of it is its baseline.
        listing = parts(reverse(f"admin:annotations_{name}_changelist"))
        listing_baseline = parts(reverse(f"admin:annotations_{name}_changelist") + f"?id={first.pk}")
        assert listing - listing_baseline == Counter(), name


def test_flag_texts_leave_nothing_executable_on_me_the_flags_queue_and_the_review_page(client, db, moderator):
    from annotations.models import Flag

    reader = make_user("reader")
    paragraph = make_paragraph()
    notes = Annotation.objects.bulk_create(
        Annotation(**anchored_on(paragraph), body="A plain note.", status=Status.ACCEPTED) for _ in PAYLOADS
    )
    Flag.objects.bulk_create(
        Flag(annotation=note, flagged_by=reader, reason="other", text=payload, outcome="kept", resolution=payload)
        for note, payload in zip(notes, PAYLOADS)
    )
    client.force_login(reader)
    html = client.get(reverse("annotations:me")).content.decode()
    assert html.count('<article class="my-item" id="flag-') == len(PAYLOADS)
    assert executable_parts(html) == []
    client.force_login(moderator)
    plain = Annotation.objects.create(**anchored_on(paragraph), body="A plain note.", status=Status.ACCEPTED)
    Flag.objects.create(annotation=plain, flagged_by=reader, reason="other", text="Plain.", resolution="Plain.")
    review_baseline = Counter(executable_parts(
        client.get(reverse("admin:annotations_annotation_change", args=[plain.pk])).content.decode()))
    for note in notes[::5]:
        page = client.get(reverse("admin:annotations_annotation_change", args=[note.pk])).content.decode()
        assert Counter(executable_parts(page)) - review_baseline == Counter(), note.pk
    queue = reverse("admin:annotations_flag_changelist") + "?outcome=all"
    listing = Counter(executable_parts(client.get(queue).content.decode()))
    listing_baseline = Counter(executable_parts(client.get(queue + "&q=Plain.").content.decode()))
    assert listing - listing_baseline == Counter()
