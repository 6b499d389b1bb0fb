"""django-markdownx: the editor renders and its preview answers, through the sanitiser."""

from django.urls import reverse

from annotations.forms import BODY_MAX_LENGTH
from tests.factories import make_user


def test_markdownx_editor_renders_on_the_essay_admin_page(client, seeded_essay):
    admin = make_user("root", is_staff=True, is_superuser=True)
    client.force_login(admin)
    response = client.get(reverse("admin:annotations_essay_change", args=[seeded_essay.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'class="markdownx-editor' in html or "markdownx-editor" in html
    assert "markdownx/js/markdownx" in html


def test_markdownx_preview_answers_with_sanitised_html(client, db):
    client.force_login(make_user())
    response = client.post(
        reverse("markdownx_markdownify"),
        {"content": "**bold** <script>alert(1)</script> [x](javascript:alert(1))"},
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "<strong>bold</strong>" in html
    assert "<script" not in html and "javascript:" not in html


def test_markdownx_preview_is_closed_to_anonymous_users(client, db):
    response = client.post(reverse("markdownx_markdownify"), {"content": "hello"})
    assert response.status_code == 302
    assert "/login" in response["Location"] or "login" in response["Location"]


def test_markdownx_image_upload_is_not_routed(client, db):
    client.force_login(make_user())
    assert client.post("/markdownx/upload/").status_code == 404


def test_markdownx_preview_without_content_is_a_400(client, db):
    client.force_login(make_user())
    response = client.post(reverse("markdownx_markdownify"), {"text": "hello"})
    assert response.status_code == 400
    assert "Nothing to preview" in response.content.decode()


def test_markdownx_preview_of_more_than_a_body_holds_is_a_400_that_says_so(client, db):
    client.force_login(make_user())
    response = client.post(reverse("markdownx_markdownify"), {"content": "[" * (BODY_MAX_LENGTH + 1)})
    assert response.status_code == 400
    assert "Too long to preview: 10,001 characters, of at most 10,000" in response.content.decode()
    assert client.post(reverse("markdownx_markdownify"), {"content": "[" * BODY_MAX_LENGTH}).status_code == 200


def test_markdownx_previews_over_the_account_rate_get_a_429(client, db, settings):
    settings.PREVIEW_RATE_PER_ACCOUNT = "3/m"
    client.force_login(make_user())
    statuses = [client.post(reverse("markdownx_markdownify"), {"content": f"*{n}*"}).status_code for n in range(4)]
    assert statuses == [200, 200, 200, 429]
    assert "Too many previews" in client.post(reverse("markdownx_markdownify"), {"content": "x"}).content.decode()


def test_markdownx_preview_answers_only_a_post(client, db):
    client.force_login(make_user())
    assert client.get(reverse("markdownx_markdownify")).status_code == 405
