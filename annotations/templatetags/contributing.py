"""Messages that belong to one of a contributor's items: shown inside it on /me/, where the person lands."""

from django import template

register = template.Library()

LANDED = "landed-"


def landing_id(item):
    """The id of the message about ``item`` on /me/ (``landed-note-12``), also its tag: where the person lands."""
    return f"{LANDED}{item._meta.verbose_name}-{item.pk}"


@register.filter
def landing_in(messages, item):
    """The messages to show inside ``item``'s entry."""
    wanted = landing_id(item)
    return [message for message in messages if message.extra_tags == wanted]


@register.filter
def landing_nowhere(messages):
    """The messages that belong to no item: the top of the page shows them."""
    return [message for message in messages if not message.extra_tags.startswith(LANDED)]
