"""/search/: the essay, published notes and corrections, and the bibliography; on SQLite (FTS5) and PostgreSQL.

The same tests run on whichever database the suite runs on (make test, and
DATABASE_URL=postgres://… make test).
"""

from html.parser import HTMLParser

import pytest
from django.core.management.sql import emit_post_migrate_signal
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from annotations import moderation, search
from annotations.models import Annotation, Status
from tests.factories import make_citation, make_correction, make_note, make_paragraph, make_source, make_user

SEARCH = reverse("annotations:search")


def _page(client, query, **params):
    response = client.get(SEARCH, {"q": query, **params})
    assert response.status_code == 200, response.content[:500]
    return response.content.decode()


def _group(html, name):
    """The HTML of one group of results ('' when the group is not shown)."""
    start = html.find(f'id="group-{name}"')
    if start == -1:
        return ""
    return html[start:html.find("</section>", start)]


@pytest.fixture
def paragraph(db):
    return make_paragraph("Litvinov was dismissed in May 1939, and Molotov took over the Commissariat.")


def test_a_word_found_only_in_a_note_finds_the_note_and_links_to_its_permalink(client, paragraph):
    note = make_note(paragraph, exact="Litvinov", body="His dismissal signalled a **rapprochement** with Berlin.")
    html = _page(client, "rapprochement")
    notes = _group(html, "note")
    assert f'href="{note.get_absolute_url()}"' in notes
    assert "<mark>rapprochement</mark>" in notes
    assert _group(html, "passage") == "" and _group(html, "correction") == ""


def test_a_corrections_corrected_wording_is_found_and_marked(client, paragraph):
    correction = make_correction(paragraph, exact="May 1939", replacement="3 May 1939, on Stalin's order",
                                 rationale="The date of the dismissal.")
    html = _page(client, "Stalin's order")
    corrections = _group(html, "correction")
    assert f'href="{correction.get_absolute_url()}"' in corrections
    assert "<del>May 1939</del> <ins>3 May 1939, on <mark>Stalin" in corrections and "<mark>order</mark></ins>" in corrections
    assert _group(html, "passage") == ""  # the corrected wording is not the essay's


def test_a_word_of_the_essay_links_to_its_paragraph(client, paragraph):
    passages = _group(_page(client, "Commissariat"), "passage")
    assert f'href="/#{paragraph.anchor}"' in passages and paragraph.locator in passages
    assert "<mark>Commissariat</mark>" in passages


def test_words_are_found_in_any_form(client, paragraph):
    assert paragraph.anchor in _group(_page(client, "dismissing"), "passage")
    assert _group(_page(client, "dismissal Genoa"), "passage") == ""  # every word must occur


def test_sources_are_found_only_when_the_bibliography_lists_them(client, paragraph):
    note = make_note(paragraph, exact="Molotov")
    make_citation(note, make_source(title="Molotov's Apprenticeship", authors="Watson, Derek"))
    make_citation(note, make_source(title="Molotov Remembers", status=Status.PENDING))
    rejected = make_note(paragraph, exact="Commissariat", status=Status.REJECTED)
    make_citation(rejected, make_source(title="Molotov and the Rejected Note"))
    sources = _group(_page(client, "Molotov"), "source")
    assert "<mark>Molotov</mark>&#x27;s Apprenticeship" in sources and 'href="/sources/#source-' in sources
    assert "Remembers" not in sources and "Rejected Note" not in sources
    assert "<mark>Watson</mark>" in _group(_page(client, "Watson"), "source")


@pytest.mark.parametrize("status", [Status.PENDING, Status.REJECTED, Status.WITHDRAWN, Status.SPAM])
def test_unpublished_notes_and_corrections_are_never_found(client, paragraph, status):
    make_note(paragraph, exact="Litvinov", body="A hidden zeppelin.", status=status)
    make_correction(paragraph, exact="May 1939", replacement="a hidden dirigible", status=status)
    make_note(paragraph, exact="Molotov", body="An orphaned zeppelin.", orphaned=True)
    for word in ("zeppelin", "dirigible"):
        html = _page(client, word)
        assert "Nothing found" in html and 'class="search-hit"' not in html


def test_a_decision_changes_what_is_found_at_once(client, paragraph, moderator):
    note = make_note(paragraph, exact="Litvinov", body="About the Narkomindel purge.", status=Status.PENDING)
    assert _group(_page(client, "Narkomindel"), "note") == ""
    moderation.item_approve(note, moderator=moderator)
    assert note.get_absolute_url() in _group(_page(client, "Narkomindel"), "note")
    moderation.item_reopen(Annotation.objects.get(pk=note.pk), moderator=moderator)
    assert _group(_page(client, "Narkomindel"), "note") == ""


def test_an_edited_item_is_found_by_its_new_words_only(client, paragraph, moderator):
    contributor = make_user("contributor")
    note = make_note(paragraph, exact="Litvinov", body="Old wording: quagmire.", status=Status.PENDING,
                     submitted_by=contributor)
    moderation.item_revise(note, user=contributor, changes={"body": "New wording: morass."})
    moderation.item_approve(Annotation.objects.get(pk=note.pk), moderator=moderator)
    assert note.get_absolute_url() in _group(_page(client, "morass"), "note")
    assert _group(_page(client, "quagmire"), "note") == ""


def test_a_repaired_paragraph_is_found_by_its_new_words_only(client, paragraph, editor):
    moderation.paragraph_repair(paragraph, editor=editor, reason="OCR slip",
                                new_text=paragraph.text.replace("Commissariat", "Narkomindel"))
    assert paragraph.anchor in _group(_page(client, "Narkomindel"), "passage")
    assert _group(_page(client, "Commissariat"), "passage") == ""


def test_snippets_escape_what_users_wrote(client, paragraph):
    body = '<script>alert("x")</script> xylophones & <img src=x onerror=alert(1)> \ue001 xylophones \ue000 <b>'
    make_note(paragraph, exact="Litvinov", body=body)
    notes = _group(_page(client, "xylophones"), "note")
    assert "<script" not in notes and "<img" not in notes and "<b>" not in notes and "&amp;" in notes

    class Marks(HTMLParser):
        depth = opened = 0

        def handle_starttag(self, tag, attrs):
            if tag == "mark":
                self.depth += 1
                self.opened += 1
                assert self.depth == 1

        def handle_endtag(self, tag):
            if tag == "mark":
                self.depth -= 1
                assert self.depth == 0

    marks = Marks()
    marks.feed(notes)
    assert marks.opened >= 1 and marks.depth == 0


def test_marked_html_always_balances_its_marks():
    start, end = search.MARK_START, search.MARK_END
    assert search.marked_html(f"a {start}b{end} <c> {end}{start}{start}d") == "a <mark>b</mark> &lt;c&gt; <mark>d</mark>"


@pytest.mark.parametrize("query", [
    '"', "NEAR(", "*", "a OR b", "-Litvinov", '"unbalanced', "AND", "NOT Molotov", "^x", "text:Molotov",
    ")(", "Litvinov*", "'", "\\", "%", "_", "Litvinov\x00", "‘Molotov’", "Молотов", "🙂", "a" * 200, "x:" * 100,
])
def test_hostile_queries_never_fail(client, paragraph, query):
    make_note(paragraph, exact="Litvinov", body="Molotov took over.")
    response = client.get(SEARCH, {"q": query})
    assert response.status_code in (200, 400)
    if "\x00" in query:
        return  # refused by the request guard before any view reads it (tests/test_bad_requests.py)
    assert 'class="search-summary"' in response.content.decode() or 'id="search-error"' in response.content.decode()


def test_a_query_made_only_of_punctuation_says_so(client, paragraph):
    assert "punctuation alone finds nothing" in _page(client, '" * ( )')


def test_an_overlong_query_is_refused_with_a_message_and_kept(client, paragraph):
    query = "Litvinov " * 50
    response = client.get(SEARCH, {"q": query})
    assert response.status_code == 400
    html = response.content.decode()
    assert f"at most {search.MAX_QUERY_LENGTH} characters" in html and f'value="{query}"' in html
    assert client.get(SEARCH, {"q": "x" * 100_000}).status_code == 400


def test_too_many_different_words_are_refused_but_repeats_count_once(client, paragraph):
    many = " ".join(f"word{n}" for n in range(search.MAX_WORDS + 1))
    response = client.get(SEARCH, {"q": many})
    assert response.status_code == 400 and f"at most {search.MAX_WORDS} different words" in response.content.decode()
    assert search.query_phrases("Litvinov litvinov LITVINOV Molotov-Ribbentrop molotov–ribbentrop") == [
        ["Litvinov"], ["Molotov", "Ribbentrop"]
    ]
    assert paragraph.anchor in _group(_page(client, "Litvinov " * 22), "passage")


def test_an_unknown_kind_is_a_400_that_names_the_kinds(client, paragraph):
    response = client.get(SEARCH, {"q": "Litvinov", "kind": "essays"})
    assert response.status_code == 400 and "passage, note, correction, source" in response.content.decode()


def test_the_page_works_without_javascript(client, db):
    html = _page(client, "")
    assert '<form class="search-form" method="get" action="/search/" role="search">' in html
    assert 'name="q"' in html and "<script" not in html
    assert f'<li><a href="{SEARCH}">Search</a></li>' in html  # in the header of every page


def test_many_hits_show_the_best_and_link_to_all_of_one_kind(client, paragraph, monkeypatch):
    monkeypatch.setattr(search, "GROUP_LIMIT", 2)
    for word in ("Litvinov", "Molotov", "Commissariat"):
        make_note(paragraph, exact=word, body=f"On {word}: a tundra of detail.")
    notes = _group(_page(client, "tundra"), "note")
    assert notes.count('class="search-hit"') == 2 and "(3)" in notes
    assert "kind=note" in notes and "All 3 notes" in notes
    assert _page(client, "tundra", kind="note").count('class="search-hit"') == 3


def _queries(client, query):
    with CaptureQueriesContext(connection) as queries:
        _page(client, query)
    return len(queries)


def test_a_search_takes_a_constant_number_of_queries_however_many_hits(client, paragraph):
    make_note(paragraph, exact="Litvinov", body="One steppe.")
    make_correction(paragraph, exact="dismissed", replacement="steppe")
    few = _queries(client, "steppe")
    for word in ("Molotov", "Commissariat", "1939"):
        make_note(paragraph, exact=word, body=f"Another steppe near {word}.")
    make_correction(paragraph, exact="took over", replacement="steppe again")
    # At most one query per kind on PostgreSQL; on SQLite the matches from FTS5, then the rows of those found.
    assert _queries(client, "steppe") == few <= len(search.KINDS) * (1 if connection.vendor == "postgresql" else 2)


def test_each_kind_has_its_full_text_index(db):
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT indexname, indexdef FROM pg_indexes WHERE indexname LIKE %s", ["%_search_gin"])
            indexes = dict(cursor.fetchall())
            for kind in search.KINDS:
                assert f"USING gin ({search.DOCUMENT_COLUMN})" in indexes[kind.gin_index]
        else:
            cursor.execute("SELECT name FROM sqlite_master WHERE type IN ('table', 'trigger')")
            names = {name for (name,) in cursor.fetchall()}
            for kind in search.KINDS:
                assert {kind.fts_table, f"{kind.fts_table}_insert", f"{kind.fts_table}_update"} <= names


def test_each_kinds_match_is_answered_from_its_index(client, paragraph):
    """PostgreSQL can answer from the GIN index of the very column searched; SQLite asks its FTS5 table."""
    make_note(paragraph, exact="Litvinov", body="A word for the planner: plenipotentiary.")
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            from django.contrib.postgres.search import SearchQuery

            # Left only the choice of a bitmap scan, the planner must find an index on the column searched.
            cursor.execute("SET LOCAL enable_seqscan = off")
            cursor.execute("SET LOCAL enable_indexscan = off")
            for kind in search.KINDS:
                matching = kind.model.objects.alias(document=search.postgresql_document(kind)).filter(
                    document=SearchQuery("plenipotentiary", search_type="phrase", config=search.CONFIG)
                )
                sql, params = matching.order_by().values("pk").query.sql_with_params()
                cursor.execute("EXPLAIN " + sql, params)
                plan = "\n".join(row[0] for row in cursor.fetchall())
                assert f"Bitmap Index Scan on {kind.gin_index}" in plan, plan
        else:
            with CaptureQueriesContext(connection) as queries:
                _page(client, "plenipotentiary")
            matches = [query["sql"] for query in queries.captured_queries if " MATCH " in query["sql"]]
            assert len(matches) == len(search.KINDS)
            for sql in matches:
                cursor.execute("EXPLAIN QUERY PLAN " + sql)
                assert "VIRTUAL TABLE INDEX" in str(cursor.fetchall())


def test_rows_changed_while_the_sqlite_triggers_were_gone_are_found_after_migrate(client, paragraph):
    """On SQLite a migration that rebuilds a table drops its triggers; every migrate puts them back."""
    note = make_note(paragraph, exact="Litvinov", body="Before the rebuild: a balalaika.")
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            for kind in search.KINDS:
                for suffix in ("_insert", "_delete", "_update"):
                    cursor.execute(f"DROP TRIGGER {kind.fts_table}{suffix}")
    Annotation.objects.filter(pk=note.pk).update(body="After the rebuild: a samovar.")
    make_note(paragraph, exact="Molotov", body="Added meanwhile: a troika.")
    emit_post_migrate_signal(verbosity=0, interactive=False, db=connection.alias)
    assert note.get_absolute_url() in _group(_page(client, "samovar"), "note")
    assert "troika" in _group(_page(client, "troika"), "note")
    assert _group(_page(client, "balalaika"), "note") == ""
    make_note(paragraph, exact="Commissariat", body="And after it: a dacha.")  # the triggers are back
    assert "dacha" in _group(_page(client, "dacha"), "note")
