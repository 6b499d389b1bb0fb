from django.contrib import admin
from django.contrib.sitemaps.views import sitemap
from django.urls import include, path

from annotations.sitemaps import SITEMAPS
from annotations.views import accounts, contribute, crawlers
from essay_site.views import healthz

handler500 = "essay_site.views.server_error"

admin.site.site_header = "Annotated edition: moderation desk"
admin.site.site_title = "Annotated edition"
admin.site.index_title = "Moderation"

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("admin/", admin.site.urls),
    # Sign-up, and log-in and password reset with their limits; the rest of /accounts/ is django.contrib.auth's.
    path("accounts/signup/", accounts.SignUpView.as_view(), name="signup"),
    path("accounts/login/", accounts.LimitedLoginView.as_view(), name="login"),
    path("accounts/password_reset/", accounts.LimitedPasswordResetView.as_view(), name="password_reset"),
    path("accounts/", include("django.contrib.auth.urls")),
    # django-markdownx's live preview, through our own view (signed-in users,
    # bounded and rate-limited). Its image upload endpoint is deliberately not
    # routed: notes take no uploads.
    path("markdownx/markdownify/", contribute.markdown_preview, name="markdownx_markdownify"),
    # For crawlers: the sitemap (django.contrib.sitemaps) and robots.txt pointing at it.
    path("sitemap.xml", sitemap, {"sitemaps": SITEMAPS}, name="sitemap"),
    path("robots.txt", crawlers.robots_txt, name="robots_txt"),
    path("", include("annotations.urls")),
]
