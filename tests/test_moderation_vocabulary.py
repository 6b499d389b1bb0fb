"""One owner of the moderation vocabulary: the rules, the decision table, the status groupings, history registration."""

import importlib

import pytest
import reversion

from annotations import admin as desk_admin
from annotations import moderation
from annotations.models import Annotation, Correction, Decision, Source, Status
from tests.factories import make_citation, make_correction, make_note, make_source

FACTS = ["factual", "date", "name"]
NOT_FACTS = ["wording", "spelling", "transliteration", "title", "gap"]


@pytest.mark.parametrize("category", FACTS)
def test_factual_date_and_name_corrections_must_cite_and_wait_for_a_person(category):
    assert moderation.correction_must_cite(category)
    assert moderation.correction_waits_for_a_person(category)


@pytest.mark.parametrize("category", NOT_FACTS)
def test_other_corrections_need_no_source_and_may_be_published_on_trust(category):
    assert not moderation.correction_must_cite(category)
    assert not moderation.correction_waits_for_a_person(category)


def test_the_admin_renders_every_moderator_decision_of_the_table_and_nothing_else():
    actions = {action.__name__: action for action in desk_admin.NoteAdmin.actions}
    bulk = [name for name in moderation.DECISIONS if moderation.MOVES[name].bulk]
    assert list(actions) == [f"{name}_selected" for name in bulk]
    for name in bulk:
        assert actions[f"{name}_selected"].short_description.startswith(moderation.MOVES[name].label)
    labels = dict(desk_admin.DecisionForm.base_fields["decision"].choices)
    assert labels == {name: moderation.MOVES[name].label for name in moderation.DECISIONS}


def test_only_moderator_moves_can_be_decided_by_name_on_the_desk(moderator, db):
    note = make_note(status=Status.PENDING)
    for name in ("withdraw", "resubmit", "publish_on_trust", "hide_for_flags", "delete"):
        with pytest.raises(moderation.TransitionError, match="Unknown decision"):
            moderation.item_decide(note, decision=name, moderator=moderator)
    assert Annotation.objects.get(pk=note.pk).status == Status.PENDING


def test_status_groupings_answer_for_every_moderated_kind(db):
    paragraph_note = make_note(status=Status.PENDING)
    make_note(paragraph_note.paragraph, "1922", status=Status.ACCEPTED)
    make_note(paragraph_note.paragraph, "Genoa", status=Status.SPAM)
    make_source(status=Status.WITHDRAWN)
    assert Annotation.objects.standing().count() == 2
    assert Annotation.objects.closed().count() == 1
    assert Source.objects.closed().count() == 1
    assert Status.STANDING | Status.CLOSED == set(Status.values)
    assert Status.DECLINED <= Status.CLOSED and not Status.PUBLIC & Status.CLOSED


def test_keeping_a_published_item_does_not_make_a_new_version_of_the_edition(moderator, db):
    note = make_note(status=Status.PENDING)
    moderation.item_approve(note, moderator=moderator)
    before = Decision.objects.changing_what_readers_see().count()
    Annotation.objects.filter(pk=note.pk).update(review_rule="trust")  # as if published on trust
    note.refresh_from_db()
    moderation.item_decide(note, decision="keep", moderator=moderator)
    assert Decision.objects.changing_what_readers_see().count() == before
    assert not Annotation.objects.published_on_trust().exists()


def test_history_is_registered_by_the_app_not_by_importing_moderation():
    models = moderation.HISTORY_MODELS
    try:
        for model in models:
            reversion.unregister(model)
        importlib.reload(moderation)
        assert not any(reversion.is_registered(model) for model in models)
        from django.apps import apps

        apps.get_app_config("annotations").ready()
        assert all(reversion.is_registered(model) for model in models)
    finally:
        for model in models:
            if not reversion.is_registered(model):
                reversion.register(model, format=moderation.HISTORY_FORMAT)


def test_sourced_correction_without_a_publishable_source_is_refused_by_the_one_predicate(moderator, db):
    correction = make_correction(status=Status.PENDING, category="name")
    with pytest.raises(moderation.TransitionError, match="cites no source"):
        moderation.item_approve(correction, moderator=moderator)
    make_citation(correction, make_source(status=Status.PENDING), status=Status.PENDING)
    moderation.item_approve(correction, moderator=moderator)
    assert Correction.objects.published().filter(pk=correction.pk).exists()
