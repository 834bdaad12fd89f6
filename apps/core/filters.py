"""Filter types every app's FilterSets use: strict numbers, so a malformed value is a 400, never ignored."""

import copy

from django import forms
from django.http import QueryDict
from django_filters import rest_framework as filters
from django_filters.filters import FilterMethod


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
    """django-filter's FilterSet, with its form class built once per FilterSet class instead of on every request, and
    its filters copied, not deep-copied, for each instance.

    django-filter builds a new form class from the filters' fields for each FilterSet it instantiates (a class
    creation plus a deep copy of every field, a few milliseconds a list request); the fields of these filters never
    depend on the request, and each form still deep-copies the class's fields, so one class per FilterSet serves all.
    It also deep-copies every filter for each instance, to give each its own `model` and `parent`; a shallow copy
    does that as well, once a filter with a `method` is given its own FilterMethod (which points back at its filter):
    nothing else of a filter changes after its class is made.
    """

    def __init__(self, data=None, queryset=None, *, request=None, prefix=None):
        # django-filter's BaseFilterSet.__init__ (django-filter 26.2) but for the copies; it is not called, so that
        # nothing deep-copies the filters first.
        if queryset is None:
            queryset = self._meta.model._default_manager.all()
        self.is_bound = data is not None
        self.data = data or QueryDict()
        self.queryset = queryset
        self.request = request
        self.form_prefix = prefix
        self.filters = {}
        for name, base in self.base_filters.items():
            filter_ = copy.copy(base)
            if isinstance(filter_.__dict__.get("filter"), FilterMethod):
                filter_.filter = FilterMethod(filter_)
            filter_.model = queryset.model
            filter_.parent = self
            self.filters[name] = filter_

    # Set by the browsable API's filter form (apps.core.api.filters.FilterBackend), which shows every filter.
    whole_form = False

    @property
    def form(self):
        """The form of the filters the data gives: a bound form holds only the fields whose widgets find a value in
        the data (Widget.value_omitted_from_data, so a range's two inputs and a multiple choice count as theirs).
        A filter without a value filters nothing (django-filter skips empty values), so leaving its field out
        changes no result and no error, and spares the deep copy of its field, choices and widget that Django makes
        for every field of every form: most requests give two or three of a list's twenty filters."""
        form = self.__dict__.get("_form")
        if form is None:
            form_class = self.get_form_class()
            if not self.is_bound:
                form = form_class(prefix=self.form_prefix)
            elif self.whole_form:
                form = form_class(self.data, prefix=self.form_prefix)
            else:
                form = form_class.__new__(form_class)
                prefix = f"{self.form_prefix}-" if self.form_prefix else ""
                form.base_fields = {
                    name: field
                    for name, field in form_class.base_fields.items()
                    if not field.widget.value_omitted_from_data(self.data, {}, prefix + name)
                }
                form.__init__(self.data, prefix=self.form_prefix)
            self._form = form
        return form

    def get_form_class(self):
        cls = type(self)
        form_class = cls.__dict__.get("_form_class")
        if form_class is None:
            form_class = super().get_form_class()
            cls._form_class = form_class
        return form_class
