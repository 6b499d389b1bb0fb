"""The published apparatus as W3C Web Annotations (JSON-LD), for other annotation tools."""

from django.db.models import Prefetch
from django.http import JsonResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.views import View

from annotations import w3c
from annotations.models import Annotation, Citation, Correction


def _published_with_citations(model):
    citations = Citation.objects.published().select_related("source")
    return model.objects.published().with_people().select_related("paragraph").prefetch_related(
        Prefetch("citations", queryset=citations, to_attr="public_citations")
    )


def _as_annotation(item, request):
    build = w3c.note_annotation if isinstance(item, Annotation) else w3c.correction_annotation
    return build(item, absolute=request.build_absolute_uri, citations=item.public_citations)


def _json_ld(data):
    return JsonResponse(data, content_type=w3c.MEDIA_TYPE, json_dumps_params={"ensure_ascii": False, "indent": 1})


class AnnotationCollectionView(View):
    """Every published note and accepted correction, as one AnnotationCollection."""

    def get(self, request):
        items = list(_published_with_citations(Annotation)) + list(_published_with_citations(Correction))
        items.sort(key=lambda item: (item.submitted_at, item.pk))
        return _json_ld(
            w3c.annotation_collection(
                [_as_annotation(item, request) for item in items],
                collection_id=request.build_absolute_uri(reverse("annotations:w3c_collection")),
                label="Notes and corrections of the annotated edition",
            )
        )


class NoteAnnotationView(View):
    def get(self, request, pk):
        return _json_ld(_as_annotation(get_object_or_404(_published_with_citations(Annotation), pk=pk), request))


class CorrectionAnnotationView(View):
    def get(self, request, pk):
        return _json_ld(_as_annotation(get_object_or_404(_published_with_citations(Correction), pk=pk), request))
