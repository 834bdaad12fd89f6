"""A page of a list and the list's total in one query, for Django's Paginator.

Paginator asks its list for a count and then for the page's rows: two queries on a queryset. OnePageQuery reads the
asked page's rows with the list's total in the same query (COUNT(*) OVER (), a window function the database computes
before the LIMIT), so a list page costs one query. Anything else Paginator may ask (a page number past the end, "last",
a page resized by orphans) falls back to the plain count and slice, with the same result as before.

The pages' lists use it (OneQueryPagesMixin), and the API's lists bounded by their user (apps.core.api.pagination).
"""

from django.db.models import Count, Window

_TOTAL = "one_page_query_total"

# A page number past this one is left to the plain count (Paginator then answers it as past the end) rather than
# becoming an OFFSET the database may not take.
MAX_PAGE = 1_000_000


def asked_page(value):
    """The page number as Paginator.validate_number reads it, or None when it would not take it as one."""
    try:
        number = int(value)
    except (TypeError, ValueError):
        return None
    return number if number >= 1 else None


def rows_and_total(queryset, start, stop):
    """The rows [start, stop) of `queryset` and the number of all its rows, in one query (None for the total when
    the slice is empty: past the end, the window has no row to carry it)."""
    rows = list(queryset.annotate(**{_TOTAL: Window(Count("*"))})[start:stop])
    return rows, (getattr(rows[0], _TOTAL) if rows else None)


class OnePageQuery:
    """A queryset seen by Paginator through the one page it will be asked for."""

    def __init__(self, queryset, *, page, per_page):
        self.queryset = queryset
        self.per_page = per_page
        number = asked_page(page)
        self.number = number if number is not None and number <= MAX_PAGE else None
        self._start = None
        self._rows = None
        self._count = None

    def count(self):
        if self._count is None:
            if self.number is not None:
                start = (self.number - 1) * self.per_page
                rows, total = rows_and_total(self.queryset, start, start + self.per_page)
                if rows:
                    self._start, self._rows, self._count = start, rows, total
            if self._count is None:  # no page asked, or one past the end: the total alone
                self._count = self.queryset.count()
        return self._count

    def __len__(self):
        return self.count()

    def __getitem__(self, key):
        if (
            self._rows is not None
            and isinstance(key, slice)
            and key.step is None
            and key.start == self._start
            and key.stop is not None
            and key.stop - self._start <= len(self._rows)
        ):
            return self._rows[: key.stop - self._start]
        return self.queryset[key]


class OneQueryPagesMixin:
    """For a paginated ListView: each page read with its list's total in one query (OnePageQuery)."""

    def get_paginator(self, queryset, per_page, **kwargs):
        page = self.kwargs.get(self.page_kwarg) or self.request.GET.get(self.page_kwarg) or 1
        return super().get_paginator(OnePageQuery(queryset, page=page, per_page=per_page), per_page, **kwargs)
