"""
Log-in limits per account (django-axes, in the database) with a wait that doubles, and per IP.

Whether a password was checked at all is counted at the password hasher: a
locked account's attempts never reach it.
"""

from datetime import datetime, timedelta, timezone
from unittest import mock

import pytest
import time_machine
from django.contrib.auth.hashers import MD5PasswordHasher
from django.test import Client
from django.urls import reverse

from tests.factories import make_user

PASSWORD = "a-long-test-password"
# Tomorrow at nine: in the future, so that sessions made then are still valid when the test reads them.
NINE_TOMORROW = (datetime.now(timezone.utc) + timedelta(days=1)).replace(hour=9, minute=0, second=0, microsecond=0)


@pytest.fixture
def checked():
    """How many passwords the site checked (a locked account's are not)."""
    calls = []
    original = MD5PasswordHasher.verify

    def verify(self, password, encoded):
        calls.append(password)
        return original(self, password, encoded)

    with mock.patch.object(MD5PasswordHasher, "verify", verify):
        yield calls


def log_in(password, *, username="ada", address="198.51.100.1", path=None):
    client = Client(REMOTE_ADDR=address)
    return client, client.post(path or reverse("login"), {"username": username, "password": password})


def test_after_five_wrong_passwords_the_account_is_refused_without_checking_the_password(db, checked):
    make_user("ada", password=PASSWORD)
    with time_machine.travel(NINE_TOMORROW, tick=False):
        statuses = [log_in(f"guess {number}")[1].status_code for number in range(120)]
        client, right = log_in(PASSWORD)
    assert statuses[:4] == [200] * 4 and set(statuses[4:]) == {429}  # the fifth wrong one locks
    assert len(checked) == 5
    assert right.status_code == 429 and "_auth_user_id" not in client.session
    page = right.content.decode()
    assert "This account is locked for now" in page and "5 minutes" in page and 'value="ada"' in page


def test_an_accounts_failures_count_together_from_every_address(db, checked):
    make_user("ada", password=PASSWORD)
    with time_machine.travel(NINE_TOMORROW, tick=False):
        for number in range(5):
            log_in("wrong", address=f"203.0.113.{number + 1}")
        assert log_in(PASSWORD, address="192.0.2.50")[1].status_code == 429
    assert len(checked) == 5


def test_a_locked_account_does_not_lock_out_others_at_the_same_address(db):
    make_user("ada", password=PASSWORD)
    make_user("bea", password=PASSWORD)
    with time_machine.travel(NINE_TOMORROW, tick=False):
        for _ in range(6):
            log_in("wrong")
        client, response = log_in(PASSWORD, username="bea")
    assert response.status_code == 302 and client.session["_auth_user_id"]


def test_the_wait_doubles_with_each_round_and_refused_attempts_do_not_prolong_it(db, checked):
    make_user("ada", password=PASSWORD)
    with time_machine.travel(NINE_TOMORROW, tick=False) as clock:
        for _ in range(5):
            log_in("wrong")
        clock.shift(timedelta(minutes=4))
        assert log_in(PASSWORD)[1].status_code == 429  # refused, not checked, and the wait is not reset
        clock.shift(timedelta(minutes=1, seconds=1))
        assert [log_in("wrong again")[1].status_code for _ in range(5)] == [200] * 4 + [429]  # checked again
        clock.shift(timedelta(minutes=9))
        assert log_in(PASSWORD)[1].status_code == 429  # the second round waits 10 minutes
        assert "10 minutes" in log_in(PASSWORD)[1].content.decode()
        clock.shift(timedelta(minutes=1, seconds=1))
        client, response = log_in(PASSWORD)
    assert response.status_code == 302 and client.session["_auth_user_id"]
    assert len(checked) == 11


def test_the_admin_log_in_is_limited_the_same_way(db, checked):
    make_user("root", password=PASSWORD, is_staff=True, is_superuser=True)
    with time_machine.travel(NINE_TOMORROW, tick=False):
        statuses = [log_in("wrong", username="root", path=reverse("admin:login"))[1].status_code for _ in range(7)]
    assert statuses[4:] == [429, 429, 429] and len(checked) == 5


def test_log_in_still_works_for_tests_and_scripts_without_a_request(db, client):
    make_user("ada", password=PASSWORD)
    assert client.login(username="ada", password=PASSWORD)
