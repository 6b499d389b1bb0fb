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
