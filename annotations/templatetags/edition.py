from django import template

from annotations.markdown import markdown_excerpt, markdown_html

register = template.Library()


@register.filter(name="markdown")
def markdown_filter(text):
    """Render user Markdown through the one sanitising helper."""
    return markdown_html(text)


@register.filter(name="excerpt")
def excerpt_filter(text, words=24):
    """The first words of user Markdown as plain text (escaped by the template like any text)."""
    return markdown_excerpt(text, words=int(words))
