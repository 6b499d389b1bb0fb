"""The moderation desk as a moderator uses it: queues, the review page, decisions, bulk, repair."""

from datetime import timedelta

import pytest
from django.utils import timezone

from annotations.models import Annotation, Citation, Correction, Decision, Paragraph, Source, Status
from tests.factories import make_citation, make_correction, make_note, make_paragraph, make_source, make_user
from tests.moderation_support import client_as, make_pending_queue, make_role_user

pytestmark = pytest.mark.django_db

NOTES = "/admin/annotations/annotation/"
CORRECTIONS = "/admin/annotations/correction/"
SOURCES = "/admin/annotations/source/"


@pytest.fixture
def moderator_client(client):
    client, _ = client_as(client, "moderator")
    return client


def shown(response):
    return list(response.context["cl"].result_list)


# --- Queues ---------------------------------------------------------------------------


def test_queue_opens_on_pending_items_oldest_first(moderator_client):
    paragraph = make_paragraph()
    now = timezone.now()
    newer = make_note(paragraph, status=Status.PENDING, submitted_at=now - timedelta(hours=1))
    older = make_note(paragraph, status=Status.PENDING, submitted_at=now - timedelta(days=3))
    make_note(paragraph, status=Status.ACCEPTED, submitted_at=now - timedelta(days=9))
    assert shown(moderator_client.get(NOTES)) == [older, newer]


def test_all_statuses_are_one_click_away(moderator_client):
    paragraph = make_paragraph()
    make_note(paragraph, status=Status.PENDING)
    make_note(paragraph, status=Status.ACCEPTED)
    make_note(paragraph, status=Status.REJECTED)
    response = moderator_client.get(NOTES)
    assert '?status=all"' in response.content.decode()
    assert len(shown(moderator_client.get(NOTES + "?status=all"))) == 3
    assert len(shown(moderator_client.get(NOTES + "?status=rejected"))) == 1


def test_row_shows_quote_in_context_contributor_age_and_sources(moderator_client):
    contributor = make_user("ada", first_name="Ada", last_name="Lovelace")
    paragraph = make_paragraph("Ten words before it, then Rapallo, and ten words after it here.")
    note = make_note(paragraph, "Rapallo", status=Status.PENDING, submitted_by=contributor,
                     submitted_at=timezone.now() - timedelta(days=2))
    make_citation(note), make_citation(note)
    html = moderator_client.get(NOTES).content.decode()
    assert "…words before it, then <mark>Rapallo</mark>, and ten words…" in html
    assert "Ada Lovelace" in html
    assert "2\xa0days" in html
    assert '<td class="field-sources">2</td>' in html


@pytest.mark.parametrize("query,expected", [
    ("kind__exact=question", {"question"}),
    ("q=Haslam-book", {"cited"}),
    ("q=cordon", {"body"}),
])
def test_note_queue_filters_and_search(moderator_client, query, expected):
    paragraph = make_paragraph()
    make_note(paragraph, status=Status.PENDING, kind=Annotation.Kind.QUESTION, body="question")
    make_note(paragraph, status=Status.PENDING, body="Mentions the cordon sanitaire: body")
    cited = make_note(paragraph, status=Status.PENDING, body="cited")
    make_citation(cited, make_source(title="Haslam-book"))
    bodies = {note.body.rsplit(" ", 1)[-1] for note in shown(moderator_client.get(f"{NOTES}?{query}"))}
    assert bodies == expected


def test_correction_queue_filters_by_category_section_contributor_and_searches_rationale(moderator_client):
    paragraph = make_paragraph()
    ada, bob = make_user("ada"), make_user("bob")
    date = make_correction(paragraph, "1922", status=Status.PENDING, submitted_by=ada, rationale="Per the treaty text.")
    name = make_correction(paragraph, "Genoa", replacement="Rapallo", category="name", status=Status.PENDING,
                           submitted_by=bob, rationale="The villa was at Rapallo.")
    assert shown(moderator_client.get(CORRECTIONS + "?category__exact=name")) == [name]
    assert shown(moderator_client.get(CORRECTIONS + f"?submitted_by__id__exact={ada.pk}")) == [date]
    assert shown(moderator_client.get(CORRECTIONS + f"?paragraph__section__id__exact={paragraph.section_id}")) == [
        date, name,
    ]
    assert shown(moderator_client.get(CORRECTIONS + "?q=villa")) == [name]


def test_orphaned_filter_lists_orphans_whatever_their_status(moderator_client):
    paragraph = make_paragraph()
    orphan = make_note(paragraph, status=Status.ACCEPTED, orphaned=True)
    make_note(paragraph, status=Status.PENDING)
    assert shown(moderator_client.get(NOTES + "?orphaned=yes")) == [orphan]


def test_source_queue_searches_titles_and_counts_citations(moderator_client):
    source = make_source(title="Documents on British Foreign Policy", status=Status.PENDING)
    make_source(title="Another", status=Status.PENDING)
    make_citation(make_note(), source)
    response = moderator_client.get(SOURCES + "?q=British")
    assert shown(response) == [source]
    assert '<td class="field-cited">1</td>' in response.content.decode()


def test_admin_index_shows_how_many_items_wait_in_each_queue(moderator_client):
    make_pending_queue(7)
    html = moderator_client.get("/admin/").content.decode()
    assert '<td id="queue-notes">3</td>' in html
    assert '<td id="queue-corrections">2</td>' in html
    assert '<td id="queue-sources">2</td>' in html


# --- The review page ------------------------------------------------------------------------


def test_correction_page_shows_the_word_diff_and_its_sources_with_links(moderator_client):
    paragraph = make_paragraph()
    correction = make_correction(paragraph, "1922 at Genoa", replacement="16 April 1922 at Rapallo",
                                 status=Status.PENDING)
    make_citation(correction, make_source(url="https://example.org/treaty", doi="10.2307/2010430"),
                  status=Status.PENDING, locator="p. 212")
    html = moderator_client.get(f"{CORRECTIONS}{correction.pk}/change/").content.decode()
    assert "<ins>16 April </ins>" in html
    assert "<del>Genoa</del><ins>Rapallo</ins>" in html
    assert 'href="https://example.org/treaty"' in html
    assert 'href="https://doi.org/10.2307/2010430"' in html
    assert "p. 212" in html


def test_source_with_a_script_url_is_not_linked(moderator_client):
    source = make_source(url="javascript:alert(1)", status=Status.PENDING)
    html = moderator_client.get(f"{SOURCES}{source.pk}/change/").content.decode()
    assert 'href="javascript:' not in html


def test_contributor_text_is_escaped_on_the_review_page(moderator_client):
    paragraph = make_paragraph("The <b>treaty</b> was signed.")
    correction = make_correction(paragraph, "treaty", replacement="<script>alert(1)</script>", status=Status.PENDING)
    html = moderator_client.get(f"{CORRECTIONS}{correction.pk}/change/").content.decode()
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


@pytest.mark.parametrize("queue,make,field", [(NOTES, make_note, "body"), (CORRECTIONS, make_correction, "rationale")])
def test_review_page_shows_the_markdown_as_readers_will_see_it_sanitised(moderator_client, queue, make, field):
    item = make(status=Status.PENDING, **{field: "**Signed** at Rapallo. <img src=x onerror=alert(1)> [x](javascript:alert(1))"})
    html = moderator_client.get(f"{queue}{item.pk}/change/").content.decode()
    rendered = html.split('id="rendered-markdown">')[1].split("</div>")[0]
    assert "<strong>Signed</strong> at Rapallo." in rendered
    assert "onerror" not in rendered and "javascript:" not in rendered and "<img" not in rendered


def test_review_page_shows_the_decision_history(moderator_client):
    note = make_note(status=Status.PENDING)
    moderator_client.post(f"{NOTES}{note.pk}/decide/",
                          {"decision": "reject", "reason": "Needs a source.", "version": note.version})
    html = moderator_client.get(f"{NOTES}{note.pk}/change/").content.decode()
    assert 'id="decision-log"' in html and "Needs a source." in html
    assert "pending review → rejected: Needs a source." in html


@pytest.mark.parametrize("queue,make", [(NOTES, make_note), (CORRECTIONS, make_correction),
                                        (SOURCES, make_source)])
def test_history_page_lists_the_decisions_made_on_the_desk(moderator_client, queue, make):
    item = make(status=Status.PENDING)
    moderator_client.post(f"{queue}{item.pk}/decide/",
                          {"decision": "spam", "reason": "An advert.", "version": item.version})
    html = moderator_client.get(f"{queue}{item.pk}/history/").content.decode()
    assert "pending review → spam: An advert." in html
    assert "doesn’t have a change history" not in html


# --- Deciding one item -----------------------------------------------------------------------


def test_reject_button_records_the_reason_and_returns_to_the_queue(moderator_client):
    note = make_note(status=Status.PENDING)
    response = moderator_client.post(f"{NOTES}{note.pk}/decide/",
                                     {"decision": "reject", "reason": "Off topic.", "version": note.version})
    assert response.status_code == 302 and response["Location"] == NOTES
    note.refresh_from_db()
    assert (note.status, note.review_reason) == (Status.REJECTED, "Off topic.")


def test_reject_without_reason_is_refused_with_a_message(moderator_client):
    note = make_note(status=Status.PENDING)
    response = moderator_client.post(f"{NOTES}{note.pk}/decide/",
                                     {"decision": "reject", "reason": "", "version": note.version}, follow=True)
    assert "A reason is required" in response.content.decode()
    assert Annotation.objects.get(pk=note.pk).status == Status.PENDING


def test_second_moderator_is_told_the_item_was_already_decided_and_keeps_their_reason(client):
    note = make_note(status=Status.PENDING)
    seen = note.version  # both pages were opened at this version
    first, _ = client_as(client, "moderator")
    first.post(f"{NOTES}{note.pk}/decide/", {"decision": "approve", "reason": "", "version": seen})
    from django.test import Client

    second = Client()
    second.force_login(make_role_user("moderator", "second"))
    response = second.post(f"{NOTES}{note.pk}/decide/",
                           {"decision": "spam", "reason": "Looks like an advert.", "version": seen}, follow=True)
    html = response.content.decode()
    assert "was changed by someone else while you were looking at it (it is now accepted)" in html
    assert "Looks like an advert." in html  # what they typed is still there
    note.refresh_from_db()
    assert note.status == Status.ACCEPTED


def test_stale_hidden_version_refuses_a_decision_even_when_the_status_allows_it(moderator_client):
    note = make_note(status=Status.PENDING)
    seen = note.version
    Annotation.objects.filter(pk=note.pk).update(body="Changed by the contributor meanwhile.", version=seen + 1)
    response = moderator_client.post(f"{NOTES}{note.pk}/decide/",
                                     {"decision": "approve", "version": seen}, follow=True)
    assert "changed by someone else" in response.content.decode()
    assert Annotation.objects.get(pk=note.pk).status == Status.PENDING


def test_accepting_an_overlapping_correction_names_the_accepted_one(moderator_client):
    paragraph = make_paragraph()
    accepted = make_correction(paragraph, "1922 at Genoa", status=Status.ACCEPTED)
    proposed = make_correction(paragraph, "Genoa", replacement="Rapallo", status=Status.PENDING)
    make_citation(proposed)
    page = moderator_client.get(f"{CORRECTIONS}{proposed.pk}/change/").content.decode()
    assert f"/admin/annotations/correction/{accepted.pk}/change/" in page  # warned before deciding
    response = moderator_client.post(f"{CORRECTIONS}{proposed.pk}/decide/",
                                     {"decision": "approve", "version": proposed.version}, follow=True)
    assert f"#{accepted.pk}" in response.content.decode()
    assert Correction.objects.get(pk=proposed.pk).status == Status.PENDING


def test_edit_form_refuses_to_overwrite_a_newer_version_and_keeps_the_text(moderator_client):
    note = make_note(status=Status.PENDING, body="Original.")
    seen = note.version
    Annotation.objects.filter(pk=note.pk).update(version=seen + 1, body="Edited by the contributor.")
    response = moderator_client.post(f"{NOTES}{note.pk}/change/", {
        "kind": "context", "body": "The moderator's tidy-up.", "credit": "", "seen_version": seen,
        "citations-TOTAL_FORMS": 0, "citations-INITIAL_FORMS": 0,
    })
    assert response.status_code == 200
    assert "Someone else changed or decided this item" in response.content.decode()
    assert "The moderator&#x27;s tidy-up." in response.content.decode()
    assert Annotation.objects.get(pk=note.pk).body == "Edited by the contributor."


def test_orphaned_note_is_reattached_from_its_page(moderator_client):
    note = make_note(make_paragraph(), "Rapallo", orphaned=True)
    response = moderator_client.post(f"{NOTES}{note.pk}/reattach/",
                                     {"exact": "signed in 1922", "version": note.version}, follow=True)
    assert "is attached to “signed in 1922” again" in response.content.decode()
    assert Annotation.objects.published().get().exact == "signed in 1922"


def test_reattaching_to_missing_words_says_why_and_keeps_them(moderator_client):
    note = make_note(make_paragraph(), "Rapallo", orphaned=True)
    response = moderator_client.post(f"{NOTES}{note.pk}/reattach/",
                                     {"exact": "Brest-Litovsk", "version": note.version}, follow=True)
    html = response.content.decode()
    assert "These words are not in the paragraph" in html
    assert "Brest-Litovsk" in html
    assert Annotation.objects.get(pk=note.pk).orphaned


# --- Bulk ------------------------------------------------------------------------------------


def confirm_bulk(client, url, action, items, reason=""):
    """Post the confirmation page of a bulk action, with the versions it showed."""
    return client.post(url, {
        "action": action, "_selected_action": [item.pk for item in items], "confirm": "yes", "reason": reason,
        "versions": " ".join(f"{item.pk}:{item.version}" for item in items),
    }, follow=True)


def test_moderator_clears_a_queue_of_fifty_mixed_items_with_bulk_actions(moderator_client):
    items = make_pending_queue(50)
    keep = [item for index, item in enumerate(items) if index % 2 == 0]
    drop = [item for index, item in enumerate(items) if index % 2 == 1]

    for action, chosen, reason in [("approve_selected", keep, ""), ("reject_selected", drop, "Duplicates.")]:
        by_queue = {}
        for item in chosen:
            by_queue.setdefault(item._meta.model_name, []).append(item)
        for model_name, queue_items in by_queue.items():
            url = f"/admin/annotations/{model_name}/"
            confirm = moderator_client.post(url, {"action": action, "_selected_action": [i.pk for i in queue_items]})
            assert confirm.status_code == 200 and "confirm" in confirm.content.decode()
            assert confirm_bulk(moderator_client, url, action, queue_items, reason).redirect_chain[0][1] == 302

    assert not Annotation.objects.pending().exists()
    assert not Correction.objects.pending().exists()
    assert not Source.objects.pending().exists()
    assert not Citation.objects.pending().exists()
    assert set(Source.objects.filter(title__startswith="Standalone").values_list("review_reason", flat=True)) <= {
        "", "Duplicates."
    }
    html = moderator_client.get("/admin/").content.decode()
    assert '<td id="queue-notes">0</td>' in html and '<td id="queue-corrections">0</td>' in html


def test_bulk_confirmation_shows_each_item_with_its_quote_in_context(moderator_client):
    paragraph = make_paragraph("The Treaty of Rapallo was signed in 1922 at Genoa.")
    note = make_note(paragraph, "Rapallo", status=Status.PENDING, body="Signed during the conference.")
    correction = make_correction(paragraph, "1922", replacement="16 April 1922", status=Status.PENDING)
    for queue, item, extra in ((NOTES, note, "Signed during the conference."), (CORRECTIONS, correction, "→ “16 April 1922”")):
        html = moderator_client.post(queue, {"action": "reject_selected", "_selected_action": [item.pk]}).content.decode()
        assert f"{paragraph.locator}: " in html and extra in html
        assert "<mark>" in html.split('<div id="content-main">')[1]


def test_bulk_reject_without_reason_asks_again_and_decides_nothing(moderator_client):
    items = make_pending_queue(3)
    note = items[0]
    response = confirm_bulk(moderator_client, NOTES, "reject_selected", [note], reason=" ")
    assert response.status_code == 200 and not response.redirect_chain
    assert "A reason is required" in response.content.decode()
    assert Annotation.objects.get(pk=note.pk).status == Status.PENDING


def test_bulk_decision_reports_items_someone_else_decided_meanwhile(moderator_client):
    paragraph = make_paragraph()
    first, second = make_note(paragraph, status=Status.PENDING), make_note(paragraph, status=Status.PENDING)
    Annotation.objects.filter(pk=second.pk).update(status=Status.REJECTED, version=second.version + 1)
    html = confirm_bulk(moderator_client, NOTES, "approve_selected", [first, second]).content.decode()
    assert "1 note accepted." in html
    assert "1 selected note left this list since you selected it" in html
    assert Annotation.objects.get(pk=second.pk).status == Status.REJECTED


def test_bulk_decision_on_all_statuses_refuses_what_the_workflow_forbids(moderator_client):
    paragraph = make_paragraph()
    pending = make_note(paragraph, status=Status.PENDING)
    rejected = make_note(paragraph, status=Status.REJECTED)
    html = confirm_bulk(moderator_client, NOTES + "?status=all", "approve_selected", [pending, rejected]).content.decode()
    assert "1 note accepted." in html
    assert "reopen it before accepting it" in html
    assert Annotation.objects.get(pk=rejected.pk).status == Status.REJECTED


# --- Repairing the text (editors) -------------------------------------------------------------


def test_editor_repairs_a_paragraph_and_is_told_what_was_orphaned(client):
    editor_client, _ = client_as(client, "editor")
    paragraph = make_paragraph("The Treaty of Rapallo was signed in 1922 at Genoa. Page 12")
    kept = make_note(paragraph, "Genoa")
    lost = make_note(paragraph, "Page 12")
    response = editor_client.post(f"/admin/annotations/paragraph/{paragraph.pk}/change/", {
        "text": "The Treaty of Rapallo was signed in 1922 at Genoa.", "repair_reason": "Page number imported.",
    }, follow=True)
    assert "Text repaired: 0 re-anchored, 1 unchanged, 1 orphaned." in response.content.decode()
    assert Annotation.objects.get(pk=lost.pk).orphaned and not Annotation.objects.get(pk=kept.pk).orphaned
    history = editor_client.get(f"/admin/annotations/paragraph/{paragraph.pk}/history/").content.decode()
    assert "Text repaired: Page number imported." in history


def test_paragraph_history_shows_only_the_words_a_repair_changed(client):
    editor_client, _ = client_as(client, "editor")
    paragraph = make_paragraph("The Treaty of Rapallo was sigend in 1922 at <Genoa>.")
    editor_client.post(f"/admin/annotations/paragraph/{paragraph.pk}/change/", {
        "text": "The Treaty of Rapallo was signed in 1922 at <Genoa>.", "repair_reason": "OCR typo.",
    })
    history = editor_client.get(f"/admin/annotations/paragraph/{paragraph.pk}/history/").content.decode()
    assert "The Treaty of Rapallo was <del>sigend</del><ins>signed</ins> in 1922 at &lt;Genoa&gt;." in history


def test_repair_without_a_reason_is_refused_and_the_new_text_kept(client):
    editor_client, _ = client_as(client, "editor")
    paragraph = make_paragraph()
    response = editor_client.post(f"/admin/annotations/paragraph/{paragraph.pk}/change/",
                                  {"text": "A repaired wording.", "repair_reason": ""})
    assert response.status_code == 200
    assert "Say what the repair fixes" in response.content.decode()
    assert "A repaired wording." in response.content.decode()
    assert Paragraph.objects.get(pk=paragraph.pk).text.startswith("The Treaty")


def test_rejection_reason_reaches_the_contributors_page(client):
    from django.test import Client

    contributor = make_user("ada")
    note = make_note(status=Status.PENDING, submitted_by=contributor)
    moderator_client, _ = client_as(client, "moderator")
    moderator_client.post(f"{NOTES}{note.pk}/decide/",
                          {"decision": "reject", "reason": "The memoir says 1923.", "version": note.version})
    reader = Client()
    reader.force_login(contributor)
    assert "The memoir says 1923." in reader.get("/me/").content.decode()


# --- Seeing what is decided ---------------------------------------------------------------------


def test_queue_rows_show_the_opening_of_each_note_and_rationale(moderator_client):
    paragraph = make_paragraph()
    make_note(paragraph, status=Status.PENDING, body="**Rapallo** was a surprise to the Entente, " + "word " * 50)
    make_correction(paragraph, status=Status.PENDING, rationale="The treaty text gives the *16th* of April.")
    notes = moderator_client.get(NOTES).content.decode()
    assert '<td class="field-opening">Rapallo was a surprise to the Entente, word word' in notes
    assert "word word word word word word word word word word word word word word word word" not in notes
    corrections = moderator_client.get(CORRECTIONS).content.decode()
    assert '<td class="field-opening">The treaty text gives the 16th of April.</td>' in corrections


def test_near_identical_notes_on_the_same_words_are_marked_as_possible_duplicates(moderator_client):
    paragraph = make_paragraph()
    now = timezone.now()
    first = make_note(paragraph, "Rapallo", status=Status.PENDING, submitted_at=now - timedelta(hours=3),
                      body="Rapallo is a town on the Ligurian coast near Genoa.")
    copy = make_note(paragraph, "Rapallo", status=Status.PENDING, submitted_at=now - timedelta(hours=2),
                     body="Rapallo is a town on the Ligurian coast, near Genoa!")
    different = make_note(paragraph, "Rapallo", status=Status.PENDING, submitted_at=now - timedelta(hours=1),
                          body="The delegations met at the Villa Raggi.")
    elsewhere = make_note(paragraph, "Genoa", status=Status.PENDING,
                          body="Rapallo is a town on the Ligurian coast near Genoa.")
    html = moderator_client.get(NOTES).content.decode()
    assert f'possible duplicate of <a href="{NOTES}{first.pk}/change/">#{first.pk}</a>' in html
    assert html.count("possible duplicate of") == 1
    grouped = shown(moderator_client.get(NOTES + "?needs=duplicates"))
    assert grouped == [first, copy, different]  # same words side by side; the note on other words is not listed
    assert elsewhere not in grouped


def test_admin_index_shows_each_queues_oldest_item_and_median_time_to_decision(moderator_client):
    from django.contrib.auth.models import User

    from annotations import moderation

    moderator = User.objects.get(username="moderator")
    paragraph = make_paragraph()
    now = timezone.now()
    make_note(paragraph, "Rapallo", status=Status.PENDING, submitted_at=now - timedelta(days=3, hours=2))
    for hours, word in ((2, "1922"), (4, "Genoa"), (30, "signed")):
        decided = make_note(paragraph, word, status=Status.PENDING, submitted_at=now - timedelta(hours=hours))
        moderation.item_approve(decided, moderator=moderator)
    old = make_note(paragraph, "Treaty", status=Status.PENDING, submitted_at=now - timedelta(days=90))
    moderation.item_approve(old, moderator=moderator)
    Decision.objects.filter(object_id=old.pk).update(decided_at=now - timedelta(days=31))  # outside the 30 days
    html = moderator_client.get("/admin/").content.decode()
    assert '<td id="queue-notes">1</td>' in html
    assert '<td id="queue-notes-oldest">3\xa0days, 2\xa0hours</td>' in html
    assert '<td id="queue-notes-median">4\xa0hours</td>' in html
    assert '<td id="queue-corrections-median">—</td>' in html


def test_a_reason_template_fills_the_reason_and_a_typed_reason_wins(moderator_client):
    from annotations.models import ReasonTemplate

    template = ReasonTemplate.objects.create(label="Wrong date", text="The date is right as it stands.", position=1)
    paragraph = make_paragraph()
    first, second = make_note(paragraph, status=Status.PENDING), make_note(paragraph, "1922", status=Status.PENDING)
    page = moderator_client.get(f"{NOTES}{first.pk}/change/").content.decode()
    assert f'<option value="{template.pk}" data-text="The date is right as it stands.">Wrong date</option>' in page
    moderator_client.post(f"{NOTES}{first.pk}/decide/",
                          {"decision": "reject", "reason": "", "reason_template": template.pk, "version": first.version})
    moderator_client.post(f"{NOTES}{second.pk}/decide/", {
        "decision": "reject", "reason": "Edited: 1922 is right.", "reason_template": template.pk,
        "version": second.version,
    })
    assert Annotation.objects.get(pk=first.pk).review_reason == "The date is right as it stands."
    assert Annotation.objects.get(pk=second.pk).review_reason == "Edited: 1922 is right."


def test_starter_reason_templates_are_there_and_moderators_edit_them(moderator_client):
    from annotations.models import ReasonTemplate

    assert ReasonTemplate.objects.filter(label="Duplicate").exists()
    template = ReasonTemplate.objects.get(label="Duplicate")
    moderator_client.post(f"/admin/annotations/reasontemplate/{template.pk}/change/",
                          {"label": "Duplicate", "text": "Said already by another note.", "position": 5})
    assert ReasonTemplate.objects.get(pk=template.pk).text == "Said already by another note."


def test_review_page_offers_keyboard_shortcuts_from_a_static_script(moderator_client):
    paragraph = make_paragraph()
    note, later = make_note(paragraph, status=Status.PENDING), make_note(paragraph, "1922", status=Status.PENDING)
    html = moderator_client.get(f"{NOTES}{note.pk}/change/").content.decode()
    assert '<script src="/static/annotations/admin/review.js"></script>' in html
    assert 'id="desk-shortcuts" hidden' in html
    assert 'data-key="a"' in html and 'data-key="r"' in html and 'data-key="s"' in html
    assert f'href="{NOTES}{later.pk}/change/" rel="next" data-key="j"' in html
    assert "<script>" not in html.split('id="review"')[1].split("</section>")[0]
