"""Every page each role can reach from its navigation: it opens (no error page), passes the accessibility checks,
and the keyboard reaches its main content. New pages are covered as soon as a navigation link leads to them."""

from urllib.parse import urlsplit

import pytest

from tests.e2e.a11y import accessibility_problems, keyboard_reaches
from tests.e2e.conftest import DESKTOP, PHONE

# Not pages to judge: downloads (links marked `download`, and exports), the API and its docs, the admin site.
SKIP_PREFIXES = ("/api/", "/admin/", "/logout/", "/i18n/", "/static/", "/media/")
SKIP_SUFFIXES = (".xlsx", ".pdf", ".csv", ".svg", ".png")
MAX_PAGES = 40


def reachable_pages(visitor):
    """Breadth-first over same-site links from the navigation bars and the page body, two levels deep.

    Yields (path, HTTP status) with the page open in the visitor's browser.
    """
    start = urlsplit(visitor.page.url).path
    seen, frontier, pages = {start}, [start], []
    for _depth in range(3):
        next_frontier = []
        for path in frontier:
            response = visitor.go(path)
            pages.append(path)
            yield path, response.status
            if len(pages) >= MAX_PAGES:
                return
            links = "nav a[href]:not([download]), main a[href]:not([download])"
            hrefs = visitor.page.eval_on_selector_all(links, "els => els.map(e => e.getAttribute('href'))")
            for href in hrefs:
                parts = urlsplit(href)
                if parts.netloc or not parts.path.startswith("/"):
                    continue
                link = parts.path + (f"?{parts.query}" if parts.query else "")
                skipped = parts.path.startswith(SKIP_PREFIXES) or parts.path.endswith(SKIP_SUFFIXES)
                if skipped or "/export" in parts.path or link in seen:
                    continue
                seen.add(link)
                next_frontier.append(link)
        frontier = next_frontier


@pytest.mark.parametrize("role", ["member", "staff", "grid_worker", "reviewer", "secretary", "street_admin"])
def test_every_reachable_page_opens_and_passes_the_accessibility_checks(visit, e2e_world, role):
    visitor = visit(e2e_world.user(role), viewport=PHONE if role == "member" else DESKTOP)
    found = {}
    for path, status in reachable_pages(visitor):
        assert status == 200, f"{role} got {status} on {path}"
        problems = accessibility_problems(visitor.page)
        if problems:
            found[path] = problems
        assert keyboard_reaches(visitor.page, "main a, main button, main input, main select"), path
    assert not found, found
