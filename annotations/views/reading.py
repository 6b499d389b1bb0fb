"""Public reading pages. Every query goes through ``.published()``."""

from django.views.generic import DetailView, TemplateView

from annotations.models import Annotation, Correction, Essay


class EditionView(TemplateView):
    template_name = "annotations/edition.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        essay = Essay.objects.prefetch_related("sections").first()
        context["essay"] = essay
        return context


class NoteView(DetailView):
    template_name = "annotations/note_detail.html"
    context_object_name = "note"

    def get_queryset(self):
        return Annotation.objects.published().select_related("paragraph__section")


class CorrectionView(DetailView):
    template_name = "annotations/correction_detail.html"
    context_object_name = "correction"

    def get_queryset(self):
        return Correction.objects.published().select_related("paragraph__section")
