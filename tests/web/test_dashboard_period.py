"""The dashboard's period picker: the form renders only the inputs the kind of period reads (the others `hidden`,
never `required`), and a first visit opens on default_period(): last year before LAST_YEAR_UNTIL, else this year, on
every page, in the export links and in the rankings; the statistics API keeps the current year."""

import re
from datetime import date, datetime

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from apps.stats.periods import period_of, year_period
from apps.web.dashboard.forms import LAST_YEAR_UNTIL, PERIOD_FIELDS, default_period

pytestmark = pytest.mark.django_db

PERIOD_INPUTS = {name for names in PERIOD_FIELDS.values() for name in names}
FIELD_BOX = re.compile(r'<div class="field dash-field-(?P<name>\w+)[^"]*"(?P<attrs>[^>]*)>(?P<body>.*?)</div>', re.S)
# Valid parameters for each kind (the inputs it reads).
SUBMITTED = {
    "year": {"year": "2026"},
    "quarter": {"year": "2026", "quarter": "2"},
    "month": {"year": "2026", "month": "11"},
    "day": {"day": "2026-05-04"},
    "range": {"start": "2026-03-01", "end": "2026-04-15"},
}


@pytest.fixture
def today(monkeypatch, settings):
    """today(date): from now on the platform's clock reads noon, local time, of that day."""

    def set_today(day):
        noon = datetime(day.year, day.month, day.day, 12, tzinfo=timezone.get_default_timezone())
        monkeypatch.setattr(timezone, "now", lambda: noon)

    return set_today


def reviewer_client(world):
    # Signed in after the clock is set: the session must not have expired on the day the test pretends it is.
    client = Client()
    client.force_login(world.reviewer)
    return client


def boxes(response):
    """{input name: (hidden?, the box's HTML)} for every input of the dashboard form."""
    html = response.content.decode()
    form = html[html.index('<form method="get" class="card dash-form"') :]
    form = form[: form.index("</form>")]
    return {m["name"]: (bool(re.search(r"\shidden(\s|$)", m["attrs"])), m.group(0)) for m in FIELD_BOX.finditer(form)}


@pytest.mark.parametrize(
    ("day", "year"),
    [
        (date(2027, 1, 1), 2026),
        (date(2027, 1, 10), 2026),
        (date(2027, 1, 31), 2026),
        (date(2027, 2, 1), 2027),
        (date(2027, 3, 1), 2027),
        (date(2027, 12, 31), 2027),
    ],
)
def test_the_default_period_is_last_year_until_february_then_this_year(day, year):
    assert LAST_YEAR_UNTIL == (2, 1)
    assert default_period(day) == year_period(year)


@pytest.mark.parametrize("kind", list(PERIOD_FIELDS))
def test_the_form_hides_the_inputs_the_kind_does_not_read(world, kind):
    response = reviewer_client(world).get(
        reverse("dashboard:home"), {"node": f"organ:{world.organ.pk}", "kind": kind, **SUBMITTED[kind]}
    )
    assert response.status_code == 200
    assert response.context["period"].kind == kind
    found = boxes(response)
    assert PERIOD_INPUTS <= set(found)
    for name in PERIOD_INPUTS:
        hidden, html = found[name]
        assert hidden == (name not in PERIOD_FIELDS[kind]), name
        # Each box says which kinds read it (web/period.js follows them), keeps its label on its input, and a
        # hidden input never stops the form from being sent.
        kinds = re.search(r'data-kinds="([^"]*)"', html).group(1).split()
        assert kinds == [k for k, names in PERIOD_FIELDS.items() if name in names]
        assert f'<label for="id_{name}">' in html and f'id="id_{name}"' in html
        assert "required" not in html
    for name in ("node", "kind"):
        hidden, html = found[name]
        assert not hidden and "data-kinds" not in html
    assert 'src="/static/web/period.js"' in response.content.decode()


def test_an_unknown_kind_shows_every_input_with_the_error(world):
    response = reviewer_client(world).get(reverse("dashboard:home"), {"kind": "week", "year": "2026"})
    assert response.status_code == 200
    assert response.context["form"].errors["kind"]
    assert not any(hidden for hidden, _html in boxes(response).values())


def test_a_missing_quarter_is_shown_with_its_error(world):
    response = reviewer_client(world).get(reverse("dashboard:home"), {"kind": "quarter", "year": "2026"})
    found = boxes(response)
    assert not found["quarter"][0] and 'class="error"' in found["quarter"][1]
    assert found["day"][0] and found["start"][0]


def test_a_first_visit_on_10_january_opens_on_last_year_everywhere(world, today):
    today(date(2027, 1, 10))
    client = reviewer_client(world)
    home = client.get(reverse("dashboard:home"))
    assert home.status_code == 200
    assert home.context["period"] == year_period(2026)
    found = boxes(home)
    assert re.search(r'<option value="year" selected>', found["kind"][1])
    assert 'value="2026"' in found["year"][1]
    assert {name for name, (hidden, _html) in found.items() if not hidden} == {"node", "kind", "year"}
    # The tabs and the Excel exports keep that period.
    body = home.content.decode()
    exports = re.findall(r'href="(/dashboard/export/[^"]+)"', body)
    assert exports and all("kind=year&amp;year=2026" in href for href in exports)
    assert "kind=year&amp;year=2026" in re.search(r'href="([^"]*rankings[^"]*)"', body).group(1)
    # The rankings and an export opened without any parameter too.
    assert client.get(reverse("dashboard:rankings")).context["period"] == year_period(2026)
    workbook = client.get(reverse("dashboard:export", args=["members"]))
    assert workbook.status_code == 200
    assert "2026" in workbook["Content-Disposition"]
    # Only ?page=2 is still a first visit.
    assert client.get(reverse("dashboard:members"), {"page": "2"}).context["period"] == year_period(2026)
    # A year chosen is the year shown, and a kind=year without a year is the default one.
    assert client.get(reverse("dashboard:home"), {"kind": "year", "year": "2027"}).context["period"] == year_period(
        2027
    )
    assert client.get(reverse("dashboard:home"), {"kind": "year"}).context["period"] == year_period(2026)


def test_the_statistics_api_keeps_the_current_year_as_its_default(world, today):
    today(date(2027, 1, 10))
    client = reviewer_client(world)
    response = client.get("/api/v1/stats/summary/")
    assert response.status_code == 200
    assert response.json()["period"]["label"] == "2027"


def test_a_first_visit_on_1_march_opens_on_this_year(world, today):
    today(date(2027, 3, 1))
    client = reviewer_client(world)
    home = client.get(reverse("dashboard:home"))
    assert home.context["period"] == year_period(2027) == period_of()
    assert 'value="2027"' in boxes(home)["year"][1]
    assert client.get(reverse("dashboard:rankings")).context["period"] == year_period(2027)


@pytest.mark.parametrize("kind", list(PERIOD_FIELDS))
def test_each_kind_submitted_in_january_is_the_period_shown(world, today, kind):
    today(date(2027, 1, 10))
    response = reviewer_client(world).get(
        reverse("dashboard:rankings"), {"node": f"organ:{world.organ.pk}", "kind": kind, **SUBMITTED[kind]}
    )
    assert response.status_code == 200
    params = {key: (date.fromisoformat(v) if "-" in v else int(v)) for key, v in SUBMITTED[kind].items()}
    assert response.context["period"] == period_of(**params)
