"""The one sanitising Markdown helper: properties over any input, and its per-process memo."""

from html.parser import HTMLParser

from hypothesis import given, settings
from hypothesis import strategies as st

from annotations import markdown
from annotations.markdown import ALLOWED_ATTRIBUTES, ALLOWED_TAGS, ALLOWED_URL_SCHEMES, render_markdown, render_markdown_kept

# Text rich in the characters that make Markdown and HTML interesting.
markup = st.text(alphabet=st.sampled_from(list("<>/=\"' `*_[]()!#-:;&\n") + list("abcjsvriptonerlhfd")), max_size=200)
fragments = st.sampled_from([
    "<script>", "</script>", "<img src=x onerror=alert(1)>", "[x](javascript:alert(1))", "<a href='data:x'>",
    "**bold**", "`code`", "> quote\n", "<svg onload=1>", "<iframe>", "&#106;avascript:", "<style>", "\n\n",
])
documents = st.lists(st.one_of(markup, fragments), max_size=8).map("".join)


class Elements(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.found = []

    def handle_starttag(self, tag, attrs):
        self.found.append((tag, dict(attrs)))


def elements(html):
    parser = Elements()
    parser.feed(html)
    return parser.found


@settings(max_examples=300, deadline=None)
@given(documents)
def test_output_holds_only_allowed_tags_attributes_and_link_schemes(text):
    for tag, attributes in elements(render_markdown(text)):
        assert tag in ALLOWED_TAGS
        assert set(attributes) <= ALLOWED_ATTRIBUTES.get(tag, set()) | ({"rel"} if tag == "a" else set())
        if "href" in attributes:
            scheme = attributes["href"].split(":", 1)[0].lower() if ":" in attributes["href"] else None
            assert scheme is None or scheme in ALLOWED_URL_SCHEMES


def test_the_same_text_is_converted_once_per_process(monkeypatch):
    text = "A note that is rendered on every page of the edition, *once* (and kept)."
    converted = []
    monkeypatch.setattr(markdown, "render_markdown", lambda value: converted.append(value) or f"<p>{value}</p>")
    assert render_markdown_kept(text) == render_markdown_kept(text) == f"<p>{text}</p>"
    assert converted == [text]


def test_the_texts_kept_per_process_are_bounded_by_their_size():
    for number in range(200):
        render_markdown_kept(f"{number} " + "A long note. " * 5_000)
    assert markdown._rendered.currsize <= markdown.RENDER_CACHE_BYTES
    assert len(markdown._rendered) < 200


def test_ordinary_markdown_renders_as_the_apparatus_expects():
    assert render_markdown("*Dokumenty* and **Izvestiia**, see [the text](https://example.org/a).") == (
        '<p><em>Dokumenty</em> and <strong>Izvestiia</strong>, see '
        '<a href="https://example.org/a" rel="nofollow noopener noreferrer ugc">the text</a>.</p>\n'
    )
    assert render_markdown("1. first\n2. second\n\n- a\n- b") == (
        "<ol>\n<li>first</li>\n<li>second</li>\n</ol>\n<ul>\n<li>a</li>\n<li>b</li>\n</ul>\n"
    )
    assert render_markdown("A<sub>2</sub> and <ins>new</ins> words") == "<p>A<sub>2</sub> and <ins>new</ins> words</p>\n"


def test_deep_nesting_is_cut_at_the_limit_and_its_text_kept():
    html = render_markdown(">" * 10_000 + " the end")
    assert html.count("<blockquote>") == markdown.MAX_NESTING
    assert "the end" in html and html.count("&gt;") == 10_000 - markdown.MAX_NESTING
    raw = render_markdown("<ul><li>" * 1_000 + "deep")
    assert raw.count("<li>") <= markdown.MAX_NESTING and "deep" in raw


def test_nesting_within_the_limit_is_kept():
    assert render_markdown("> a\n>> b\n\n- x\n  - y\n    > z *w*") == (
        "<blockquote>\n<p>a</p>\n<blockquote>\n<p>b</p>\n</blockquote>\n</blockquote>\n"
        "<ul>\n<li>x\n<ul>\n<li>y\n<blockquote>\n<p>z <em>w</em></p>\n</blockquote>\n</li>\n</ul>\n</li>\n</ul>\n"
    )


def test_each_rendering_frees_the_buffer_cmark_returned(monkeypatch):
    # cmarkgfm's own wrapper leaks it: a worker grew by the size of every preview.
    freed = []
    real_free = markdown._libc.free

    class CountingLibc:
        def free(self, pointer):
            freed.append(pointer)
            real_free(pointer)

    monkeypatch.setattr(markdown, "_libc", CountingLibc())
    for number in range(3):
        render_markdown(f"note {number}")
    assert len(freed) == 3
