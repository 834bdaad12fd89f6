"""The shared FilterSet base builds its form class once per FilterSet class; each request still gets its own form."""

from django.http import QueryDict

from apps.activities.filters import ActivityFilter
from apps.places.filters import NearMeFilterSet
from apps.wishes.filters import WishFilter


def test_one_form_class_per_filterset_class_and_a_fresh_form_each_time(db):
    first = WishFilter(QueryDict("latitude=31.2&longitude=121.4"))
    second = WishFilter(QueryDict("latitude=abc&longitude=121.4"))
    assert type(first.form) is type(second.form)
    assert first.form is not second.form
    assert first.is_valid() and not second.is_valid()
    assert "latitude" in second.errors and not first.errors
    # A sibling class has its own form class with its own fields, never the first class's one.
    other = ActivityFilter(QueryDict("has_places_left=true"))
    assert type(other.form) is not type(first.form)
    assert "has_places_left" in other.form.fields and "has_places_left" not in first.form.fields
    assert "_form_class" not in NearMeFilterSet.__dict__


def test_each_filterset_has_its_own_filters_and_their_methods_call_it(db):
    first = WishFilter(QueryDict("latitude=31.2&longitude=121.4"))
    second = WishFilter(QueryDict("latitude=31.3&longitude=121.5"))
    for name in WishFilter.base_filters:
        mine, theirs, base = first.filters[name], second.filters[name], WishFilter.base_filters[name]
        assert mine is not theirs and mine is not base
        assert mine.parent is first and theirs.parent is second and not hasattr(base, "parent")
        if base.method:  # a filter with a method calls its own FilterSet's, never the class's or another's
            assert mine.filter.f is mine and theirs.filter.f is theirs
    assert first.is_valid() and second.is_valid()
    assert str(first.qs.query) != str(second.qs.query)  # each filtered with its own values
