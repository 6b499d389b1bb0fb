"""
No request gets a server error: every route of the site, fuzzed with hypothesis.

The routes are read from the URLconf when the tests are collected, so a route
added later is fuzzed without editing this file. Path parameters are filled
from real rows (an admin page gets the primary keys of its own model; other
routes every primary key, unique name, slug and anchor, and the names of the
models) or with hostile values. The form fields posted are the ones the page
itself shows (read from its HTML), plus strays. Each request draws a role
(anonymous, contributor, moderator, superuser), a method, a query and a body
from mutated values: huge, NUL, invalid UTF-8, odd charsets, other types,
missing fields, negative and huge numbers, more fields than Django accepts.

The assertion is the site's promise: never a 5xx and never an exception,
whatever the input. The examples are derandomised (the same every run) and
bounded per route, so the suite stays deterministic and its run time fixed.
"""

import re
from dataclasses import dataclass
from urllib.parse import quote, urlencode

import pytest
from django.apps import apps
from django.db import models
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.urls.exceptions import Resolver404
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from annotations import moderation, releases
from annotations.models import Status
from tests.factories import make_citation, make_correction, make_note, make_paragraph, make_source
from tests.moderation_support import make_role_user

EXAMPLES_PER_ROUTE = 3
PARAMETER = re.compile(r"<(?:(?P<converter>[^>:]+):)?(?P<name>[^>]+)>|\(\?P<(?P<group>\w+)>(?P<regex>[^)]*)\)")


@dataclass(frozen=True)
class Route:
    template: str  # "notes/<int:pk>/", "admin/^(?P<app_label>auth|axes)/$"
    pattern: URLPattern

    @property
    def model(self):
        """The model of an admin page, whose rows fill its object id."""
        model_admin = getattr(self.pattern.callback, "model_admin", None)
        return model_admin.model if model_admin is not None else None

    def parameters(self):
        return [match.group("name") or match.group("group") for match in PARAMETER.finditer(self.template)]

    def url(self, values):
        """The route with ``values`` in its parameters, as a request path."""
        names = iter(values)

        def fill(match):
            return quote(str(next(names)), safe="/%")

        path = PARAMETER.sub(fill, self.template)
        return "/" + path.replace("^", "").replace("$", "")


def url_routes(resolver=None, prefix=""):
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            yield from url_routes(entry, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern):
            yield Route(prefix + str(entry.pattern), entry)


def unique_routes():
    seen, routes = set(), []
    for route in url_routes():
        if route.template not in seen:
            seen.add(route.template)
            routes.append(route)
    return routes


ROUTES = unique_routes()

# --- hostile values ------------------------------------------------------------------------------

HOSTILE_TEXT = [
    "", " ", "\x00", "a\x00b", "²", "①", "٣", "-1", "0", "99999999999999999999", "9" * 5000, "1e309", "NaN",
    "true", "[]", "{}", "null", "x" * 20_000, "[" * 10_001, "<script>alert(1)</script>", "javascript:alert(1)",
    "../../etc/passwd", "%", "%FF", "date", "//evil.example/", "http://[abc/", "http://example.com:99999/",
    "\ud7ff\ue000", "é" * 300, "\u202e", "1; DROP TABLE annotations_annotation", "'\"", "\r\nSet-Cookie: x=1",
]
HOSTILE_PATH_VALUES = ["0", "-1", "99999999999999999999", "%00", "%FF", "x" * 300, "a%00b", "..", "é"]
QUERY_NAMES = [
    "mode", "next", "q", "o", "p", "e", "all", "status", "kind", "category", "orphaned", "_popup", "_to_field",
    "_changelist_filters", "status__exact", "kind__exact", "page", "format", "exact", "start", "end", "prefix",
    "suffix", "version", "content", "id__in", "submitted_at__gte",
]
METHODS = ["GET", "GET", "POST", "POST", "POST", "HEAD", "OPTIONS", "PUT", "DELETE", "PATCH", "PROPFIND"]
CHARSETS = ["latin-1", "rot13", "hex", "utf-16", "no-such-charset", "UTF-8"]
ROLES = ["anonymous", "contributor", "moderator", "superuser"]
FORM_FIELD = re.compile(r'name="([^"]+)"(?:[^>]*value="([^"]*)")?')


def real_values(route):
    """Values found in the database for a path parameter of ``route``."""
    if route.model is not None:
        return [str(pk) for pk in route.model._default_manager.values_list("pk", flat=True)[:20]]
    values = set()
    for model in apps.get_models():
        values.update(str(pk) for pk in model._default_manager.values_list("pk", flat=True)[:10])
        values.update({model._meta.model_name, str(model._meta.verbose_name_plural), model._meta.app_label})
        for field in model._meta.fields:
            if isinstance(field, (models.CharField, models.SlugField)) and (field.unique or isinstance(field, models.SlugField)):
                values.update(model._default_manager.values_list(field.name, flat=True)[:10])
    return sorted(value for value in values if value)


def form_fields(client, url):
    """The names (and shown values) of the fields of the page at ``url``, as this client sees it."""
    try:
        html = client.get(url).content.decode(errors="replace")
    except Resolver404:
        return {}
    return {name: value or "" for name, value in FORM_FIELD.findall(html) if name != "csrfmiddlewaretoken"}


def body_strategy(fields):
    names = sorted(fields) + ["stray", "version", "content", "next"]
    value = st.one_of(st.sampled_from(sorted(set(fields.values())) or [""]), st.sampled_from(HOSTILE_TEXT), st.text(max_size=40))
    pairs = st.lists(st.tuples(st.sampled_from(names), value), max_size=len(names) + 3)
    return st.one_of(
        # A form as a browser sends it (multipart or urlencoded), each field perhaps missing, repeated or hostile.
        pairs.map(lambda items: ("multipart", items)),
        pairs.map(lambda items: ("urlencoded", items)),
        st.tuples(st.sampled_from(CHARSETS), pairs).map(lambda item: (f"charset:{item[0]}", item[1])),
        st.just(("too-many-fields", [(f"f{n}", "1") for n in range(1_200)])),
        st.sampled_from([("raw", b"\xff\xfe%FF=%FF&\x00=\x00"), ("json", b'{"content": [1, {"a": null}]}'), ("raw", b"")]),
    )


def send(client, method, url, query, body):
    path = f"{url}?{query}" if query else url
    kind, payload = body
    if method not in {"POST", "PUT", "PATCH"}:
        charset = kind.split(":", 1)[1] if kind.startswith("charset:") else None
        return client.generic(method, path, **({"CONTENT_TYPE": f"text/plain; charset={charset}"} if charset else {}))
    if kind == "multipart" and method == "POST":
        data = {}
        for name, value in payload:
            data.setdefault(name, []).append(value)
        return client.post(path, data)
    if kind in {"raw", "json"}:
        content_type = "application/json" if kind == "json" else "application/x-www-form-urlencoded"
        return client.generic(method, path, payload, content_type=content_type)
    content_type = "application/x-www-form-urlencoded"
    if kind.startswith("charset:"):
        content_type += f"; charset={kind.split(':', 1)[1]}"
    return client.generic(method, path, urlencode(payload, errors="surrogatepass").encode(), content_type=content_type)


@pytest.fixture
def site_data(db):
    """A little of everything, so that each page has something to show and to act on."""
    contributor = make_role_user("contributor")
    moderator = make_role_user("moderator")
    paragraph = make_paragraph("The Treaty of Rapallo was signed in 1922 at Genoa, and Litvinov became Commissar in 1930.")
    note = make_note(paragraph, "Rapallo", status=Status.PENDING, submitted_by=contributor)
    published = make_note(paragraph, "Genoa", status=Status.ACCEPTED, submitted_by=contributor)
    correction = make_correction(paragraph, "1922", status=Status.PENDING, submitted_by=contributor, category="spelling")
    make_citation(published, make_source(), status=Status.ACCEPTED, submitted_by=contributor)
    make_citation(note, make_source(title="A pending source", status=Status.PENDING, submitted_by=contributor),
                  status=Status.PENDING, submitted_by=contributor)
    moderation.item_approve(correction, moderator=moderator, reason="Right.")
    releases.release_make(paragraph.section.essay, editor=None, summary="Version 1.")  # /v/1/ and its pages
    users = {"anonymous": None, "contributor": contributor, "moderator": moderator, "superuser": make_role_user("superuser")}
    return users


SWEEP_VALUES = ["\x00", "²", "9" * 5000, "x" * 10_001, "-1", "①", "http://example.com:99999/", "a\x00b"]


def sweep(route, values):
    """Each kind of hostile request once, with real path values: the causes of every 5xx found so far."""
    real = [values[0] if values else "1" for _ in route.parameters()]
    url = route.url(real)
    yield "GET", url, "status=%00&kind=%00&o=99.x&p=-1&q=%00&next=date&mode=%FF&e=1&_to_field=password&all=", ("raw", b""), False
    for shift in (0, 1):  # each field gets a different hostile value, and another the second time
        yield "POST", url, "", ("fields", SWEEP_VALUES[shift::2]), False
    yield "POST", url, "", ("charset:latin-1", [("username", "é")]), True
    yield "GET", url, "a=1", ("charset:rot13", []), False
    yield "POST", url, "", ("too-many-fields", [(f"f{n}", "1") for n in range(1_200)]), True
    if route.parameters():
        yield "GET", route.url(["a%00b"] * len(route.parameters())), "", ("raw", b""), False


def natural_role(route):
    return "superuser" if route.template.startswith("admin/") else "contributor"


class Clients:
    """One client per role and CSRF setting, signed in again when a request (a log-out) ended its session."""

    def __init__(self, users):
        self.users = users
        self.clients = {}

    def get(self, role, *, csrf=False):
        client = self.clients.get((role, csrf))
        if client is None:
            client = self.clients[role, csrf] = Client(enforce_csrf_checks=csrf)
        if csrf:
            client.cookies["csrftoken"] = "a" * 32  # so the check reads the form's token from the body
        user = self.users[role]
        if user is not None and client.session.get("_auth_user_id") != str(user.pk):
            if type(user).objects.filter(pk=user.pk).exists():  # a superuser may have deleted them
                client.force_login(user)
        return client


@pytest.mark.parametrize("route", ROUTES, ids=[route.template or "/" for route in ROUTES])
def test_no_request_to_any_route_gets_a_server_error(route, site_data):
    values = real_values(route)
    parameters = route.parameters()
    fields_seen = {}

    def fields_of(client, url, role):
        if (url, role) not in fields_seen:
            fields_seen[url, role] = form_fields(client, url)
        return fields_seen[url, role]

    clients = Clients(site_data)
    role = natural_role(route)
    for method, url, query, body, csrf in sweep(route, values):
        client = clients.get(role, csrf=csrf)
        if body[0] == "fields":
            hostile = body[1]
            body = ("multipart", [(name, hostile[i % len(hostile)]) for i, name in enumerate(sorted(fields_of(client, url, role)))])
        response = send(client, method, url, query, body)
        assert response.status_code < 500, (method, url, query, body[0], role, response.status_code)

    @settings(
        max_examples=EXAMPLES_PER_ROUTE, derandomize=True, database=None, deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(data=st.data())
    def request_never_fails(data):
        path_values = [data.draw(st.sampled_from(values or ["1"]) | st.sampled_from(HOSTILE_PATH_VALUES), label=name) for name in parameters]
        url = route.url(path_values)
        role = data.draw(st.sampled_from(ROLES), label="role")
        client = clients.get(role, csrf=data.draw(st.booleans(), label="csrf"))
        method = data.draw(st.sampled_from(METHODS), label="method")
        query = data.draw(
            st.lists(st.tuples(st.sampled_from(QUERY_NAMES), st.sampled_from(HOSTILE_TEXT[:30] + ["apparatus", "1"])), max_size=4)
            .map(lambda pairs: "&".join(f"{quote(name)}={quote(value, errors='surrogatepass')}" for name, value in pairs)),
            label="query",
        )
        fields = fields_of(client, url, role) if method == "POST" else {}
        body = data.draw(body_strategy(fields), label="body")
        response = send(client, method, url, query, body)
        assert response.status_code < 500, (method, url, query, role, response.status_code)

    request_never_fails()
