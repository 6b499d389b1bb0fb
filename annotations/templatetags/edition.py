from django import template

from annotations.markdown import markdown_html

register = template.Library()


@register.filter(name="markdown")
def markdown_filter(text):
    """Render user Markdown through the one sanitising helper."""
    return markdown_html(text)
