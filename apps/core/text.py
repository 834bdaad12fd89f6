"""Free text as the platform accepts it: one normalization and one length check, below every face.

Whatever brings text in (an API serializer, a page's form, a service called by a page, an import or a loader), the
text is stored as `clean_text` leaves it:

- Unicode direction controls are removed: the embeddings and overrides U+202A–U+202E, the isolates U+2066–U+2069
  and the marks U+200E, U+200F and U+061C. They change the order in which text is *displayed*, not what it says, so
  a name, a reason or a story holding them can read backwards or hide what it is (the "Trojan Source" trick). The
  scripts the platform serves never need them; every other character is kept as typed.
- Surrounding whitespace is trimmed (not for text taken verbatim, such as passwords: `strip=False`).
- Longer than its maximum afterwards, it is refused with the stable code `text_too_long` (or the caller's own code
  where one is documented), a translated message and, as context, the field and its maximum.

The faces call it through their base classes, so a new field gets it without asking: the API's input serializers
through apps.core.serializers.InputSerializer, the pages' forms through apps.core.forms.Form. Services call
`clean_text` / `clean_model_text` on the free text they take, since pages and imports call them directly.
"""

import re

from django.utils.translation import gettext_lazy as _

from apps.core.errors import Invalid

# U+061C ARABIC LETTER MARK, U+200E LEFT-TO-RIGHT MARK, U+200F RIGHT-TO-LEFT MARK, U+202A..U+202E (LRE, RLE, PDF,
# LRO, RLO), U+2066..U+2069 (LRI, RLI, FSI, PDI).
DIRECTION_CONTROLS = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
_DIRECTION_CONTROLS_RE = re.compile("[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")

# The maxima of free text by kind (the models' max_length). On the fields themselves: names of people 50, titles and
# names of organizations and places 100, addresses 200, comments 200 (a community evaluation's 500).
REASON_MAX = 200  # why something was refused, cancelled, taken back or ended (the models' reason fields)
DESCRIPTION_MAX = 2000  # a wish's story, an activity's description, a post's duties, a pairing's joint projects
NOTE_MAX = 1000  # a claimant's report of how a wish was fulfilled

TEXT_TOO_LONG_CODE = "text_too_long"
TEXT_TOO_LONG = _("The text is too long (%(max)s characters at most).")


def strip_direction_controls(text):
    """`text` without its Unicode direction controls (see the module's docstring)."""
    return _DIRECTION_CONTROLS_RE.sub("", text)


def text_too_long(max_length, *, field=None, code=TEXT_TOO_LONG_CODE, message=None):
    """The error for a text over `max_length` characters: 422, a stable code and the maximum (and field) as context."""
    extra = {"max_length": max_length}
    if field:
        extra["field"] = field
    return Invalid(code, message if message is not None else TEXT_TOO_LONG % {"max": max_length}, extra=extra)


def clean_text(value, *, max_length=None, field=None, code=TEXT_TOO_LONG_CODE, message=None, strip=True):
    """Free text as stored: None is "", direction controls removed, surrounding whitespace trimmed (unless
    `strip=False`). Longer than `max_length` afterwards: raises `text_too_long(...)` (apps.core.errors.Invalid, 422)
    with `code` and `message` when the caller has documented ones of its own."""
    text = strip_direction_controls("" if value is None else str(value))
    if strip:
        text = text.strip()
    if max_length is not None and len(text) > max_length:
        raise text_too_long(max_length, field=field, code=code, message=message)
    return text


def clean_model_text(model, field_name, value, **kwargs):
    """`clean_text` with the maximum of the model's field (its max_length) and the field's name as context."""
    max_length = model._meta.get_field(field_name).max_length
    return clean_text(value, max_length=max_length, field=field_name, **kwargs)
