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


class FilterSet(filters.FilterSet):
    """django-filter's FilterSet, with its form class built once per FilterSet class instead of on every request.

    django-filter builds a new form class from the filters' fields for each FilterSet it instantiates (a class
    creation plus a deep copy of every field, a few milliseconds a list request); the fields of these filters never
    depend on the request, and each form still deep-copies the class's fields, so one class per FilterSet serves all.
    """

    def get_form_class(self):
        cls = type(self)
        form_class = cls.__dict__.get("_form_class")
        if form_class is None:
            form_class = super().get_form_class()
            cls._form_class = form_class
        return form_class
