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

* **PostgreSQL**: each searched table has a ``tsvector`` column of its
  searched columns (English configuration), kept by a trigger and indexed with
  GIN (migration 0003, on PostgreSQL only; the column is not in the models,
  which stay the same on both databases). Phrase queries
  (``phraseto_tsquery``), ranked by ``ts_rank``, snippets by ``ts_headline``
  for the hits shown only.
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
is at most ``MAX_QUERY_LENGTH`` characters and ``MAX_WORDS`` different words;
a repeated phrase is asked once. Snippets are escaped, and only the
engine's own markers, private-use characters turned into balanced ``<mark>``
elements, become markup.
"""

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db import connection
from django.db.models import Count, Window
from django.db.models.expressions import RawSQL
from django.utils.html import escape
from django.utils.safestring import mark_safe

from annotations.models import Annotation, Correction, Paragraph, Source

MAX_QUERY_LENGTH = 200
MAX_WORDS = 20  # different words in a query: each one costs its own look-up
GROUP_LIMIT = 20  # hits shown per kind on the page of every kind
KIND_LIMIT = 100  # hits shown when one kind is asked for
SNIPPET_TOKENS = 24  # SQLite: words in a snippet (FTS5 allows 64)
CONFIG = "english"  # PostgreSQL's text search configuration
DOCUMENT_COLUMN = "search_document"  # PostgreSQL: each searched table's tsvector, outside the models' state
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
    """The query's distinct phrases, each a list of words: "Molotov–Ribbentrop pact" → [["Molotov", "Ribbentrop"], ["pact"]].

    Raises SearchError for a query longer than MAX_QUERY_LENGTH or of more than
    MAX_WORDS different words (a repeated phrase counts once: it finds nothing more).
    """
    if len(query) > MAX_QUERY_LENGTH:
        raise SearchError(
            f"Search for at most {MAX_QUERY_LENGTH} characters (this query has {len(query):,}). "
            "A few distinctive words find the most."
        )
    phrases, seen = [], set()
    for chunk in query.split():
        words = _WORD.findall(chunk)
        key = " ".join(words).casefold()
        if words and key not in seen:
            seen.add(key)
            phrases.append(words)
    if sum(len(words) for words in phrases) > MAX_WORDS:
        raise SearchError(f"Search for at most {MAX_WORDS} different words. A few distinctive words find the most.")
    return phrases


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
    """One Group per kind in ``kinds`` (one query each, two on SQLite); empty groups when the query has no words."""
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
    """Two queries: the best matches from the FTS5 table alone, then their rows.

    FTS5 orders its matches by ``rank`` itself, so snippets are made for the
    hits shown only. ``+rowid`` keeps the public rows a filter on the matches:
    as an index constraint SQLite would run the match once per public row.
    """
    fts, match = kind.fts_table, _sqlite_match(phrases)
    shown, shown_params = [], []
    for column, name in enumerate(kind.fields):
        if name in kind.whole:
            shown.append(f"highlight({fts}, {column}, %s, %s)")
            shown_params += [MARK_START, MARK_END]
        else:
            shown.append(f"snippet({fts}, {column}, %s, %s, %s, {SNIPPET_TOKENS})")
            shown_params += [MARK_START, MARK_END, ELLIPSIS]
    public_sql, public_params = kind.public().order_by().values("pk").query.sql_with_params()
    matching = f"{fts} MATCH %s AND +rowid IN ({public_sql})"
    sql = (
        f"SELECT rowid, {', '.join(shown)}, (SELECT COUNT(*) FROM {fts} WHERE {matching}) "
        f"FROM {fts} WHERE {matching} ORDER BY rank LIMIT %s"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*shown_params, match, *public_params, match, *public_params, limit])
        rows = cursor.fetchall()
    found = kind.public().in_bulk([row[0] for row in rows])
    hits = []
    for rowid, *snippets, total in rows:
        hit = found.get(rowid)
        if hit is None:  # taken down between the two queries
            continue
        for name, snippet in zip(kind.fields, snippets):
            setattr(hit, f"shown_{name}", snippet)
        hit.total = total
        hits.append(hit)
    return hits


def postgresql_document(kind):
    """The row's stored tsvector (kept by a trigger, indexed by the kind's GIN index)."""
    from django.contrib.postgres.search import SearchVectorField

    return RawSQL(f'"{kind.table}"."{DOCUMENT_COLUMN}"', [], output_field=SearchVectorField())


def _postgresql_hits(kind, phrases, limit):
    from django.contrib.postgres.search import SearchHeadline, SearchQuery, SearchRank

    query = None
    for words in phrases:
        phrase = SearchQuery(" ".join(words), search_type="phrase", config=CONFIG)
        query = phrase if query is None else query & phrase
    document = postgresql_document(kind)
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
        .alias(document=document)
        .filter(document=query)
        .annotate(rank=SearchRank(document, query), total=Window(Count("pk")), **shown)
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


def postgresql_index_statements(kind):
    """PostgreSQL: a tsvector column kept by the built-in trigger function, filled, and its GIN index.

    A stored tsvector rather than an index on an expression: ranking then reads
    it instead of parsing every matching row's text again (ten times faster on
    10,000 matching notes, bench/search_bench.py). A trigger rather than a
    generated column, so that a later migration may still change the type of a
    searched column.
    """
    table, columns = kind.table, ", ".join(kind.fields)
    return [
        f"ALTER TABLE {table} ADD COLUMN {DOCUMENT_COLUMN} tsvector",
        f"CREATE TRIGGER {kind.gin_index}_document BEFORE INSERT OR UPDATE OF {columns} ON {table} "
        f"FOR EACH ROW EXECUTE FUNCTION tsvector_update_trigger({DOCUMENT_COLUMN}, 'pg_catalog.{CONFIG}', {columns})",
        f"UPDATE {table} SET {kind.fields[0]} = {kind.fields[0]}",  # the trigger fills the rows already there
        f"CREATE INDEX {kind.gin_index} ON {table} USING gin ({DOCUMENT_COLUMN})",
    ]


def postgresql_drop_statements(kind):
    return [
        f"DROP TRIGGER IF EXISTS {kind.gin_index}_document ON {kind.table}",
        f"ALTER TABLE {kind.table} DROP COLUMN IF EXISTS {DOCUMENT_COLUMN}",  # and its index
    ]
