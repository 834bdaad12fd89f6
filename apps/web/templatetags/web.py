"""Template helpers every page uses: hours from minutes, the error code of a message."""

from django import template
from django.utils.translation import gettext as _

from apps.core.figures import hours_of

register = template.Library()


@register.filter
def error_code(extra_tags):
    """The stable error code a page put in a message's tags ("code:wish_already_claimed")."""
    for tag in (extra_tags or "").split():
        if tag.startswith("code:"):
            return tag[5:]
    return ""


@register.filter
def coded_errors(errors):
    """A form's error list as (message, code) pairs: the page shows the message, the code goes in the markup."""
    pairs = []
    for error in errors.as_data() if hasattr(errors, "as_data") else ():
        for message in error.messages:
            pairs.append((message, error.code or ""))
    return pairs


@register.filter
def hours(minutes):
    """Integer minutes as hours with one decimal, rounded half up ("1.5"); the ledger keeps minutes, people read
    hours."""
    if minutes in (None, ""):
        return ""
    return str(hours_of(minutes))


@register.filter
def hours_label(minutes):
    return _("%(hours)s h") % {"hours": hours(minutes)}
