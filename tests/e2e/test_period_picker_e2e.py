"""The dashboard's period picker in a real browser: choosing a kind of period shows only the inputs it reads
(web/period.js), an input left hidden never stops the form, and without JavaScript every input is shown."""

from apps.web.dashboard.forms import PERIOD_FIELDS, default_period
from tests.e2e.a11y import accessibility_problems
from tests.e2e.conftest import DESKTOP, PASSWORD

PERIOD_INPUTS = ("year", "quarter", "month", "day", "start", "end")


def visible_inputs(page):
    return {name for name in PERIOD_INPUTS if page.locator(f"#id_{name}").is_visible()}


def test_choosing_a_kind_shows_only_the_inputs_it_reads(visit, e2e_world):
    reviewer = visit(e2e_world.reviewer, viewport=DESKTOP)
    reviewer.go("/dashboard/")
    page = reviewer.page
    assert page.locator("#id_kind").input_value() == "year"
    assert page.locator("#id_year").input_value() == str(default_period().year)
    assert visible_inputs(page) == {"year"}

    page.select_option("#id_kind", "quarter")
    assert visible_inputs(page) == {"year", "quarter"} == set(PERIOD_FIELDS["quarter"])
    page.select_option("#id_kind", "range")
    assert visible_inputs(page) == {"start", "end"}
    assert accessibility_problems(page) == []

    # A date range is sent and shown with its own inputs.
    page.fill("#id_start", "2026-03-01")
    page.fill("#id_end", "2026-04-15")
    page.click(".dash-form button[type=submit]")
    page.wait_for_load_state()
    assert "kind=range" in page.url and "start=2026-03-01" in page.url
    assert page.locator(".dash-node").inner_text().endswith("2026-04-15")
    assert visible_inputs(page) == {"start", "end"}

    # A year the browser finds out of range, once hidden, does not stop a day from being sent.
    page.select_option("#id_kind", "year")
    page.fill("#id_year", "1999")
    page.select_option("#id_kind", "day")
    assert visible_inputs(page) == {"day"}
    page.fill("#id_day", "2026-05-04")
    page.click(".dash-form button[type=submit]")
    page.wait_for_url("**kind=day**")
    assert "day=2026-05-04" in page.url and "year=1999" not in page.url


def test_without_javascript_every_period_input_is_shown(browser, live_server, e2e_world):
    context = browser.new_context(java_script_enabled=False, viewport=DESKTOP, base_url=live_server.url)
    try:
        page = context.new_page()
        page.goto("/login/")
        page.fill("input[name=username]", e2e_world.reviewer.phone)
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_load_state()
        page.goto("/dashboard/?kind=quarter&year=2026&quarter=2")
        assert visible_inputs(page) == set(PERIOD_INPUTS)
    finally:
        context.close()
