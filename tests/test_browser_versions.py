"""The versions pages in a real browser: no serious accessibility violation on a release, its changes and the changelog."""

import pytest
from django.core.management import call_command

from annotations import moderation, releases
from annotations.models import Annotation, Essay, Status
from tests.factories import make_note, make_user
from tests.test_browser_reading import serious_violations

pytestmark = pytest.mark.browser


def test_versions_pages_have_no_serious_accessibility_violations(page, transactional_db, live_server):
    call_command("load_edition", verbosity=0)
    paragraph = Annotation.objects.published().first().paragraph
    note = make_note(paragraph, paragraph.text, status=Status.PENDING, body="A note after version 1.")
    moderation.item_approve(note, moderator=make_user("mod", groups=["Moderators"]))
    releases.release_make(Essay.objects.get(), editor=None, summary="One more note.")
    moderation.item_approve(
        make_note(paragraph, paragraph.text, status=Status.PENDING, body="New since version 2."),
        moderator=make_user("mod2", groups=["Moderators"]),
    )
    for path in ("/versions/", "/v/1/", "/v/2/changes/", f"/v/2/notes/{note.pk}/", "/v/1/sources/", "/"):
        page.goto(live_server.url + path)
        assert serious_violations(page) == [], path
    assert page.locator(".new-since-label").count() == 1
