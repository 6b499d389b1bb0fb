"""django-markdownx: the editor renders and its preview answers, through the sanitiser."""

from django.urls import reverse

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
