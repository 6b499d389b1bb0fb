"""
Many contributors writing at the same moment: no request fails.

On SQLite each writer used to start a deferred transaction, read, and then
fail with "database is locked" when it tried to write while another held the
lock. With WAL, IMMEDIATE transactions and a busy timeout (settings.py) they
wait their turn. Real threads, each with its own connection, as gunicorn's
workers have.
"""

import threading

import pytest
from django.db import connections
from django.test import Client
from django.urls import reverse

from annotations.models import Annotation, Status
from tests.factories import make_note, make_paragraph, make_user

pytestmark = pytest.mark.django_db(transaction=True)


def test_twenty_contributors_withdrawing_three_items_each_at_once_all_succeed():
    paragraph = make_paragraph("The Treaty of Rapallo was signed in 1922 at Genoa.")
    contributors = [make_user(f"contributor{number}") for number in range(20)]
    items = {user.pk: [make_note(paragraph, status=Status.PENDING, submitted_by=user) for _ in range(3)] for user in contributors}
    barrier = threading.Barrier(len(contributors))
    statuses, errors = [], []

    def withdraw_all(user):
        try:
            client = Client()
            client.force_login(user)
            barrier.wait(timeout=30)
            for note in items[user.pk]:
                response = client.post(reverse("annotations:item_withdraw", args=["notes", note.pk]), {"version": note.version})
                statuses.append(response.status_code)
        except Exception as error:  # reported by the assertion below, not lost in the thread
            errors.append(repr(error))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=withdraw_all, args=(user,)) for user in contributors]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    assert statuses == [302] * 60
    assert Annotation.objects.filter(status=Status.WITHDRAWN).count() == 60
