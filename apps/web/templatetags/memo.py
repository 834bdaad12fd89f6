"""{% memo %}: a template fragment rendered once for each set of values it shows, in this process.

    {% load memo %}
    {% memo obj.pk obj.title obj.status item.distance %} ... {% endmemo %}

The fragment's HTML is kept in a bounded in-process store (least recently used out first) under the fragment's place
(its template file and its own source), the active language and time zone, and the values given; with DEBUG on (a
development server, whose templates may change) nothing is kept. The page's data are read fresh on every
request as before; only turning the same values into the same HTML again is saved. So the rule of the tag: the
fragment may show nothing but the values named (and what follows from them alone: a label of a status, a URL of an
id, a date in the time zone). A value left out of the key would be shown stale.

A fragment may hold a form with {% csrf_token %}: the token differs per visitor and request, so the kept HTML holds a
marker in its place and each rendering puts the request's own token there (the token is never kept or shared).
"""

import hashlib
import secrets
import threading
from collections import OrderedDict

from django import template
from django.conf import settings
from django.utils import timezone, translation

register = template.Library()

# Fragments kept per process: a fragment is well under a kilobyte, so a few megabytes at most.
MEMO_MAX_ENTRIES = 10_000

_store = OrderedDict()
_lock = threading.Lock()

# What the kept HTML holds where a fragment shows the CSRF token (letters and digits only: unchanged by escaping);
# random per process, so no page content can imitate it.
_CSRF_MARKER = f"memocsrf{secrets.token_hex(16)}"


def memo_clear():
    """Forget every fragment (tests)."""
    with _lock:
        _store.clear()


def _get(key):
    with _lock:
        html = _store.get(key)
        if html is not None:
            _store.move_to_end(key)
        return html


def _put(key, html):
    with _lock:
        _store[key] = html
        _store.move_to_end(key)
        while len(_store) > MEMO_MAX_ENTRIES:
            _store.popitem(last=False)


class MemoNode(template.Node):
    def __init__(self, nodelist, values, place):
        self.nodelist = nodelist
        self.values = values
        self.place = place

    def render(self, context):
        if settings.DEBUG:  # templates may change under a development server: nothing kept
            return self.nodelist.render(context)
        values = tuple(value.resolve(context) for value in self.values)
        key = (self.place, translation.get_language(), timezone.get_current_timezone_name(), values)
        try:
            html = _get(key)
        except TypeError:  # a value that cannot be a key: rendered every time
            return self.nodelist.render(context)
        if html is None:
            with context.push(csrf_token=_CSRF_MARKER):
                html = self.nodelist.render(context)
            _put(key, html)
        if _CSRF_MARKER not in html:
            return html
        token = context.get("csrf_token")
        token = str(token) if token is not None else ""
        if token in ("", "NOTPROVIDED"):  # no request's token to put in: as the fragment renders without a cache
            return self.nodelist.render(context)
        return html.replace(_CSRF_MARKER, token)


@register.tag
def memo(parser, token):
    values = [parser.compile_filter(bit) for bit in token.split_contents()[1:]]
    if not values:
        raise template.TemplateSyntaxError("{% memo %} needs the values the fragment shows")
    ahead = list(parser.tokens)  # the parser keeps the tokens still to read in reverse order, next one last
    nodelist = parser.parse(("endmemo",))
    body = ahead[len(parser.tokens) :]
    parser.delete_first_token()
    # The fragment's place: its template and its own source (a digest of the body's tokens), so two fragments never
    # share HTML, in files or in templates made from strings.
    source = hashlib.sha256()
    for part in reversed(body):
        source.update(f"{part.token_type.value}:{part.contents}\x00".encode())
    origin = getattr(parser, "origin", None)
    return MemoNode(nodelist, values, place=(getattr(origin, "name", None), token.contents, source.hexdigest()))
