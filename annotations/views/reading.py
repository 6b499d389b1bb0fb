"""
Public reading pages: the edition, permalinks of notes and corrections, the bibliography.

The edition's assembly, caching and numbering live in ``annotations.edition``;
the view resolves the essay and the reading mode, answers conditional requests
and sets the HTTP caching headers.

**Who gets what.** A request with neither a session cookie nor a message
cookie is an anonymous reader: the view reads no session and serves the whole
page from the cache (as bytes, in the encoding the reader accepts), or a 304
when the reader's copy is current. Such a page is the same for every anonymous
reader of that mode and says so to shared caches (``Cache-Control: public``);
``Vary: Cookie`` keeps a signed-in reader's page out of them. Everyone else
gets the page rendered around the cached body and no caching headers from
here.

**The reading mode** is kept for the visit in its own cookie (not the session,
so that choosing a mode costs no session row and an anonymous request no
session read): ``?mode=`` sets it, and the address without it reads it.
"""

import copy
from functools import cache

from django.conf import settings
from django.core.exceptions import DisallowedHost
from django.contrib import messages
from django.contrib.auth.models import AnonymousUser
from django.contrib.messages.storage.cookie import CookieStorage
from django.db.models import Q
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.cache import get_conditional_response, patch_vary_headers
from django.utils.http import http_date
from django.utils.safestring import mark_safe
from django.views import View
from django.views.generic import DetailView, TemplateView

from annotations import apparatus_list, bibliography, citation_formats, edition, releases, rendering
from annotations.http import encoding_choose
from annotations.models import EDITORS_CREDIT, Annotation, Citation, Correction, Essay, Status
from annotations.views.citations import FORMATS

# The citation files a permalink offers, in the order shown.
CITATION_FILES = {suffix: FORMATS[suffix] for suffix in ("bib", "ris", "json")}

MODE_COOKIE = "reading_mode"
BODY_MARK = "<!--#edition-body-->"


class UnknownMode(ValueError):
    pass


def mode_requested(request):
    """The mode named in the query string (the last ``mode=`` wins), or None; "?mode=" alone names none."""
    requested = (request.GET.getlist("mode") or [""])[-1]
    if requested and requested not in rendering.MODES:
        raise UnknownMode(requested)
    return requested or None


def mode_remembered(request):
    remembered = request.COOKIES.get(MODE_COOKIE)
    return remembered if remembered in rendering.MODES else None


def mode_remember(response, request, requested):
    """Keep a newly chosen mode for the visit (a browser-session cookie); the default needs no cookie."""
    if requested is None or requested == mode_remembered(request):
        return
    if requested == rendering.APPARATUS:
        response.delete_cookie(MODE_COOKIE, samesite="Lax")
    else:
        response.set_cookie(
            MODE_COOKIE, requested, samesite="Lax", httponly=True, secure=settings.SESSION_COOKIE_SECURE,
        )


@cache
def edition_path():
    return reverse("annotations:edition")


def mode_path(mode):
    """The edition's address in ``mode``: where a reader logging in from the page comes back to."""
    return edition_path() if mode == rendering.APPARATUS else f"{edition_path()}?mode={mode}"


def cookies_may_be_personal(request):
    """Whether the request's cookies could make the page this reader's: a session or a waiting message."""
    return settings.SESSION_COOKIE_NAME in request.COOKIES or CookieStorage.cookie_name in request.COOKIES


def reader_may_be_personal(request):
    """Whether the page may differ for this reader (the session is read only if a cookie says it might)."""
    if not cookies_may_be_personal(request):
        return False
    return request.user.is_authenticated or len(messages.get_messages(request)) > 0


def citation_meta(record):
    """The page's Highwire Press and OpenGraph tags for a citation record (``citation_formats.Record``)."""
    return citation_formats.highwire(record, authors_fallback=EDITORS_CREDIT)


class EditionView(View):
    """The edition on one page, in the reader's chosen mode."""

    template_name = "annotations/edition.html"

    @property
    def max_age(self):
        return settings.EDITION_MAX_AGE

    @property
    def shared_max_age(self):
        return settings.EDITION_SHARED_MAX_AGE

    def get(self, request, **kwargs):
        try:
            requested = mode_requested(request)
        except UnknownMode as error:
            return render(
                request, "annotations/bad_request.html",
                {"message": f"There is no reading mode called “{error}”.", "modes": rendering.MODES},
                status=400,
            )
        mode = requested or mode_remembered(request) or rendering.APPARATUS
        shown = self.shown(request, **kwargs)
        if shown is None:
            response = render(request, self.template_name, {"essay": None, "mode": mode})
        elif reader_may_be_personal(request):
            response = self.personal(request, shown, mode)
        else:
            response = self.anonymous(request, shown, mode)
        mode_remember(response, request, requested)
        if response.has_header("ETag"):  # an anonymous reader's page
            # One that sets the mode cookie is this reader's: never kept by a shared cache.
            response.headers["Cache-Control"] = (
                f"private, max-age={self.max_age}" if response.cookies
                else f"public, max-age={self.max_age}, s-maxage={self.shared_max_age}"
            )
            response.headers["Vary"] = "Cookie, Accept-Encoding"
        else:
            patch_vary_headers(response, ("Cookie", "Accept-Encoding"))
        return response

    def shown(self, request):
        """What the page shows: the essay's state (read once per request: AnonymousEditionMiddleware may have)."""
        return request.essay_state if hasattr(request, "essay_state") else edition.essay_state()

    def cited(self, request, state, mode):
        """What the page's head says of it: what its body cites, as tags, and its canonical address."""
        url = self.edition_url(request)
        record = edition.body_citation(edition.Living(state), mode=mode, url=url)
        return {"citation_meta": citation_meta(citation_formats.edition_record(record)), "canonical": url}

    def page(self, request, context, body, *, frame_key=None):
        """The page's bytes around the body's (rendering the template around a megabyte would copy it many times).

        ``context`` is the template's, or a function giving it (called only when the frame is rendered);
        ``frame_key``: what the page around the body may be kept under, if anything.
        """
        def frame():
            values = context() if callable(context) else context
            html = render_to_string(self.template_name, {**values, "body": mark_safe(BODY_MARK)}, request)
            head, mark, tail = html.partition(BODY_MARK)
            assert mark, f"{self.template_name} does not show the body"
            return head.encode(), tail.encode()

        head, tail = edition.frame_kept(frame_key, frame) if frame_key else frame()
        return b"".join((head, body, tail))

    def personal(self, request, state, mode):
        body = edition.edition_page(state, mode=mode, viewer=request.user, url=self.edition_url(request))

        def context():
            return {"essay": state, "mode": mode, **self.cited(request, state, mode)}

        return HttpResponse(self.page(
            request, context, body, frame_key=self.personal_frame_key(request, state, mode),
        ))

    @staticmethod
    def personal_frame_key(request, state, mode):
        """What a signed-in reader's page around the body can be kept under, or None.

        Their header shows their name and a CSRF token, which stays valid while
        their CSRF cookie does: both are in the key. A page with a message to
        show is not kept (the message shows once).
        """
        csrf_cookie = request.COOKIES.get(settings.CSRF_COOKIE_NAME)
        if not request.user.is_authenticated or not csrf_cookie or len(messages.get_messages(request)):
            return None
        return edition.frame_key(state, mode, request.user.pk, request.user.get_username(), csrf_cookie)

    def anonymous(self, request, state, mode):
        """Every anonymous reader's page: a 304, or bytes from the cache; the essay is read only to render it."""
        response = self.not_modified(request, state, mode)
        if response is None:
            encoding = encoding_choose(request.headers.get("Accept-Encoding", ""), edition.ENCODINGS)

            def render_page(essay, body):
                # Nothing of this request's reader: the page is every anonymous reader's.
                return self.page(request, {
                    "essay": essay, "mode": mode, "user": AnonymousUser(), "messages": (), "login_next": mode_path(mode),
                    **self.cited(request, essay, mode),
                }, body)

            response = self.page_response(edition.edition_page_bytes(
                state, mode=mode, url=self.edition_url(request), encoding=encoding, render=render_page,
            ), encoding)
        self.validators(response, state, mode)
        request.edition_page = (state, mode)  # for AnonymousEditionMiddleware
        return response

    @staticmethod
    def not_modified(request, state, mode):
        if "If-None-Match" not in request.headers and "If-Modified-Since" not in request.headers:
            return None
        last_modified = edition.page_last_modified(state)
        return get_conditional_response(request, etag=edition.page_etag(state, mode), last_modified=int(last_modified.timestamp()))

    @staticmethod
    def page_response(content, encoding):
        response = HttpResponse(content)
        if encoding != "identity":
            response.headers["Content-Encoding"] = encoding
        response.headers["Content-Length"] = len(content)
        return response

    @staticmethod
    def validators(response, state, mode):
        response.headers["ETag"] = edition.page_etag(state, mode)
        response.headers["Last-Modified"] = http_date(edition.page_last_modified(state).timestamp())

    # --- the same page again, from AnonymousEditionMiddleware before the rest of the stack ---------------

    # Headers each answer sets for itself; every other header is the one the whole stack gave the page.
    OWN_HEADERS = {"content-length", "content-encoding", "etag", "last-modified"}

    @classmethod
    def served_remember(cls, request, response):
        """After the whole stack answered an anonymous reader: keep the headers it gave the page (in this process)."""
        served = getattr(request, "edition_page", None)
        if served is None or response.status_code != 200 or response.cookies:
            return
        state, mode = served
        headers = [(name, value) for name, value in response.items() if name.lower() not in cls.OWN_HEADERS]
        edition.served_headers_remember(state, mode=mode, url=cls.edition_url(request), headers=headers)

    @classmethod
    def served_again(cls, request):
        """The anonymous page (or a 304) as the whole stack last served it in this process; None to go all the way.

        Only a GET that sets no cookie, for a page this process has served in
        full at the current revision, with a query string that reads plainly:
        everything else goes through the stack (and its guards) as usual.
        """
        try:
            requested = mode_requested(request)
            url = cls.edition_url(request)
        except (UnknownMode, DisallowedHost, LookupError, UnicodeDecodeError, ValueError):
            return None
        if requested is not None and requested != (mode_remembered(request) or rendering.APPARATUS):
            return None  # the answer sets or clears the mode cookie
        mode = requested or mode_remembered(request) or rendering.APPARATUS
        state = request.essay_state = edition.essay_state()
        headers = state and edition.served_headers(state, mode=mode, url=url)
        if not headers:
            return None
        response = cls.not_modified(request, state, mode)
        if response is None:
            encoding = encoding_choose(request.headers.get("Accept-Encoding", ""), edition.ENCODINGS)
            content = edition.page_kept(state, mode=mode, url=url, encoding=encoding)
            if content is None:
                return None
            response = cls.page_response(content, encoding)
        for name, value in headers:
            if response.status_code == 200 or name.lower() != "content-type":
                response.headers[name] = value
        cls.validators(response, state, mode)
        return response

    @staticmethod
    def edition_url(request):
        return edition_url_of(request)


def item_cited_context(request, item, *, essay, release):
    """What a permalink page shows and says of its item's citation: the text, the files, the head's tags.

    ``release``: the release it is cited in (None: the living edition, unnumbered).
    """
    part, record = edition.item_citation(item, essay=essay, release=release, url=edition_url_of(request))
    kind = "note" if isinstance(item, Annotation) else "correction"
    if release is None:
        route, args = f"annotations:{kind}_download", [item.pk]
    else:
        route, args = f"annotations:release_{kind}_download", [release.number, item.pk]
    return {
        "item_citation": bibliography.cite_part(part),
        "citation_files": [
            (label, reverse(route, args=[*args, suffix]), media_type.split(";")[0])
            for suffix, (label, _, media_type) in CITATION_FILES.items()
        ],
        "citation_meta": citation_meta(record),
        "canonical": request.build_absolute_uri(item.get_absolute_url()),
    }


def edition_url_of(request):
    return request.build_absolute_uri(edition_path())


class _ItemPermalinkView(DetailView):
    """One note or correction in the context of its paragraph (its own contributor sees it while pending).

    A published one is cited in the latest release if that release shows it,
    else (new since) in the living edition.
    """

    model = None

    def get_queryset(self):
        visible = Q(pk__in=self.model.objects.published())
        if self.request.user.is_authenticated:
            visible |= Q(pk__in=self.model.objects.pending().submitted_by(self.request.user).filter(orphaned=False))
        return self.model.objects.filter(visible).for_display().select_related("paragraph__section__essay")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        item = self.object
        pending = item.status == Status.PENDING
        scope = Q(annotation=item) if isinstance(item, Annotation) else Q(correction=item)
        edition.citations_attach([item], scope=scope, own_pending_by=self.request.user if pending else None)
        for citation in item.shown_citations:
            citation.reference = bibliography.source_reference(citation.source)
        notes, corrections = ([item], []) if isinstance(item, Annotation) else ([], [item])
        essay = item.paragraph.section.essay
        context.update(
            item=item,
            paragraph=item.paragraph,
            essay=essay,
            paragraph_html=edition.passage_html(item.paragraph, notes, corrections, mode=rendering.APPARATUS),
        )
        if item.is_public:
            latest = releases.release_latest(essay)
            cited_in = latest if latest is not None and releases.release_shows(latest, item) else None
            item.new_since = latest.number if latest is not None and cited_in is None else None
            context.update(item_cited_context(self.request, item, essay=essay, release=cited_in))
        return context


class NotePage:
    """A note's permalink page (of the living edition or of a release)."""

    model = Annotation
    template_name = "annotations/note_detail.html"
    context_object_name = "note"


class CorrectionPage:
    model = Correction
    template_name = "annotations/correction_detail.html"
    context_object_name = "correction"


class NoteView(NotePage, _ItemPermalinkView):
    pass


class CorrectionView(CorrectionPage, _ItemPermalinkView):
    pass


class SourcesView(TemplateView):
    """The bibliography: every source cited by a published note or accepted correction."""

    template_name = "annotations/sources.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        essay = Essay.objects.first()
        if essay is None:
            raise Http404("No edition has been loaded yet.")
        citations = (
            Citation.objects.in_bibliography()
            .select_related("source", "annotation__paragraph__section", "correction__paragraph__section")
        )
        record = edition.edition_record(essay, url=edition_url_of(self.request))
        context.update(bibliography_context(citations, essay=essay, record=record))
        return context


def bibliography_context(citations, *, essay, record, release=None):
    """The bibliography page's context: each cited source once, with the citations of it in reading order."""
    sources = {}
    for citation in citations:
        if citation.source_id not in sources:
            # A copy: a release's instances are shared by every request of this process.
            sources[citation.source_id] = copy.copy(citation.source)
            sources[citation.source_id].citing = []
        sources[citation.source_id].citing.append(citation)
    entries = sorted(sources.values(), key=bibliography.sort_key)
    for source in entries:
        source.reference = bibliography.source_reference(source)
        source.citing.sort(key=lambda c: (c.item.paragraph.section.position, c.item.paragraph.position, c.item.start))
    return {
        "essay": essay, "sources": entries, "edition": record, "release": release,
        "edition_citations": bibliography.edition_citations(record),
    }


class ApparatusListView(View):
    """Every published note and correction in reading order, numbered as in the edition, with filters."""

    template_name = "annotations/apparatus.html"

    def get(self, request):
        state = edition.essay_state()
        if state is None:
            raise Http404("No edition has been loaded yet.")
        try:
            chosen = apparatus_list.choice_from(request.GET)
        except apparatus_list.UnknownFilter as error:
            return render(request, "annotations/bad_request.html", {
                "message": str(error), "back": reverse("annotations:apparatus"), "back_label": "the whole apparatus",
            }, status=400)
        listing = apparatus_list.listing_html(state, chosen=chosen)
        return render(request, self.template_name, {"essay": state, "listing": listing})
