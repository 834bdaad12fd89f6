"""Statistics periods: whole local days from a first to a last day, named by year, quarter, month, day or range."""

import calendar
from dataclasses import dataclass
from datetime import date, timedelta

from django.utils import timezone

from apps.ledger.selectors import day_bounds
from apps.stats import errors

MAX_DAYS = 3653  # ten years


@dataclass(frozen=True)
class Period:
    first_day: date
    last_day: date
    kind: str  # "year", "quarter", "month", "day" or "range"

    @property
    def bounds(self):
        """The aware half-open datetimes [first_day 00:00, day after last_day 00:00) in the local time zone."""
        return day_bounds(self.first_day, self.last_day)

    @property
    def days(self):
        return (self.last_day - self.first_day).days + 1

    @property
    def year(self):
        """The year whose rules (star levels, evaluations) apply: the year the period starts in."""
        return self.first_day.year

    @property
    def label(self):
        if self.kind == "year":
            return str(self.first_day.year)
        if self.kind == "quarter":
            return f"{self.first_day.year}Q{(self.first_day.month - 1) // 3 + 1}"
        if self.kind == "month":
            return self.first_day.strftime("%Y-%m")
        if self.kind == "day":
            return self.first_day.isoformat()
        return f"{self.first_day.isoformat()}/{self.last_day.isoformat()}"

    def year_share(self):
        """How much of a year the period is: the sum, over the calendar years it touches, of the days it covers
        divided by that year's length (a whole calendar year is exactly 1)."""
        share = 0.0
        for year in range(self.first_day.year, self.last_day.year + 1):
            first = max(self.first_day, date(year, 1, 1))
            last = min(self.last_day, date(year, 12, 31))
            share += ((last - first).days + 1) / (366 if calendar.isleap(year) else 365)
        return share

    def months(self):
        """The first day of every month the period touches."""
        month = self.first_day.replace(day=1)
        while month <= self.last_day:
            yield month
            month = (month + timedelta(days=32)).replace(day=1)


def year_period(year):
    return Period(date(year, 1, 1), date(year, 12, 31), "year")


def period_of(*, year=None, quarter=None, month=None, day=None, start=None, end=None):
    """The period named by exactly one of: `year` (with `quarter` 1-4 or `month` 1-12, or neither), `day`, or
    `start` and `end` (both inclusive). Nothing at all means the current year."""
    named_year = year is not None or quarter is not None or month is not None
    named_range = start is not None or end is not None
    if sum((named_year, day is not None, named_range)) > 1:
        raise errors.period_invalid()
    if day is not None:
        return Period(day, day, "day")
    if named_range:
        if start is None or end is None:
            raise errors.period_invalid()
        if end < start:
            raise errors.period_invalid(errors.PERIOD_REVERSED)
        if (end - start).days + 1 > MAX_DAYS:
            raise errors.period_invalid(errors.PERIOD_TOO_LONG)
        return Period(start, end, "range")
    if year is None:
        if named_year:  # a quarter or month without its year
            raise errors.period_invalid()
        year = timezone.localdate().year
    if not 2000 <= year <= 2100 or (quarter is not None and month is not None):
        raise errors.period_invalid()
    if quarter is not None:
        if not 1 <= quarter <= 4:
            raise errors.period_invalid()
        first = date(year, 3 * quarter - 2, 1)
        last_month = 3 * quarter
        return Period(first, date(year, last_month, calendar.monthrange(year, last_month)[1]), "quarter")
    if month is not None:
        if not 1 <= month <= 12:
            raise errors.period_invalid()
        return Period(date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1]), "month")
    return year_period(year)
