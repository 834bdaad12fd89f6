"""Browser tests: Playwright drives Debian's Chromium (/usr/bin/chromium) against the live test server.

Chromium comes from `apt-get install chromium` (scripts/test installs it with fonts-noto-cjk, so Chinese renders in
screenshots); `playwright install` is never run. Every test here is marked `e2e` and shares one browser per worker.
Screenshots go to E2E_SCREENSHOT_DIR (default var/screenshots/); docs/user-guide.md shows copies in docs/img/.
"""

import os
import shutil
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest

from tests import factories as f

# Playwright's sync API runs an event loop in this thread; the ORM calls the tests make between browser steps are
# still synchronous and safe (the live server answers from its own thread).
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("E2E_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SCREENSHOT_DIR = Path(os.environ.get("E2E_SCREENSHOT_DIR", Path(__file__).resolve().parents[2] / "var" / "screenshots"))
PASSWORD = "E2e@Pass2026"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}


def pytest_collection_modifyitems(config, items):
    here = Path(__file__).parent
    for item in items:
        if here in Path(item.fspath).parents:
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="session")
def browser():
    if not shutil.which(CHROMIUM) and not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: scripts/test installs it (apt-get install chromium fonts-noto-cjk)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


class Visitor:
    """One signed-in person in a browser context of their own (phone-sized unless told otherwise)."""

    def __init__(self, browser, base_url, user, *, viewport=PHONE):
        self.base_url = base_url
        self.user = user
        self.context = browser.new_context(viewport=viewport, locale="zh-CN", base_url=base_url)
        self.context.set_default_timeout(15_000)
        self.page = self.context.new_page()
        # What the Content-Security-Policy blocked (Chromium reports each on the console): `visit` fails the test.
        self.csp_violations = []
        self.page.on("console", self._console)
        if user is not None:
            self.log_in()

    def _console(self, message):
        if message.type == "error" and "Content Security Policy" in message.text:
            self.csp_violations.append(f"{self.page.url}: {message.text}")

    def log_in(self):
        page = self.page
        page.goto("/login/")
        page.fill("input[name=username]", self.user.phone)
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_load_state()

    def go(self, path):
        response = self.page.goto(path)
        self.page.wait_for_load_state()
        return response

    def shot(self, name, *, full_page=True):
        """Save a screenshot as <name>.png (name says page and size, e.g. member-home-phone)."""
        SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(path=str(SCREENSHOT_DIR / f"{name}.png"), full_page=full_page)

    def close(self):
        self.context.close()


@pytest.fixture
def visit(browser, live_server):
    """visit(user, viewport=PHONE) → a signed-in Visitor; visit(None) an anonymous one. Closed after the test, which
    then fails if the Content-Security-Policy blocked anything on any page it opened."""
    opened = []

    def open_as(user, *, viewport=PHONE):
        visitor = Visitor(browser, live_server.url, user, viewport=viewport)
        opened.append(visitor)
        return visitor

    yield open_as
    blocked = [violation for visitor in opened for violation in visitor.csp_violations]
    for visitor in opened:
        visitor.close()
    assert not blocked, "the Content-Security-Policy blocked:\n" + "\n".join(blocked)


def with_password(user):
    """Give a test user the e2e password (the factories' users have unusable passwords)."""
    user.set_password(PASSWORD)
    user.save(update_fields=["password"])
    return user


@pytest.fixture
def e2e_world(transactional_db):
    """The shared `world`, built for the live server (committed rows), every user able to log in."""
    from tests.conftest import World

    world = World()
    for name in World.ROLE_NAMES:
        with_password(world.user(name))
    return world


__all__ = ["DESKTOP", "PHONE", "PASSWORD", "with_password", "f"]


def last_years_certificate(world, *, actor):
    """Last year's certificate of the world's member (王建国): two services, 4.5 hours in all, in 幸福社区."""
    from django.utils import timezone

    from apps.ledger import services as ledger_services
    from apps.ledger.certificates import certificate_issue
    from apps.ledger.models import RecordStatus, ServiceCategory, ServiceSource
    from apps.places.models import Community

    Community.objects.filter(pk=world.community.pk).update(name="幸福社区", contact_phone="0571-87001234")
    world.member.user.name = "王建国"
    world.member.user.save(update_fields=["name"])
    year = timezone.localdate().year - 1
    for month, minutes, content in ((3, 150, "社区环境卫生整治"), (5, 120, "关爱帮扶独居老人")):
        start = timezone.make_aware(datetime(year, month, 12, 9))
        ledger_services.record_create(
            member=world.member,
            community=world.community,
            grid=world.grid,
            source=ServiceSource.MANUAL,
            source_id=None,
            category=ServiceCategory.CARE_VISIT,
            content=content,
            started_at=start,
            ended_at=start + timedelta(minutes=minutes),
            credited_minutes=minutes,
            status=RecordStatus.APPROVED,
            decided_by=world.staff,
        )
    return certificate_issue(
        member=world.member, actor=actor, period_start=date(year, 1, 1), period_end=date(year, 12, 31)
    )
