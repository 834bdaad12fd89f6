"""Truly parallel claims over real HTTP against a live server: one wish, many claimants → exactly one winner.

The requests go through urllib from a thread pool to pytest-django's live server (each request is served in its own
thread with its own database connection), authenticated with HTTP Basic. On SQLite the file-backed test database
and BEGIN IMMEDIATE queue the writers; on PostgreSQL (DATABASE_URL) the conditional UPDATE and row locks decide.
"""

import pytest

from apps.wishes.models import ClaimStatus, Wish, WishClaim, WishStatus
from tests import factories as f
from tests.parallel import post_all
from tests.wishes.conftest import WishFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_fifty_parallel_claims_of_one_wish_have_exactly_one_winner(parallel_server):
    grid = f.GridFactory()
    members = [f.MemberFactory() for _ in range(50)]
    for member in members:
        f.RegistrationFactory(member=member, grid=grid)
    wish = WishFactory(grid=grid)
    url = f"{parallel_server.url}/api/v1/wishes/{wish.pk}/claim/"

    results = post_all([(url, m.user.phone) for m in members])

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


def test_one_member_claiming_ten_wishes_at_once_gets_exactly_the_limit(parallel_server, settings):
    settings.WISH_MAX_OPEN_CLAIMS = 3
    grid = f.GridFactory()
    member = f.MemberFactory()
    f.RegistrationFactory(member=member, grid=grid)
    wishes = [WishFactory(grid=grid) for _ in range(10)]

    results = post_all([(f"{parallel_server.url}/api/v1/wishes/{w.pk}/claim/", member.user.phone) for w in wishes])

    assert not [r for r in results if r[0] >= 500], results
    assert sorted(status for status, _ in results) == [201] * 3 + [409] * 7, results
    assert {body.get("code") for status, body in results if status == 409} == {"claim_limit_reached"}
    assert WishClaim.objects.filter(member=member, status=ClaimStatus.ACTIVE).count() == 3
    assert Wish.objects.filter(pk__in=[w.pk for w in wishes], status=WishStatus.CLAIMED).count() == 3


def test_a_team_claim_racing_member_claims_leaves_exactly_one_winner(parallel_server):
    from apps.teams import services as team_services
    from apps.teams.models import TeamSpecialty

    grid = f.GridFactory()
    leader = f.MemberFactory()
    f.RegistrationFactory(member=leader, grid=grid)
    team = team_services.team_create(
        actor=None, organ=leader.organ, leader=leader, name="助老服务队", specialty=TeamSpecialty.ELDERLY_CARE
    )
    members = [f.MemberFactory() for _ in range(9)]
    for member in members:
        f.RegistrationFactory(member=member, grid=grid)
    wish = WishFactory(grid=grid)
    url = f"{parallel_server.url}/api/v1/wishes/{wish.pk}/claim/"

    # The leader claims for the team in the middle of the crowd of members claiming for themselves.
    claimants = members[:5] + [team] + members[5:]
    calls = [(url, leader.user.phone, {"as_team": team.pk}) if c is team else (url, c.user.phone) for c in claimants]
    results = post_all(calls)

    assert not [r for r in results if r[0] >= 500], results
    assert sorted(status for status, _ in results) == [201] + [409] * 9, results
    assert {body.get("code") for status, body in results if status == 409} == {"wish_already_claimed"}
    winner = claimants[[status for status, _ in results].index(201)]
    claim = WishClaim.objects.get(wish=wish)
    assert claim.status == ClaimStatus.ACTIVE
    assert (claim.team, claim.member) == ((team, None) if winner is team else (None, winner))
    wish.refresh_from_db()
    assert wish.status == WishStatus.CLAIMED


def test_a_team_claiming_ten_wishes_at_once_gets_exactly_its_limit(parallel_server, settings):
    from apps.teams import services as team_services
    from apps.teams.models import TeamSpecialty

    settings.WISH_MAX_OPEN_CLAIMS = 3
    grid = f.GridFactory()
    leader = f.MemberFactory()
    f.RegistrationFactory(member=leader, grid=grid)
    team = team_services.team_create(
        actor=None, organ=leader.organ, leader=leader, name="助学服务队", specialty=TeamSpecialty.TUTORING
    )
    wishes = [WishFactory(grid=grid) for _ in range(10)]

    calls = [
        (f"{parallel_server.url}/api/v1/wishes/{w.pk}/claim/", leader.user.phone, {"as_team": team.pk}) for w in wishes
    ]
    results = post_all(calls)

    assert not [r for r in results if r[0] >= 500], results
    assert sorted(status for status, _ in results) == [201] * 3 + [409] * 7, results
    assert {body.get("code") for status, body in results if status == 409} == {"claim_limit_reached"}
    assert WishClaim.objects.filter(team=team, status=ClaimStatus.ACTIVE).count() == 3
