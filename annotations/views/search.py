"""/search/?q=: the edition's text, notes, corrections and sources, grouped by kind (annotations.search)."""

from django.shortcuts import render
from django.views import View

from annotations import search


class SearchView(View):
    """A plain GET form and its results; ``kind`` shows more hits of one kind."""

    template_name = "annotations/search.html"

    def get(self, request):
        query = request.GET.get("q", "")
        kind = request.GET.get("kind") or None
        context = {"query": query, "kind": kind, "groups": [], "max_length": search.MAX_QUERY_LENGTH}
        if kind is not None and kind not in search.KINDS_BY_NAME:
            names = ", ".join(search.KINDS_BY_NAME)
            context.update(error=f"There is nothing called “{kind}” to search: the kinds are {names}.", kind=None)
            return render(request, self.template_name, context, status=400)
        kinds = [search.KINDS_BY_NAME[kind]] if kind else search.KINDS
        try:
            groups = search.search_run(query, kinds=kinds, limit=search.KIND_LIMIT if kind else search.GROUP_LIMIT)
        except search.SearchError as error:
            context["error"] = str(error)
            return render(request, self.template_name, context, status=400)
        context.update(
            groups=groups,
            searched=bool(search.query_phrases(query)),
            found=sum(group.total for group in groups),
        )
        return render(request, self.template_name, context)
