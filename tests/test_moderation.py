"""Moderation decisions: the workflow, the citation cascade, conflicts, stale versions, history, repair."""

import pytest
from django.contrib.contenttypes.models import ContentType

from annotations import moderation
from annotations.models import Annotation, Citation, Correction, Decision, Essay, Source, Status
from tests.factories import make_citation, make_correction, make_note, make_paragraph, make_source, make_user
from tests.moderation_support import make_role_user

pytestmark = pytest.mark.django_db


def decisions_of(item):
    return Decision.objects.filter(content_type=ContentType.objects.get_for_model(item), object_id=item.pk)


# --- Transitions ---------------------------------------------------------------


def test_rejection_needs_a_reason_and_keeps_it_for_the_contributor(moderator):
    note = make_note(status=Status.PENDING)
    with pytest.raises(moderation.TransitionError, match="reason is required"):
        moderation.item_reject(note, moderator=moderator, reason="  ")
    moderation.item_reject(note, moderator=moderator, reason="Not supported by the cited page.")
    note.refresh_from_db()
    assert (note.status, note.review_reason, note.reviewed_by) == (
        Status.REJECTED, "Not supported by the cited page.", moderator,
    )


def test_every_decision_records_moderator_time_and_reason(moderator):
    note = make_note(status=Status.PENDING)
    moderation.item_reject(note, moderator=moderator, reason="Duplicate.")
    moderation.item_reopen(note, moderator=moderator, reason="Not a duplicate after all.")
    moderation.item_approve(note, moderator=moderator)
    log = list(decisions_of(note).values_list("from_status", "to_status", "decided_by", "reason"))
    assert log == [
        (Status.PENDING, Status.REJECTED, moderator.pk, "Duplicate."),
        (Status.REJECTED, Status.PENDING, moderator.pk, "Not a duplicate after all."),
        (Status.PENDING, Status.ACCEPTED, moderator.pk, ""),
    ]
    assert all(decision.decided_at for decision in decisions_of(note))


def test_withdrawn_item_cannot_be_decided(moderator):
    contributor = make_user("contributor")
    note = make_note(status=Status.PENDING, submitted_by=contributor)
    moderation.item_withdraw(note, user=contributor)
    for decide in (moderation.item_approve, moderation.item_mark_spam, moderation.item_reopen):
        with pytest.raises(moderation.TransitionError, match="withdrawn"):
            decide(note, moderator=moderator)
    assert Annotation.objects.get(pk=note.pk).status == Status.WITHDRAWN


def test_rejected_item_must_be_reopened_before_it_is_accepted(moderator):
    note = make_note(status=Status.PENDING)
    moderation.item_reject(note, moderator=moderator, reason="Unsourced.")
    with pytest.raises(moderation.TransitionError, match="reopen it before accepting"):
        moderation.item_approve(note, moderator=moderator)
    moderation.item_reopen(note, moderator=moderator)
    moderation.item_approve(note, moderator=moderator)
    assert Annotation.objects.published().filter(pk=note.pk).exists()


def test_decision_made_on_a_stale_version_is_refused_and_overwrites_nothing(moderator):
    note = make_note(status=Status.PENDING)
    seen = note.version
    moderation.item_approve(Annotation.objects.get(pk=note.pk), moderator=moderator, reason="Good.")
    with pytest.raises(moderation.StaleItemError, match="changed by someone else"):
        moderation.item_reject(note, moderator=make_role_user("moderator", "second"), reason="Bad.", expected_version=seen)
    note.refresh_from_db()
    assert (note.status, note.review_reason) == (Status.ACCEPTED, "Good.")
    assert decisions_of(note).count() == 1


@pytest.mark.parametrize("decision", ["approve", "reject", "spam", "reopen"])
def test_second_moderator_loading_the_decided_item_is_told_someone_else_decided_it(moderator, decision):
    # The admin loads the item afresh: it is already rejected, but the second
    # moderator saw it pending; they must hear it was decided meanwhile, not
    # that the workflow forbids their choice.
    note = make_note(status=Status.PENDING)
    seen = note.version
    moderation.item_reject(Annotation.objects.get(pk=note.pk), moderator=moderator, reason="Off topic.")
    reloaded = Annotation.objects.get(pk=note.pk)
    with pytest.raises(moderation.StaleItemError, match=r"changed by someone else .*\(it is now rejected\)"):
        moderation.item_decide(reloaded, decision=decision, moderator=make_role_user("moderator", "second"),
                               reason="Second view.", expected_version=seen)
    assert decisions_of(note).count() == 1


def test_edit_after_the_moderator_opened_the_item_makes_the_decision_stale(moderator):
    contributor = make_user("contributor")
    note = make_note(status=Status.PENDING, submitted_by=contributor, body="First wording.")
    seen = note.version
    moderation.item_revise(Annotation.objects.get(pk=note.pk), user=contributor, changes={"body": "Spam link."})
    with pytest.raises(moderation.StaleItemError):
        moderation.item_approve(note, moderator=moderator, expected_version=seen)
    assert Annotation.objects.get(pk=note.pk).status == Status.PENDING


def test_decision_invalidates_the_cached_edition(moderator):
    note = make_note(status=Status.PENDING)
    before = Essay.objects.get().revision
    moderation.item_approve(note, moderator=moderator)
    assert Essay.objects.get().revision > before


def test_available_decisions_follow_the_workflow(moderator):
    note = make_note(status=Status.PENDING)
    assert moderation.available_decisions(note) == ["approve", "reject", "spam"]
    moderation.item_approve(note, moderator=moderator)
    assert moderation.available_decisions(note) == ["take_down", "reopen"]
    Annotation.objects.filter(pk=note.pk).update(orphaned=True)
    note.refresh_from_db()
    assert moderation.available_decisions(note) == ["reopen", "retire"]


# --- Citations follow the item they belong to ------------------------------------


def test_accepting_a_note_accepts_its_pending_citations_and_their_sources(moderator):
    note = make_note(status=Status.PENDING)
    source = make_source(status=Status.PENDING)
    first = make_citation(note, source, status=Status.PENDING, locator="p. 1")
    second = make_citation(note, source, status=Status.PENDING, locator="p. 2")
    moderation.item_approve(note, moderator=moderator)
    assert set(Citation.objects.filter(pk__in=[first.pk, second.pk]).values_list("status", flat=True)) == {
        Status.ACCEPTED
    }
    assert Source.objects.get(pk=source.pk).status == Status.ACCEPTED


def test_citation_rejected_separately_stays_rejected_when_its_note_is_accepted(moderator):
    note = make_note(status=Status.PENDING)
    kept = make_citation(note, make_source(title="Good"), status=Status.PENDING)
    dropped = make_citation(note, make_source(title="Irrelevant", status=Status.PENDING), status=Status.PENDING)
    moderation.item_reject(dropped, moderator=moderator, reason="Does not say this.")
    moderation.item_approve(note, moderator=moderator)
    assert Citation.objects.get(pk=kept.pk).status == Status.ACCEPTED
    assert Citation.objects.get(pk=dropped.pk).status == Status.REJECTED
    assert Source.objects.get(pk=dropped.source_id).status == Status.PENDING


def test_citation_of_a_rejected_source_is_not_published_with_its_note(moderator):
    note = make_note(status=Status.PENDING)
    citation = make_citation(note, make_source(status=Status.REJECTED), status=Status.PENDING)
    moderation.item_approve(note, moderator=moderator)
    citation.refresh_from_db()
    assert citation.status == Status.REJECTED
    assert "rejected" in citation.review_reason


def test_rejecting_a_correction_rejects_its_pending_citations_but_leaves_the_source_to_its_queue(moderator):
    correction = make_correction(status=Status.PENDING)
    citation = make_citation(correction, make_source(status=Status.PENDING), status=Status.PENDING)
    moderation.item_reject(correction, moderator=moderator, reason="The date is right as it stands.")
    assert Citation.objects.get(pk=citation.pk).status == Status.REJECTED
    assert Source.objects.get(pk=citation.source_id).status == Status.PENDING


def test_sourced_correction_cannot_be_accepted_without_a_publishable_source(moderator):
    correction = make_correction(status=Status.PENDING)  # a date correction
    citation = make_citation(correction, make_source(status=Status.PENDING), status=Status.PENDING)
    moderation.item_reject(citation, moderator=moderator, reason="Wrong book.")
    with pytest.raises(moderation.TransitionError, match="cites no source"):
        moderation.item_approve(correction, moderator=moderator)
    assert Correction.objects.get(pk=correction.pk).status == Status.PENDING


def test_accepting_a_citation_accepts_its_pending_source(moderator):
    note = make_note()
    citation = make_citation(note, make_source(status=Status.PENDING), status=Status.PENDING)
    moderation.item_approve(citation, moderator=moderator)
    assert Source.objects.get(pk=citation.source_id).status == Status.ACCEPTED


# --- Conflicts ------------------------------------------------------------------------


def test_overlapping_correction_is_refused_naming_the_accepted_one(moderator):
    paragraph = make_paragraph()
    accepted = make_correction(paragraph, "1922 at Genoa", replacement="1922 at Rapallo", status=Status.ACCEPTED)
    make_citation(accepted)
    proposed = make_correction(paragraph, "Genoa", replacement="Santa Margherita", status=Status.PENDING)
    make_citation(proposed)
    with pytest.raises(moderation.ConflictError) as refusal:
        moderation.item_approve(proposed, moderator=moderator)
    assert str(accepted) in str(refusal.value) and f"#{accepted.pk}" in str(refusal.value)
    assert Correction.objects.get(pk=proposed.pk).status == Status.PENDING


def test_correction_beside_an_accepted_one_is_accepted(moderator):
    paragraph = make_paragraph()
    make_correction(paragraph, "1922", status=Status.ACCEPTED)
    beside = make_correction(paragraph, "Genoa", replacement="Rapallo", status=Status.PENDING, category="name")
    make_citation(beside)
    moderation.item_approve(beside, moderator=moderator)
    assert Correction.objects.get(pk=beside.pk).status == Status.ACCEPTED


def test_orphaned_accepted_correction_does_not_block_a_new_one(moderator):
    paragraph = make_paragraph()
    make_correction(paragraph, "1922", status=Status.ACCEPTED, orphaned=True)
    proposed = make_correction(paragraph, "1922", replacement="1923", status=Status.PENDING)
    make_citation(proposed)
    moderation.item_approve(proposed, moderator=moderator)
    assert Correction.objects.get(pk=proposed.pk).status == Status.ACCEPTED


# --- History ----------------------------------------------------------------------------


def test_edit_and_decision_are_kept_in_the_items_history(moderator):
    note = make_note(status=Status.PENDING, body="As submitted.")
    note.body = "Tidied by the moderator."
    moderation.item_edit(note, user=moderator, fields=["body"], expected_version=note.version)
    moderation.item_approve(note, moderator=moderator)
    history = moderation.item_history(Annotation.objects.get(pk=note.pk))
    assert [entry["comment"] for entry in history] == ["As first stored.", "Edited: body.", "pending review → accepted"]
    assert ("body", "As submitted.", "Tidied by the moderator.") in history[1]["changes"]
    assert ("status", Status.PENDING, Status.ACCEPTED) in history[2]["changes"]
    assert history[2]["user"] == moderator


def test_contributors_own_edit_is_kept_in_the_items_history(db):
    contributor = make_user("contributor")
    note = make_note(status=Status.PENDING, body="First thoughts.", submitted_by=contributor)
    moderation.item_revise(note, user=contributor, changes={"body": "Second thoughts."})
    history = moderation.item_history(Annotation.objects.get(pk=note.pk))
    assert [entry["comment"] for entry in history] == ["As first stored.", "Edited by its contributor: body."]
    assert ("body", "First thoughts.", "Second thoughts.") in history[1]["changes"]
    assert history[1]["user"] == contributor


def test_withdrawing_a_note_withdraws_its_pending_citations(db):
    contributor = make_user("contributor")
    note = make_note(status=Status.PENDING, submitted_by=contributor)
    citation = make_citation(note, status=Status.PENDING, submitted_by=contributor)
    moderation.item_withdraw(note, user=contributor)
    assert Citation.objects.get(pk=citation.pk).status == Status.WITHDRAWN


def test_edit_on_a_stale_version_is_refused(moderator):
    note = make_note(status=Status.PENDING)
    seen = note.version
    moderation.item_approve(Annotation.objects.get(pk=note.pk), moderator=moderator)
    note.body = "Overwrite."
    with pytest.raises(moderation.StaleItemError):
        moderation.item_edit(note, user=moderator, fields=["body"], expected_version=seen)
    assert Annotation.objects.get(pk=note.pk).body == "A note."


# --- Repairing the text ----------------------------------------------------------------------


def test_repair_moves_notes_with_their_words_and_orphans_those_whose_words_went(editor):
    paragraph = make_paragraph("The Treaty of Rapallo was signd in 1922 at Genoa, said Chicherin.")
    follows = make_note(paragraph, "Genoa")
    fuzzy = make_correction(paragraph, "was signd in 1922")
    make_citation(fuzzy)
    lost = make_note(paragraph, "said Chicherin")
    before = Essay.objects.get().revision
    outcome = moderation.paragraph_repair(
        paragraph, editor=editor, new_text="The Treaty of Rapallo was signed in 1922 at Genoa.", reason="OCR slip."
    )
    follows.refresh_from_db(), fuzzy.refresh_from_db(), lost.refresh_from_db()
    assert paragraph.text[follows.start:follows.end] == "Genoa" and not follows.orphaned
    assert fuzzy.exact == "was signed in 1922" and not fuzzy.orphaned
    assert lost.orphaned and lost.status == Status.ACCEPTED
    assert list(Annotation.objects.published()) == [follows]
    assert {item.pk for item in outcome.orphaned} == {lost.pk}
    assert Essay.objects.get().revision > before


def test_near_duplicate_phrase_does_not_capture_a_note_whose_words_were_removed(editor):
    paragraph = make_paragraph(
        "Molotov signed the pact with Germany in 1939. Later, Matsuoka signed the pact with Japan in 1941."
    )
    note = make_note(paragraph, "signed the pact with Germany in 1939")
    moderation.paragraph_repair(
        paragraph, editor=editor, new_text="Later, Matsuoka signed the pact with Japan in 1941.",
        reason="The first sentence belongs to the next paragraph (import error).",
    )
    note.refresh_from_db()
    assert note.orphaned
    assert note.exact == "signed the pact with Germany in 1939"
    assert Annotation.objects.orphaned().get() == note


def test_repair_deletes_nothing_and_records_what_happened(editor):
    paragraph = make_paragraph()
    note = make_note(paragraph, "Rapallo")
    correction = make_correction(paragraph, "1922", status=Status.PENDING)
    moderation.paragraph_repair(paragraph, editor=editor, new_text="Something else entirely.", reason="Wrong paragraph.")
    assert Annotation.objects.filter(pk=note.pk, orphaned=True).exists()
    assert Correction.objects.filter(pk=correction.pk, orphaned=True, status=Status.PENDING).exists()
    history = moderation.item_history(paragraph)
    assert history[-1]["comment"] == "Text repaired: Wrong paragraph. (0 re-anchored, 0 unchanged, 2 orphaned)."
    assert history[-1]["user"] == editor
    assert ("text", "The Treaty of Rapallo was signed in 1922 at Genoa.", "Something else entirely.") in history[-1][
        "changes"
    ]


def test_moderators_may_not_repair_the_text(moderator):
    paragraph = make_paragraph()
    with pytest.raises(moderation.RepairError, match="Only editors"):
        moderation.paragraph_repair(paragraph, editor=moderator, new_text="Changed.", reason="Because.")
    paragraph.refresh_from_db()
    assert paragraph.text.startswith("The Treaty")


@pytest.mark.parametrize("new_text,reason,message", [
    ("Changed.", "", "Say what the repair fixes"),
    ("   ", "OCR.", "cannot be empty"),
    ("The Treaty of Rapallo was signed in 1922 at Genoa.", "OCR.", "unchanged"),
])
def test_repair_without_reason_or_text_is_refused(editor, new_text, reason, message):
    paragraph = make_paragraph()
    with pytest.raises(moderation.RepairError, match=message):
        moderation.paragraph_repair(paragraph, editor=editor, new_text=new_text, reason=reason)


def test_orphaned_note_can_be_reattached_to_new_words(moderator):
    note = make_note(make_paragraph(), "Rapallo", orphaned=True)
    moderation.item_reattach(note, moderator=moderator, exact="Treaty of Rapallo")
    assert Annotation.objects.published().get() == note
    assert (note.exact, note.start) == ("Treaty of Rapallo", 4)


def test_reattaching_to_words_not_in_the_paragraph_is_refused(moderator):
    note = make_note(make_paragraph(), "Rapallo", orphaned=True)
    with pytest.raises(moderation.text.QuoteNotFound):
        moderation.item_reattach(note, moderator=moderator, exact="Brest-Litovsk")
    assert Annotation.objects.get(pk=note.pk).orphaned


def test_orphaned_accepted_item_can_be_retired_with_a_reason(moderator):
    note = make_note(orphaned=True)
    moderation.item_retire(note, moderator=moderator, reason="The passage it commented was an import error.")
    assert Annotation.objects.get(pk=note.pk).status == Status.REJECTED


def test_placed_item_cannot_be_retired(moderator):
    with pytest.raises(moderation.TransitionError, match="not orphaned"):
        moderation.item_retire(make_note(), moderator=moderator, reason="Old.")


def test_queue_counts_count_what_waits(moderator):
    paragraph = make_paragraph()
    make_note(paragraph, status=Status.PENDING)
    make_note(paragraph, status=Status.ACCEPTED, orphaned=True)
    make_correction(paragraph, status=Status.PENDING)
    make_source(status=Status.PENDING)
    assert moderation.queue_counts() == {"notes": 1, "corrections": 1, "sources": 1, "citations": 0, "orphaned": 1}
