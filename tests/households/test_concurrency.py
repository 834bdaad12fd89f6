"""Two pairings of one household with the same member (or team) created at once: exactly one open pairing, and a clear
409 pairing_exists for the other, never a 500 nor a second row.

The parallel requests go over real HTTP to a live server (tests/parallel.py), each in its own thread and database
connection, on SQLite (the file-backed test database, whose BEGIN IMMEDIATE transactions queue) and on PostgreSQL
(where the household's row lock queues them). The tests marked `postgres` hold the first transaction open to show
the household's row lock at work there: the second pairing waits for the first to commit, then sees it.
"""

import threading
import time

import pytest
from django.db import connection, connections, transaction

from apps.core.errors import Conflict
from apps.households import services
from apps.households.models import HouseholdPairing
from tests.households.conftest import make_household, register
from tests.parallel import post_all
from tests.teams.conftest import make_team

pytestmark = pytest.mark.django_db(transaction=True)


def _pair_in_parallel(server, world, household, partner, times):
    url = f"{server.url}/api/v1/household-pairings/"
    body = {"household": household.pk, **partner}
    return post_all([(url, world.staff.phone, body)] * times)


def _assert_one_winner(results, times):
    assert not [r for r in results if r[0] >= 500], results
    assert sorted(status for status, _ in results) == [201] + [409] * (times - 1), results
    assert {body.get("code") for status, body in results if status == 409} == {"pairing_exists"}


def test_parallel_pairings_of_one_member_leave_one_open_pairing(parallel_server, world):
    household = make_household(world)
    register(world.member, world.community)

    results = _pair_in_parallel(parallel_server, world, household, {"member": world.member.pk}, times=6)

    _assert_one_winner(results, 6)
    pairing = HouseholdPairing.objects.get(household=household, ended_on__isnull=True)
    assert pairing.member_id == world.member.pk
    assert pairing.pk == next(body["id"] for status, body in results if status == 201)


def test_parallel_pairings_of_one_team_leave_one_open_pairing(parallel_server, world):
    household = make_household(world)
    team = make_team(leader=world.member)

    results = _pair_in_parallel(parallel_server, world, household, {"team": team.pk}, times=6)

    _assert_one_winner(results, 6)
    assert HouseholdPairing.objects.filter(household=household, ended_on__isnull=True).count() == 1
    assert HouseholdPairing.objects.get(household=household).team_id == team.pk


# --- PostgreSQL: the first transaction held open -------------------------------------------------------------------


def _run_in_threads(targets):
    """Run each callable in its own thread (own database connection); return results or the exceptions raised."""
    results = [None] * len(targets)

    def run(i, target):
        try:
            results[i] = target()
        except Exception as exc:  # noqa: BLE001 - the test looks at it
            results[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, t)) for i, t in enumerate(targets)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(t.is_alive() for t in threads), "a thread did not finish"
    return results


def _wait_until_a_backend_waits_on_a_lock(timeout=20):
    """Poll PostgreSQL until another session is blocked on a lock, without fixed sleeps."""
    deadline = time.monotonic() + timeout
    with connections["default"].cursor() as cursor:
        while time.monotonic() < deadline:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND datname = current_database()"
            )
            if cursor.fetchone()[0]:
                return
            time.sleep(0.01)
    raise AssertionError("the second transaction never waited for the first")


def _race_with_the_first_held_open(first_work, second_work):
    """`first_work` in a transaction kept open until the second call is seen waiting on a lock; then it commits."""
    started, release = threading.Event(), threading.Event()

    def first():
        with transaction.atomic():
            result = first_work()
            started.set()
            assert release.wait(timeout=30)
        return result

    def second():
        assert started.wait(timeout=30)
        return second_work()

    def watcher():
        assert started.wait(timeout=30)
        _wait_until_a_backend_waits_on_a_lock()
        release.set()

    return _run_in_threads([first, second, watcher])


@pytest.mark.postgres
def test_the_second_pairing_waits_for_the_households_lock_and_is_refused(world):
    household = make_household(world)
    register(world.member, world.community)

    def pair():
        return services.pairing_create(actor=world.staff, household=household, member=world.member)

    first, second, _ = _race_with_the_first_held_open(pair, pair)

    assert isinstance(first, HouseholdPairing)
    assert isinstance(second, Conflict) and second.code == "pairing_exists"
    assert HouseholdPairing.objects.filter(household=household, ended_on__isnull=True).count() == 1


@pytest.mark.postgres
def test_a_pairing_with_another_partner_waits_for_the_lock_and_is_made(world):
    """The household's lock queues every pairing of the household, and refuses only the same partner twice: a
    member and a team paired at once both get their pairing."""
    household = make_household(world)
    register(world.member, world.community)
    team = make_team(leader=world.member)

    first, second, _ = _race_with_the_first_held_open(
        lambda: services.pairing_create(actor=world.staff, household=household, member=world.member),
        lambda: services.pairing_create(actor=world.staff, household=household, team=team),
    )

    assert isinstance(first, HouseholdPairing) and isinstance(second, HouseholdPairing)
    open_pairings = HouseholdPairing.objects.filter(household=household, ended_on__isnull=True)
    assert {(p.member_id, p.team_id) for p in open_pairings} == {(world.member.pk, None), (None, team.pk)}
