"""The demo wishes: every state in every demo community, made through the services, deterministic and idempotent."""

import io
from collections import Counter

import pytest
from django.db import transaction
from django.utils.translation import gettext

from apps.ledger.models import AuditEntry, RecordStatus, ServiceRecord, ServiceSource
from apps.places.models import Community
from apps.wishes.models import Wish, WishClaim, WishStatus
from fixtures.demo import plan
from fixtures.demo_city import load_demo_city
from fixtures.demo_wishes import load_demo_wishes


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    """The city and its wishes loaded once per module, wishes twice; rolled back when the module is done."""
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            # load_demo_city() loads the wishes too, after the city, in the same transaction.
            first = load_demo_city()["wishes"]
            out = io.StringIO()
            snapshot = sorted(Wish.objects.values_list("community__code", "title", "status", "resident_name"))
            second = load_demo_wishes(stdout=out)
            yield {"first": first, "second": second, "snapshot": snapshot, "out": out.getvalue()}
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


@pytest.fixture
def loaded(demo, db):
    return demo


def test_every_state_in_every_community(loaded):
    # The plan's residential communities (the enterprise and the village of fixtures/demo_teams.py have none).
    communities = Community.objects.filter(code__in=[c.code for c in plan.build_city().communities])
    assert communities.count() >= 2
    by_community = Counter(Wish.objects.values_list("community", "status"))
    for community in communities:
        states = {status for (c, status), n in by_community.items() if c == community.pk}
        assert states == set(WishStatus.values), community.name


def test_second_load_adds_nothing(loaded):
    assert loaded["first"] > 0 and loaded["second"] == 0
    assert sorted(Wish.objects.values_list("community__code", "title", "status", "resident_name")) == loaded["snapshot"]
    assert gettext("The demo wishes are already loaded; nothing to add.") in loaded["out"]


def test_documented_member_holds_claims_in_their_community(loaded):
    # Today's: one under way, one waiting for confirmation, one confirmed (the year's history adds confirmed ones).
    claims = WishClaim.objects.filter(member__user__phone=plan.REGISTERED_MEMBER_PHONE)
    statuses = set(claims.values_list("wish__status", flat=True))
    assert {WishStatus.CLAIMED, WishStatus.FULFILLED, WishStatus.CONFIRMED} <= statuses
    registered = Community.objects.get(code=plan.build_city().communities[0].code)
    assert set(claims.values_list("wish__community", flat=True)) == {registered.pk}


def test_branch_claims_as_a_group_and_participants_get_records(loaded):
    group = WishClaim.objects.filter(branch__isnull=False, claimed_by__phone=plan.BRANCH_SECRETARY_PHONE)
    assert set(group.values_list("wish__status", flat=True)) == {WishStatus.CLAIMED, WishStatus.CONFIRMED}
    for confirmed in WishClaim.objects.filter(branch__isnull=False, wish__status=WishStatus.CONFIRMED):
        records = ServiceRecord.objects.filter(source=ServiceSource.WISH, source_id=confirmed.wish_id)
        assert records.count() == confirmed.participants.count() >= 2


def test_confirmed_wishes_wrote_approved_records_and_everything_is_audited(loaded):
    confirmed = Wish.objects.filter(status=WishStatus.CONFIRMED)
    records = ServiceRecord.objects.filter(source=ServiceSource.WISH)
    assert set(records.values_list("source_id", flat=True)) == set(confirmed.values_list("pk", flat=True))
    assert set(records.values_list("status", flat=True)) == {RecordStatus.APPROVED}
    for wish in Wish.objects.all():
        assert AuditEntry.objects.filter(subject_type="wishes.wish", subject_id=wish.pk, action="create").exists()


def test_values_respect_the_cap(loaded, settings):
    assert max(Wish.objects.values_list("estimated_value", flat=True)) <= settings.WISH_MAX_VALUE
