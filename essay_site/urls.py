from django.contrib import admin
from django.contrib.auth.decorators import login_required
from django.contrib.sitemaps.views import sitemap
from django.urls import include, path
from markdownx.views import MarkdownifyView

from annotations.sitemaps import SITEMAPS
from annotations.views import accounts, crawlers

admin.site.site_header = "Annotated edition: moderation desk"
admin.site.site_title = "Annotated edition"
admin.site.index_title = "Moderation"

urlpatterns = [
    path("admin/", admin.site.urls),
    # Sign-up, and log-in and password reset limited per IP; the rest of /accounts/ is django.contrib.auth's.
    path("accounts/signup/", accounts.SignUpView.as_view(), name="signup"),
    path("accounts/login/", accounts.rate_limited_login, name="login"),
    path("accounts/password_reset/", accounts.rate_limited_password_reset, name="password_reset"),
    path("accounts/", include("django.contrib.auth.urls")),
    # django-markdownx's live preview, for signed-in users only. Its image
    # upload endpoint is deliberately not routed: notes take no uploads.
    path("markdownx/markdownify/", login_required(MarkdownifyView.as_view()), name="markdownx_markdownify"),
    # For crawlers: the sitemap (django.contrib.sitemaps) and robots.txt pointing at it.
    path("sitemap.xml", sitemap, {"sitemaps": SITEMAPS}, name="sitemap"),
    path("robots.txt", crawlers.robots_txt, name="robots_txt"),
    path("", include("annotations.urls")),
]
