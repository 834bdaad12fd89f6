"""Truly parallel claims over real HTTP against a live server: one wish, many claimants → exactly one winner.

The requests go through urllib from a thread pool to pytest-django's live server (each request is served in its own
thread with its own database connection), authenticated with HTTP Basic. On SQLite the file-backed test database
and BEGIN IMMEDIATE queue the writers; on PostgreSQL (DATABASE_URL) the conditional UPDATE and row locks decide.
"""

import base64
import json
import threading
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import pytest

from apps.wishes.models import ClaimStatus, Wish, WishClaim, WishStatus
from tests import factories as f
from tests.wishes.conftest import WishFactory

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "pass-word-123"  # tests.factories.UserFactory


@pytest.fixture
def server(live_server):
    """The live server, able to take every connection at once.

    Django's development server listens with a backlog of 10: fifty simultaneous connections would overflow it and
    be reset by the kernel before reaching Django, which tests the socket, not the claim (gunicorn's backlog is 2048).
    Listening again on the bound socket only raises the backlog.
    """
    live_server.thread.httpd.socket.listen(512)
    return live_server


def _post(url, phone, barrier):
    token = base64.b64encode(f"{phone}:{PASSWORD}".encode()).decode()
    request = urllib.request.Request(
        url,
        data=b"{}",
        method="POST",
        headers={"Authorization": f"Basic {token}", "Content-Type": "application/json"},
    )
    barrier.wait(timeout=30)
    try:
        with urllib.request.urlopen(request, timeout=120) as response:
            return response.status, json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as exc:
        body = exc.read()
        try:
            return exc.code, json.loads(body)
        except ValueError:
            return exc.code, {"raw": body[:200].decode(errors="replace")}


def _fire(calls):
    """Send every (url, phone) at once; returns [(status, body)] in the same order."""
    barrier = threading.Barrier(len(calls))
    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        futures = [pool.submit(_post, url, phone, barrier) for url, phone in calls]
        return [future.result(timeout=300) for future in futures]


def test_fifty_parallel_claims_of_one_wish_have_exactly_one_winner(server):
    grid = f.GridFactory()
    members = [f.MemberFactory() for _ in range(50)]
    for member in members:
        f.RegistrationFactory(member=member, grid=grid)
    wish = WishFactory(grid=grid)
    url = f"{server.url}/api/v1/wishes/{wish.pk}/claim/"

    results = _fire([(url, m.user.phone) for m in members])

    statuses = [status for status, _ in results]
    assert not [r for r in results if r[0] >= 500], results
    winners = [i for i, (status, _) in enumerate(results) if status in (200, 201)]
    assert len(winners) == 1, statuses
    losers = [body.get("code") for status, body in results if status not in (200, 201)]
    assert losers == ["wish_already_claimed"] * 49, results
    assert all(status == 409 for status, _ in results if status not in (200, 201))

    claims = WishClaim.objects.filter(wish=wish)
    assert claims.count() == 1
    claim = claims.get()
    assert claim.status == ClaimStatus.ACTIVE and claim.member_id == members[winners[0]].pk
    wish.refresh_from_db()
    assert wish.status == WishStatus.CLAIMED


def test_one_member_claiming_ten_wishes_at_once_gets_exactly_the_limit(server, settings):
    settings.WISH_MAX_OPEN_CLAIMS = 3
    grid = f.GridFactory()
    member = f.MemberFactory()
    f.RegistrationFactory(member=member, grid=grid)
    wishes = [WishFactory(grid=grid) for _ in range(10)]

    results = _fire([(f"{server.url}/api/v1/wishes/{w.pk}/claim/", member.user.phone) for w in wishes])

    assert not [r for r in results if r[0] >= 500], results
    assert sorted(status for status, _ in results) == [201] * 3 + [409] * 7, results
    assert {body.get("code") for status, body in results if status == 409} == {"claim_limit_reached"}
    assert WishClaim.objects.filter(member=member, status=ClaimStatus.ACTIVE).count() == 3
    assert Wish.objects.filter(pk__in=[w.pk for w in wishes], status=WishStatus.CLAIMED).count() == 3
