"""Filter types every app's FilterSets use: strict numbers, so a malformed value is a 400, never ignored."""

from django import forms
from django_filters import rest_framework as filters


class IdFilter(filters.NumberFilter):
    """A primary key: whole numbers only (NumberFilter alone would accept "1.5"); an unknown one matches nothing."""

    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs):
        # Within a 64-bit primary key: a larger number is a 400, not an overflow in the database driver.
        kwargs.setdefault("min_value", -(2**63))
        kwargs.setdefault("max_value", 2**63 - 1)
        super().__init__(*args, **kwargs)


class FloatFilter(filters.NumberFilter):
    field_class = forms.FloatField  # rejects NaN and infinities
