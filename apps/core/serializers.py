"""The base of every input serializer of the API (request bodies and query parameters) and of the query validation
the API and the pages share (apps.stats.queries)."""

import datetime

from django.utils.datastructures import MultiValueDict
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from apps.core.text import strip_direction_controls


def _is_free_text(field):
    """A writable CharField (or subclass) that trims its input. One with `trim_whitespace=False` takes its text
    verbatim (a password) and is left alone."""
    return isinstance(field, serializers.CharField) and field.trim_whitespace and not field.read_only


# The years any date of this platform lies in. Outside them a date is a typing error, and a datetime before 1901 would
# read back with the local mean time of the zone (+08:05:43 in Shanghai), an offset RFC 3339 cannot write.
FIRST_YEAR, LAST_YEAR = 2000, 2099
DATE_OUT_OF_RANGE = _("Give a date from the year %(first)s to %(last)s.")


def _out_of_range(value):
    return isinstance(value, datetime.date) and not FIRST_YEAR <= value.year <= LAST_YEAR


def _clean_values(values):
    return [strip_direction_controls(v) if isinstance(v, str) else v for v in values]


class InputSerializer(serializers.Serializer):
    """serializers.Serializer whose free-text fields see their input cleaned (apps.core.text) before they validate it:
    a field's max_length counts the text as it will be stored, and a text of direction controls only is blank.

    Every input serializer derives from it (tests/core/test_text.py checks), so a new text field gets the cleaning by
    default; its maximum is the field's own max_length. Dates and datetimes outside FIRST_YEAR..LAST_YEAR are
    refused (400 naming the field).
    """

    def to_internal_value(self, data):
        names = {field.field_name for field in self._writable_fields if _is_free_text(field)}
        if names and isinstance(data, MultiValueDict):  # form and multipart bodies (QueryDict); files are kept as is
            cleaned = MultiValueDict()
            for key, values in data.lists():
                cleaned.setlist(key, _clean_values(values) if key in names else list(values))
            data = cleaned
        elif names and isinstance(data, dict):  # JSON
            data = {
                key: strip_direction_controls(value) if key in names and isinstance(value, str) else value
                for key, value in data.items()
            }
        values = super().to_internal_value(data)
        wrong = {
            name: [DATE_OUT_OF_RANGE % {"first": FIRST_YEAR, "last": LAST_YEAR}]
            for name, value in values.items()
            if _out_of_range(value)
        }
        if wrong:
            raise serializers.ValidationError(wrong)
        return values
