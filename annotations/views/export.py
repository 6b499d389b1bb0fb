"""
The published apparatus as W3C Web Annotations (JSON-LD), for other annotation tools.

``/annotations/`` is an Annotation Container of the Web Annotation Protocol
(read-only: GET, HEAD, OPTIONS). Its pages (``?page=0`` first) hold at most
``PAGE_SIZE`` annotations, either complete (``iris=0``, the default) or as their
IRIs (``iris=1``), as the client's ``Prefer`` header asks; the container says
which in its id and its Content-Location. Every response carries the Protocol's
``Link`` type headers, ``Allow``, ``Vary`` and a strong ``ETag`` (a hash of the
body), and ``If-None-Match`` answers 304. The representation is JSON-LD with
the Web Annotation profile (``application/json`` if that is all the client
takes); anything else is a 406.
"""

import hashlib
import json

from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.cache import get_conditional_response, patch_vary_headers
from django.views import View

from annotations import exchange, w3c
from annotations.models import Annotation, Correction

PAGE_SIZE = 100  # the bound is 200
ALLOW = "GET, HEAD, OPTIONS"
CONTAINER_LINKS = (
    '<http://www.w3.org/ns/ldp#BasicContainer>; rel="type", '
    '<http://www.w3.org/TR/annotation-protocol/>; rel="http://www.w3.org/ns/ldp#constrainedBy"'
)
ANNOTATION_LINKS = '<http://www.w3.org/ns/ldp#Resource>; rel="type", <http://www.w3.org/ns/oa#Annotation>; rel="type"'
SERVED_TYPES = [w3c.MEDIA_TYPE, "application/json"]


def _plain(message, status):
    return HttpResponse(message + "\n", content_type="text/plain; charset=utf-8", status=status)


class _LinkedDataView(View):
    """JSON-LD with the Protocol's headers, content negotiation and conditional requests."""

    http_method_names = ["get", "head", "options"]
    links = ""
    vary = ("Accept",)

    def dispatch(self, request, *args, **kwargs):
        response = super().dispatch(request, *args, **kwargs)
        response["Link"] = self.links
        response["Allow"] = ALLOW
        patch_vary_headers(response, self.vary)
        return response

    def media_type(self):
        return self.request.get_preferred_type(SERVED_TYPES)

    def not_acceptable(self):
        return _plain("Not acceptable. This resource is served as " + " or ".join(SERVED_TYPES) + ".", 406)

    def json_ld(self, data, *, media_type, headers=None):
        body = json.dumps(data, ensure_ascii=False, indent=1).encode()
        response = HttpResponse(body, content_type=media_type, headers=headers or {})
        etag = '"' + hashlib.sha256(media_type.encode() + b"\n" + body).hexdigest()[:40] + '"'
        response["ETag"] = etag
        return get_conditional_response(self.request, etag=etag, response=response)


class AnnotationContainerView(_LinkedDataView):
    """Every published note and accepted correction: the container, or one of its pages."""

    links = CONTAINER_LINKS
    vary = ("Accept", "Prefer")

    def get(self, request):
        media_type = self.media_type()
        if media_type is None:
            return self.not_acceptable()
        iris = request.GET.get("iris")
        if iris not in (None, "0", "1"):
            return _plain("iris must be 0 (complete annotations) or 1 (their IRIs only).", 400)
        page = request.GET.get("page")
        if page is None:
            return self.container(media_type)
        if not (page.isdigit() and page.isascii() and len(page) <= 9):
            return _plain("page must be a page number: 0 for the first page, 1 for the second, and so on.", 400)
        return self.page(int(page), iris=iris == "1", media_type=media_type)

    def container_iri(self):
        return self.request.build_absolute_uri(reverse("annotations:w3c_collection"))

    def page_iri(self, number, *, iris):
        return f"{self.container_iri()}?iris={int(iris)}&page={number}"

    def last_page(self, total):
        return max(0, (total - 1) // PAGE_SIZE)

    def items(self, number, *, iris):
        keys = [(kind, pk) for _, pk, kind in exchange.annotation_keys()[number * PAGE_SIZE:(number + 1) * PAGE_SIZE]]
        absolute = self.request.build_absolute_uri
        if iris:
            return [exchange.annotation_iri(kind, pk, absolute=absolute) for kind, pk in keys]
        return exchange.annotations_for(keys, absolute=absolute)

    def container(self, media_type):
        minimal, iris, stated = w3c.container_preferences(self.request.headers.get("Prefer"))
        total, modified = exchange.collection_totals()
        first = None
        if total:
            first = self.page_iri(0, iris=iris)
            if not minimal:
                first = w3c.annotation_page(
                    self.items(0, iris=iris), page_id=first, start_index=0, embedded=True,
                    next_id=self.page_iri(1, iris=iris) if total > PAGE_SIZE else None,
                )
        container_id = f"{self.container_iri()}?iris={int(iris)}"
        data = w3c.annotation_container(
            container_id=container_id, label=exchange.COLLECTION_LABEL, total=total, modified=modified,
            first=first, last=self.page_iri(self.last_page(total), iris=iris),
        )
        headers = {"Content-Location": container_id}
        if stated:
            headers["Preference-Applied"] = "return=representation"
        return self.json_ld(data, media_type=media_type, headers=headers)

    def page(self, number, *, iris, media_type):
        total, modified = exchange.collection_totals()
        last = self.last_page(total)
        if number > last:
            return _plain(f"There is no page {number}: the pages run from 0 to {last}.", 404)
        container_ref = {
            "id": f"{self.container_iri()}?iris={int(iris)}",
            "type": ["BasicContainer", "AnnotationCollection"],
            "label": exchange.COLLECTION_LABEL,
            "total": total,
            "first": self.page_iri(0, iris=iris),
            "last": self.page_iri(last, iris=iris),
        }
        if modified is not None:
            container_ref["modified"] = w3c.timestamp(modified)
        data = w3c.annotation_page(
            self.items(number, iris=iris),
            page_id=self.page_iri(number, iris=iris),
            start_index=number * PAGE_SIZE,
            part_of=container_ref,
            next_id=self.page_iri(number + 1, iris=iris) if number < last else None,
            prev_id=self.page_iri(number - 1, iris=iris) if number > 0 else None,
        )
        return self.json_ld(data, media_type=media_type, headers={"Content-Location": data["id"]})


class _AnnotationView(_LinkedDataView):
    model = None
    links = ANNOTATION_LINKS

    def get(self, request, pk):
        media_type = self.media_type()
        if media_type is None:
            return self.not_acceptable()
        item = get_object_or_404(self.model.objects.published(), pk=pk)
        (annotation,) = exchange.annotations_for([(exchange.kind_of(item), item.pk)], absolute=request.build_absolute_uri)
        return self.json_ld(annotation, media_type=media_type)


class NoteAnnotationView(_AnnotationView):
    model = Annotation


class CorrectionAnnotationView(_AnnotationView):
    model = Correction
