"""Filter types every app's FilterSets use: strict numbers, so a malformed value is a 400, never ignored."""

from django import forms
from django_filters import rest_framework as filters


class IdFilter(filters.NumberFilter):
    """A primary key: whole numbers only (NumberFilter alone would accept "1.5"); an unknown one matches nothing."""

    field_class = forms.IntegerField


class FloatFilter(filters.NumberFilter):
    field_class = forms.FloatField  # rejects NaN and infinities
