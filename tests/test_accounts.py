"""Accounts: sign up, log in and back, log out, change and reset a password; the demo accounts."""

import re
from io import StringIO

import pytest
from django.contrib.auth.models import User
from django.core import checks, mail
from django.core.management import call_command
from django.urls import reverse

from tests.factories import make_paragraph, make_user

PASSWORD = "a-long-pass-phrase-1"


def signup_data(**overrides):
    data = {"username": "ada", "email": "ada@example.org", "password1": PASSWORD, "password2": PASSWORD}
    data.update(overrides)
    return data


def test_sign_up_creates_the_account_logs_in_and_returns_to_next(client, db):
    paragraph = make_paragraph()
    back_to = reverse("annotations:note_add", args=[paragraph.anchor]) + "?exact=Rapallo"
    response = client.post(reverse("signup"), {**signup_data(), "next": back_to})
    assert response.status_code == 302 and response["Location"] == back_to
    user = User.objects.get(username="ada")
    assert (user.email, user.is_staff) == ("ada@example.org", False)
    assert client.get(back_to).status_code == 200


def test_sign_up_ignores_a_next_on_another_site(client, db):
    response = client.post(reverse("signup"), {**signup_data(), "next": "https://evil.example/"})
    assert response["Location"] == reverse("annotations:edition")


def test_sign_up_with_a_next_that_is_not_a_url_path_creates_the_account_and_redirects_without_an_error(client, db):
    # "date" is a relative URL to url_has_allowed_host_and_scheme, and redirect() took it for a view name: a 500.
    response = client.post(reverse("signup") + "?next=date", signup_data())
    assert response.status_code == 302
    assert User.objects.filter(username="ada").exists()
    assert client.get(reverse("signup") + "?next=date").status_code == 302  # signed in now: sent on


def test_sign_up_with_a_registered_address_answers_as_any_other_and_tells_its_owner(client, db):
    owner = make_user("taken", email="taken@example.org")
    fresh = client.post(reverse("signup"), signup_data(username="bea", email="bea@example.org"))
    client.logout()
    mail.outbox.clear()
    taken = client.post(reverse("signup"), signup_data(username="cy", email="TAKEN@example.org"))
    assert (taken.status_code, taken["Location"]) == (fresh.status_code, fresh["Location"])
    assert User.objects.get(username="cy").email == ""  # the address stays only the owner's
    assert [message.to for message in mail.outbox] == [[owner.email]]
    assert "“cy”" in mail.outbox[0].body and "/accounts/password_reset/" in mail.outbox[0].body


@pytest.mark.parametrize(
    "overrides, message",
    [
        ({"password2": "something-else-entirely"}, "didn’t match"),
        ({"email": "not-an-address"}, "Enter a valid email address"),
        ({"username": "Taken"}, "already exists"),
        ({"password1": "12345678", "password2": "12345678"}, "too common"),
    ],
)
def test_sign_up_with_bad_input_says_why_and_keeps_what_was_typed(client, db, overrides, message):
    make_user("taken", email="taken@example.org")
    response = client.post(reverse("signup"), signup_data(**overrides))
    html = response.content.decode()
    assert response.status_code == 400
    assert message in html
    assert f'value="{overrides.get("username", "ada")}"' in html
    assert User.objects.count() == 1


def test_log_in_returns_to_the_selection_the_reader_started_from(client, db):
    make_user("ada", password=PASSWORD)
    paragraph = make_paragraph()
    back_to = reverse("annotations:note_add", args=[paragraph.anchor]) + "?exact=Rapallo&start=14&end=21"
    login_page = client.get(back_to, follow=True)
    assert "Log in to contribute" in login_page.content.decode()
    response = client.post(reverse("login"), {"username": "ada", "password": PASSWORD, "next": back_to})
    assert response["Location"] == back_to
    assert "Rapallo</textarea>" in client.get(back_to).content.decode()


def test_log_out_is_a_post_and_ends_the_session(client, db):
    client.force_login(make_user("ada"))
    assert "Log out" in client.get(reverse("annotations:me")).content.decode()
    response = client.post(reverse("logout"))
    assert response.status_code == 302
    assert client.get(reverse("annotations:me")).status_code == 302


def test_password_change(client, db):
    user = make_user("ada", password=PASSWORD)
    client.force_login(user)
    data = {"old_password": PASSWORD, "new_password1": "another-long-phrase-2", "new_password2": "another-long-phrase-2"}
    response = client.post(reverse("password_change"), data, follow=True)
    assert "Password changed" in response.content.decode()
    user.refresh_from_db()
    assert user.check_password("another-long-phrase-2")


def test_password_reset_by_email_link(client, db):
    make_user("ada", email="ada@example.org", password=PASSWORD)
    response = client.post(reverse("password_reset"), {"email": "ada@example.org"}, follow=True)
    assert "Check your email" in response.content.decode()
    assert len(mail.outbox) == 1 and "ada" in mail.outbox[0].body
    link = re.search(r"https?://[^/]+(/accounts/reset/\S+)", mail.outbox[0].body).group(1)
    form_page = client.get(link, follow=True)
    assert "Choose a new password" in form_page.content.decode()
    data = {"new_password1": "a-fresh-long-phrase-3", "new_password2": "a-fresh-long-phrase-3"}
    done = client.post(form_page.redirect_chain[-1][0], data, follow=True)
    assert "Password set" in done.content.decode()
    assert client.login(username="ada", password="a-fresh-long-phrase-3")
    assert "does not work any more" in client.get(link, follow=True).content.decode()


def test_password_reset_does_not_reveal_whether_an_address_has_an_account(client, db):
    response = client.post(reverse("password_reset"), {"email": "nobody@example.org"}, follow=True)
    assert "Check your email" in response.content.decode()
    assert mail.outbox == []


def test_demo_accounts_are_created_in_development_and_say_how_to_log_in(db, settings, client):
    settings.DEBUG = True
    out = StringIO()
    call_command("demo_accounts", stdout=out)
    call_command("demo_accounts", stdout=StringIO())  # safe to run again
    printed = out.getvalue()
    contributor, moderator = User.objects.get(username="demo-contributor"), User.objects.get(username="demo-moderator")
    assert "demo-contributor / contributor-demo-password" in printed
    assert "demo-moderator / moderator-demo-password" in printed
    assert not contributor.is_staff and not contributor.groups.exists()
    assert moderator.is_staff and list(moderator.groups.values_list("name", flat=True)) == ["Moderators"]
    assert client.login(username="demo-moderator", password="moderator-demo-password")
    assert client.get(reverse("admin:index")).status_code == 200


def test_demo_accounts_are_never_created_when_debug_is_off(db, settings):
    settings.DEBUG = False
    out = StringIO()
    call_command("demo_accounts", stdout=out)
    assert "not created" in out.getvalue()
    assert not User.objects.exists()


def test_with_debug_off_demo_accounts_stop_migrate_by_name_until_the_command_deactivates_them(db, settings):
    settings.DEBUG = True
    call_command("demo_accounts", stdout=StringIO())
    settings.DEBUG = False
    errors = [error for error in checks.run_checks(databases=["default"]) if error.id == "annotations.E001"]
    assert len(errors) == 1 and "demo-contributor, demo-moderator" in errors[0].msg
    out = StringIO()
    call_command("demo_accounts", stdout=out)
    assert "Deactivated" in out.getvalue()
    assert not User.objects.filter(is_active=True).exists()
    assert not User.objects.get(username="demo-moderator").check_password("moderator-demo-password")
    assert [error for error in checks.run_checks(databases=["default"]) if error.id == "annotations.E001"] == []


def test_email_goes_to_the_console_by_default_and_to_smtp_when_configured():
    from tests.test_settings import run_manage

    show = "from django.conf import settings as s; print(s.EMAIL_BACKEND, s.CONTRIBUTION_RATE_PER_ACCOUNT)"
    default = run_manage("shell", "--no-imports", "-c", show, EMAIL_HOST="")
    smtp = run_manage("shell", "--no-imports", "-c", show, EMAIL_HOST="smtp.example.org", CONTRIBUTION_RATE_PER_ACCOUNT="5/h")
    assert default.stdout.split() == ["django.core.mail.backends.console.EmailBackend", "30/h"]
    assert smtp.stdout.split() == ["django.core.mail.backends.smtp.EmailBackend", "5/h"]
