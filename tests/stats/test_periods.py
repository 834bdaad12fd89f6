"""Statistics periods: naming a period by year, quarter, month, day or range; its share of a year; its months."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from apps.core.errors import Invalid
from apps.stats import errors
from apps.stats.periods import Period, period_of, year_period

LOCAL = ZoneInfo("Asia/Shanghai")


@pytest.mark.parametrize(
    "kwargs, first, last, kind, label",
    [
        ({"year": 2024}, date(2024, 1, 1), date(2024, 12, 31), "year", "2024"),
        ({"year": 2024, "quarter": 1}, date(2024, 1, 1), date(2024, 3, 31), "quarter", "2024Q1"),
        ({"year": 2023, "quarter": 2}, date(2023, 4, 1), date(2023, 6, 30), "quarter", "2023Q2"),
        ({"year": 2024, "quarter": 4}, date(2024, 10, 1), date(2024, 12, 31), "quarter", "2024Q4"),
        ({"year": 2024, "month": 2}, date(2024, 2, 1), date(2024, 2, 29), "month", "2024-02"),
        ({"year": 2023, "month": 2}, date(2023, 2, 1), date(2023, 2, 28), "month", "2023-02"),
        ({"year": 2024, "month": 12}, date(2024, 12, 1), date(2024, 12, 31), "month", "2024-12"),
        ({"day": date(2024, 5, 10)}, date(2024, 5, 10), date(2024, 5, 10), "day", "2024-05-10"),
        (
            {"start": date(2023, 12, 15), "end": date(2024, 1, 15)},
            date(2023, 12, 15),
            date(2024, 1, 15),
            "range",
            "2023-12-15/2024-01-15",
        ),
        ({"start": date(2024, 3, 1), "end": date(2024, 3, 1)}, date(2024, 3, 1), date(2024, 3, 1), "range", None),
        ({"year": 2000}, date(2000, 1, 1), date(2000, 12, 31), "year", "2000"),
        ({"year": 2100, "month": 1}, date(2100, 1, 1), date(2100, 1, 31), "month", "2100-01"),
    ],
)
def test_period_of_names_whole_days(kwargs, first, last, kind, label):
    period = period_of(**kwargs)
    assert (period.first_day, period.last_day, period.kind) == (first, last, kind)
    assert period.days == (last - first).days + 1
    assert period.year == first.year
    if label:
        assert period.label == label


def test_nothing_named_is_the_current_local_year():
    assert period_of() == year_period(timezone.localdate().year)


def test_bounds_are_local_midnights_half_open():
    start, end = period_of(start=date(2023, 12, 31), end=date(2024, 1, 1)).bounds
    assert start == datetime(2023, 12, 31, tzinfo=LOCAL)
    assert end == datetime(2024, 1, 2, tzinfo=LOCAL)
    assert end - start == timedelta(days=2)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"quarter": 1},  # a quarter without its year
        {"month": 5},
        {"quarter": 1, "month": 5},
        {"year": 2024, "quarter": 1, "month": 2},
        {"year": 2024, "quarter": 0},
        {"year": 2024, "quarter": 5},
        {"year": 2024, "month": 0},
        {"year": 2024, "month": 13},
        {"year": 1999},
        {"year": 2101},
        {"year": 2024, "day": date(2024, 5, 10)},
        {"month": 5, "day": date(2024, 5, 10)},
        {"day": date(2024, 5, 10), "start": date(2024, 5, 1), "end": date(2024, 5, 31)},
        {"year": 2024, "start": date(2024, 5, 1), "end": date(2024, 5, 31)},
        {"start": date(2024, 5, 1)},  # a range needs both ends
        {"end": date(2024, 5, 31)},
    ],
)
def test_invalid_combinations_and_values_are_refused(kwargs):
    with pytest.raises(Invalid) as exc:
        period_of(**kwargs)
    assert (exc.value.code, exc.value.message) == ("period_invalid", errors.PERIOD_INVALID)


def test_a_reversed_range_is_refused_with_its_own_message():
    with pytest.raises(Invalid) as exc:
        period_of(start=date(2024, 5, 2), end=date(2024, 5, 1))
    assert (exc.value.code, exc.value.message) == ("period_invalid", errors.PERIOD_REVERSED)


def test_a_range_is_at_most_ten_years_long():
    start = date(2020, 1, 1)
    assert period_of(start=start, end=start + timedelta(days=3652)).days == 3653
    with pytest.raises(Invalid) as exc:
        period_of(start=start, end=start + timedelta(days=3653))
    assert (exc.value.code, exc.value.message) == ("period_invalid", errors.PERIOD_TOO_LONG)


@pytest.mark.parametrize("year", [2023, 2024, 2100])
def test_a_calendar_year_is_exactly_one_year(year):
    assert year_period(year).year_share() == 1.0


@pytest.mark.parametrize(
    "period, share",
    [
        (period_of(year=2023, quarter=1), 90 / 365),
        (period_of(year=2024, quarter=1), 91 / 366),
        (period_of(year=2024, quarter=3), 92 / 366),
        (period_of(year=2024, month=2), 29 / 366),
        (period_of(day=date(2023, 6, 1)), 1 / 365),
        # Across the new year: each part is a share of its own year's length.
        (period_of(start=date(2023, 12, 1), end=date(2024, 1, 31)), 31 / 365 + 31 / 366),
        (period_of(start=date(2023, 1, 1), end=date(2024, 12, 31)), 2.0),
        (period_of(start=date(2023, 7, 1), end=date(2025, 6, 30)), 184 / 365 + 1 + 181 / 365),
    ],
)
def test_year_share_counts_days_against_the_length_of_their_own_year(period, share):
    assert period.year_share() == pytest.approx(share)


def test_four_quarters_make_a_year():
    assert sum(period_of(year=2024, quarter=q).year_share() for q in range(1, 5)) == pytest.approx(1.0)
    assert all(0.24 < period_of(year=2023, quarter=q).year_share() < 0.26 for q in range(1, 5))


@pytest.mark.parametrize(
    "period, months",
    [
        (period_of(year=2024), [date(2024, m, 1) for m in range(1, 13)]),
        (period_of(year=2024, quarter=4), [date(2024, 10, 1), date(2024, 11, 1), date(2024, 12, 1)]),
        (period_of(day=date(2024, 1, 31)), [date(2024, 1, 1)]),
        (
            period_of(start=date(2023, 11, 30), end=date(2024, 2, 1)),
            [date(2023, 11, 1), date(2023, 12, 1), date(2024, 1, 1), date(2024, 2, 1)],
        ),
        (Period(date(2024, 1, 31), date(2024, 3, 1), "range"), [date(2024, 1, 1), date(2024, 2, 1), date(2024, 3, 1)]),
    ],
)
def test_months_lists_the_first_day_of_every_month_touched(period, months):
    assert list(period.months()) == months
