"""A FilterSet's form holds only the filters the data gives, with the same result and the same errors as the form of
every filter; the browsable API's filter form still shows them all."""

import importlib
from itertools import chain

import pytest
from django.apps import apps as django_apps
from django.core.exceptions import EmptyResultSet
from django.forms import MultiWidget
from django.http import QueryDict

from apps.core.filters import FilterSet
from apps.wishes.filters import WishFilter

VALUES = ("", "1", "-3", "abc", "true", "false", "2026-01-01", "2026-01-01T08:00:00+08:00", "published", "1.5")


def _filtersets():
    for config in django_apps.get_app_configs():
        if config.name.startswith("apps."):
            try:
                importlib.import_module(f"{config.name}.filters")
            except ModuleNotFoundError:
                pass
    found, todo = [], [FilterSet]
    while todo:
        cls = todo.pop()
        todo.extend(cls.__subclasses__())
        if cls._meta.model is not None:
            found.append(cls)
    return sorted(found, key=lambda cls: cls.__qualname__)


def _keys(name, filter_):
    widget = filter_.field.widget
    if isinstance(widget, MultiWidget):
        return [name + suffix for suffix in widget.widgets_names]
    return [name]


def _datas(filterset_class):
    """Each filter alone with each value, every filter at once with each value, and the "near me" search."""
    filters = filterset_class.base_filters
    for name, filter_ in filters.items():
        for key in _keys(name, filter_):
            for value in VALUES:
                yield QueryDict(mutable=True) | {key: value}
    for value in VALUES:
        yield QueryDict(mutable=True) | {key: value for name, f in filters.items() for key in _keys(name, f)}
    if "latitude" in filters:
        yield QueryDict("latitude=31.23&longitude=121.47&radius=1500&status=published&status=claimed")
        yield QueryDict("latitude=31.23")


def _outcome(filterset_class, data, *, whole):
    filterset = filterset_class(data, queryset=filterset_class._meta.model._default_manager.all())
    filterset.whole_form = whole
    if not filterset.is_valid():
        return ("invalid", {k: [str(e) for e in v] for k, v in filterset.errors.items()})
    try:
        return ("valid", str(filterset.qs.query))
    except EmptyResultSet:  # a filter that matches nothing (an empty choice of ids)
        return ("valid", "nothing")


FILTERSETS = _filtersets()


def test_every_filterset_of_the_project_is_checked():
    names = {cls.__name__ for cls in FILTERSETS}
    assert {"WishFilter", "ActivityFilter", "SignUpFilter", "RegistrationFilter", "JobRunFilter"} <= names


@pytest.mark.parametrize("filterset_class", FILTERSETS, ids=lambda cls: cls.__name__)
def test_the_given_filters_filter_and_fail_as_every_filter_would(db, filterset_class):
    checked = 0
    for data in _datas(filterset_class):
        assert _outcome(filterset_class, data, whole=False) == _outcome(filterset_class, data, whole=True), data
        checked += 1
    assert checked >= len(filterset_class.base_filters) * len(VALUES)


def test_the_form_holds_only_the_given_filters(db):
    given = WishFilter(QueryDict("category=elderly&deadline_after=2026-01-01"))
    assert set(given.form.fields) == {"category", "deadline_after"} | {
        name for name, f in WishFilter.base_filters.items() if not _omittable(f)
    }
    assert set(WishFilter(QueryDict("")).form.fields) < set(WishFilter.base_filters)
    assert set(WishFilter().form.fields) == set(WishFilter.base_filters)  # unbound: every field


def _omittable(filter_):
    """Whether a widget can tell that the data gives no value (a multiple select or a checkbox cannot)."""
    probe = QueryDict("")
    return filter_.field.widget.value_omitted_from_data(probe, {}, "x")


def test_the_browsable_api_shows_every_filter(world, make_client):
    response = make_client(world.staff).get("/api/v1/wishes/?category=elderly", HTTP_ACCEPT="text/html")
    html = response.content.decode()
    assert response.status_code == 200
    for name in chain(*(_keys(name, f) for name, f in WishFilter.base_filters.items())):
        assert f'name="{name}"' in html, name
