"""/robots.txt: keep crawlers out of accounts, forms, the admin and search results; point them at the sitemap."""

from django.http import HttpResponse
from django.urls import reverse

# Pages no crawler needs: personal pages, forms, the moderation desk, and search results (endless and costly).
DISALLOWED = ("/admin/", "/accounts/", "/me/", "/p/", "/markdownx/", "/search/")


def robots_txt(request):
    lines = ["User-agent: *", *(f"Disallow: {path}" for path in DISALLOWED), ""]
    lines.append(f"Sitemap: {request.build_absolute_uri(reverse('sitemap'))}")
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain; charset=utf-8")
