"""
Full-text search over the edition: the essay's text, published notes and
corrections, and the bibliography.

``search_run(query)`` gives one ``Group`` of ranked hits per kind, each hit with
a highlighted snippet, in one query per kind whatever the number of hits.
Only what readers see is ever found: each kind searches its own public
QuerySet (``published()``, ``in_bibliography()``), so a pending, rejected or
orphaned item never matches, and an accepted one matches from the moment it is
accepted, with nothing to re-index.

The engines:

* **PostgreSQL**: ``to_tsvector('english', …)`` matched by phrase queries
  (``phraseto_tsquery``), ranked by ``ts_rank``, snippets by ``ts_headline``; a
  GIN index on each searched expression (migration 0003, on PostgreSQL only).
* **SQLite**: FTS5 tables with external content (the rows themselves), Porter
  stemming, ranked by ``bm25``, snippets by ``snippet()``. Triggers on the
  searched columns keep each index in step with every insert, update and delete,
  whatever code makes it (moderation decisions change no searched column;
  edits and an editor's repair of a paragraph's text do, and fire the triggers).
  A migration that remakes a table on SQLite drops its triggers with it, so
  after every ``migrate`` ``search_index_ensure`` puts back any that is missing
  and rebuilds the indexes (apps.py).

A reader's query is never handed to either engine's query syntax: it is cut
into words (letters and digits), grouped into phrases as typed (a hyphenated
or punctuated run of words is a phrase), and each phrase is quoted. The query
is at most ``MAX_QUERY_LENGTH`` characters. Snippets are escaped, and only the
engine's own markers, private-use characters turned into balanced ``<mark>``
elements, become markup.
"""

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db import connection
from django.db.models import Count, Window
from django.utils.html import escape
from django.utils.safestring import mark_safe

from annotations.models import Annotation, Correction, Paragraph, Source

MAX_QUERY_LENGTH = 200
GROUP_LIMIT = 20  # hits shown per kind on the page of every kind
KIND_LIMIT = 100  # hits shown when one kind is asked for
SNIPPET_TOKENS = 24  # SQLite: words in a snippet (FTS5 allows 64)
CONFIG = "english"  # PostgreSQL's text search configuration
TOKENIZER = "porter unicode61 remove_diacritics 2"  # SQLite's, stemming English like CONFIG
MARK_START, MARK_END = "\ue000", "\ue001"  # private-use characters: the engines' highlight markers
ELLIPSIS = "…"


class SearchError(ValueError):
    """A query that cannot be run; the message says why, for the reader."""


@dataclass(frozen=True)
class Kind:
    """One kind of thing searched: its public rows, the columns searched, and how hits show them."""

    name: str
    label: str
    model: type
    public: Callable  # () → the QuerySet of what readers may find
    fields: tuple
    whole: tuple = ()  # columns shown whole, with the matches marked; the others as snippets

    @property
    def table(self):
        return self.model._meta.db_table

    @property
    def fts_table(self):
        """SQLite's FTS5 index of this kind."""
        return f"annotations_search_{self.name}"

    @property
    def gin_index(self):
        """PostgreSQL's GIN index of this kind."""
        return f"{self.name}_search_gin"


KINDS = (
    Kind("passage", "In the essay", Paragraph, lambda: Paragraph.objects.select_related("section"), ("text",)),
    Kind("note", "Notes", Annotation, lambda: Annotation.objects.published().select_related("paragraph__section"),
         ("body",)),
    Kind("correction", "Corrections", Correction,
         lambda: Correction.objects.published().select_related("paragraph__section"),
         ("replacement", "rationale"), whole=("replacement",)),
    Kind("source", "Sources", Source, lambda: Source.objects.in_bibliography(),
         ("title", "authors", "container", "publisher"), whole=("title", "authors")),
)
KINDS_BY_NAME = {kind.name: kind for kind in KINDS}


@dataclass
class Group:
    kind: Kind
    hits: list = field(default_factory=list)
    total: int = 0

    @property
    def more(self):
        return self.total > len(self.hits)


# --- the reader's query -------------------------------------------------------------------------

_WORD = re.compile(r"\w+")


def query_phrases(query):
    """The query's phrases, each a list of words: "Molotov–Ribbentrop pact" → [["Molotov", "Ribbentrop"], ["pact"]].

    Raises SearchError for a query longer than MAX_QUERY_LENGTH.
    """
    if len(query) > MAX_QUERY_LENGTH:
        raise SearchError(
            f"Search for at most {MAX_QUERY_LENGTH} characters (this query has {len(query):,}). "
            "A few distinctive words find the most."
        )
    phrases = [_WORD.findall(chunk) for chunk in query.split()]
    return [words for words in phrases if words]


def marked_html(text):
    """Escaped text in which the engine's markers become <mark> elements, always balanced."""
    out, open_ = [], False
    for piece in re.split(f"([{MARK_START}{MARK_END}])", text or ""):
        if piece == MARK_START:
            if not open_:
                out.append("<mark>")
                open_ = True
        elif piece == MARK_END:
            if open_:
                out.append("</mark>")
                open_ = False
        else:
            out.append(escape(piece))
    if open_:
        out.append("</mark>")
    return mark_safe("".join(out))  # noqa: S308 - every piece of text escaped above


# --- running it ---------------------------------------------------------------------------------


def search_run(query, *, kinds=KINDS, limit=GROUP_LIMIT):
    """One Group per kind in ``kinds`` (one query each); empty groups when the query has no words."""
    phrases = query_phrases(query)
    if not phrases:
        return [Group(kind=kind) for kind in kinds]
    run = _postgresql_hits if connection.vendor == "postgresql" else _sqlite_hits
    groups = []
    for kind in kinds:
        hits = list(run(kind, phrases, limit))
        for hit in hits:
            hit.shown = {name: marked_html(getattr(hit, f"shown_{name}")) for name in kind.fields}
        groups.append(Group(kind=kind, hits=hits, total=hits[0].total if hits else 0))
    return groups


def _sqlite_match(phrases):
    # Each phrase quoted: the words hold only letters and digits, so nothing is FTS5 syntax.
    return " ".join('"' + " ".join(words) + '"' for words in phrases)


def _sqlite_hits(kind, phrases, limit):
    fts, table, match = kind.fts_table, kind.table, _sqlite_match(phrases)
    select, params = {"rank": f"bm25({fts})"}, []
    for column, name in enumerate(kind.fields):
        if name in kind.whole:
            select[f"shown_{name}"] = f"highlight({fts}, {column}, %s, %s)"
            params += [MARK_START, MARK_END]
        else:
            select[f"shown_{name}"] = f"snippet({fts}, {column}, %s, %s, %s, {SNIPPET_TOKENS})"
            params += [MARK_START, MARK_END, ELLIPSIS]
    # FTS5's functions cannot share a SELECT with a window function: count the hits in a subquery.
    public_sql, public_params = kind.public().order_by().values("pk").query.sql_with_params()
    select["total"] = f"(SELECT COUNT(*) FROM {fts} WHERE {fts} MATCH %s AND rowid IN ({public_sql}))"
    params += [match, *public_params]
    return (
        kind.public()
        .extra(  # noqa: S610 - fixed SQL; the reader's words are a parameter
            tables=[fts],
            where=[f"{fts}.rowid = {table}.id", f"{fts} MATCH %s"],
            params=[match],
            select=select,
            select_params=params,
        )
        .order_by("rank", "pk")[:limit]
    )


def postgresql_vector(kind):
    """The searched expression of a kind, as indexed by its GIN index (the two must be the same)."""
    from django.contrib.postgres.search import SearchVector

    return SearchVector(*kind.fields, config=CONFIG)


def _postgresql_hits(kind, phrases, limit):
    from django.contrib.postgres.search import SearchHeadline, SearchQuery, SearchRank

    query = None
    for words in phrases:
        phrase = SearchQuery(" ".join(words), search_type="phrase", config=CONFIG)
        query = phrase if query is None else query & phrase
    vector = postgresql_vector(kind)
    shown = {
        f"shown_{name}": SearchHeadline(
            name, query, config=CONFIG, start_sel=MARK_START, stop_sel=MARK_END,
            **({"highlight_all": True} if name in kind.whole else {
                "max_words": SNIPPET_TOKENS, "min_words": SNIPPET_TOKENS // 2, "max_fragments": 2,
                "fragment_delimiter": f" {ELLIPSIS} ",
            }),
        )
        for name in kind.fields
    }
    return (
        kind.public()
        .alias(document=vector)
        .filter(document=query)
        .annotate(rank=SearchRank(vector, query), total=Window(Count("pk")), **shown)
        .order_by("-rank", "pk")[:limit]
    )


# --- keeping the indexes (migration 0003 and every migrate after it) ----------------------------


def _sqlite_statements(kind):
    fts, table = kind.fts_table, kind.table
    columns = ", ".join(kind.fields)
    new = ", ".join(f"new.{name}" for name in kind.fields)
    old = ", ".join(f"old.{name}" for name in kind.fields)
    return [
        f"CREATE VIRTUAL TABLE IF NOT EXISTS {fts} USING fts5({columns}, content='{table}', content_rowid='id', "
        f"tokenize='{TOKENIZER}')",
        f"CREATE TRIGGER IF NOT EXISTS {fts}_insert AFTER INSERT ON {table} BEGIN "
        f"INSERT INTO {fts}(rowid, {columns}) VALUES (new.id, {new}); END",
        f"CREATE TRIGGER IF NOT EXISTS {fts}_delete AFTER DELETE ON {table} BEGIN "
        f"INSERT INTO {fts}({fts}, rowid, {columns}) VALUES ('delete', old.id, {old}); END",
        f"CREATE TRIGGER IF NOT EXISTS {fts}_update AFTER UPDATE OF {columns} ON {table} BEGIN "
        f"INSERT INTO {fts}({fts}, rowid, {columns}) VALUES ('delete', old.id, {old}); "
        f"INSERT INTO {fts}(rowid, {columns}) VALUES (new.id, {new}); END",
    ]


def _sqlite_objects():
    return {f"{kind.fts_table}{suffix}" for kind in KINDS for suffix in ("", "_insert", "_delete", "_update")}


def search_index_ensure(connection, *, create=False):
    """SQLite: put back whatever part of the FTS5 indexes and their triggers is missing, then rebuild them.

    Without ``create`` nothing is done unless the indexes exist (migration 0003
    made them and was not reversed): a table rebuilt by a later migration has
    lost its triggers, not its index. Returns whether anything was missing. A
    no-op on other databases.
    """
    if connection.vendor != "sqlite":
        return False
    with connection.cursor() as cursor:
        cursor.execute("SELECT name FROM sqlite_master WHERE type IN ('table', 'trigger')")
        existing = {name for (name,) in cursor.fetchall()}
        if _sqlite_objects() <= existing or not (create or {kind.fts_table for kind in KINDS} <= existing):
            return False
        for kind in KINDS:
            for statement in _sqlite_statements(kind):
                cursor.execute(statement)
            cursor.execute(f"INSERT INTO {kind.fts_table}({kind.fts_table}) VALUES ('rebuild')")
    return True


def search_index_drop(connection):
    if connection.vendor != "sqlite":
        return
    with connection.cursor() as cursor:
        for kind in KINDS:
            for suffix in ("_insert", "_delete", "_update"):
                cursor.execute(f"DROP TRIGGER IF EXISTS {kind.fts_table}{suffix}")
            cursor.execute(f"DROP TABLE IF EXISTS {kind.fts_table}")
