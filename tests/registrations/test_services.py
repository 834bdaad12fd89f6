"""Service rules of registrations, standing posts and pairings, called directly."""

import datetime
import math

import pytest
from django.db import transaction
from django.utils import timezone

from apps.core.errors import Conflict, Forbidden, Invalid
from apps.places.coords import wgs84_to_bd09, wgs84_to_gcj02
from apps.registrations import selectors, services
from apps.registrations.models import Pairing, Post, PostClaim, PostKind, Registration, RegistrationStatus
from tests import factories as f
from tests.registrations.conftest import FAR_ADDRESS, FAR_LAT, FAR_LNG, HOME_ADDRESS, OTHER_ADDRESS

pytestmark = pytest.mark.django_db

PENDING, CONFIRMED = RegistrationStatus.PENDING, RegistrationStatus.CONFIRMED


def _raises(exc_class, code):
    """pytest.raises that also pins the stable code (a DomainError reads "<code>: <message>")."""
    return pytest.raises(exc_class, match=f"^{code}: ")


# --- submit --------------------------------------------------------------------------------------------------------


def test_submit_places_the_address_in_its_community_and_grid_as_pending(places):
    before = timezone.now()
    reg = services.registration_submit(member=places.member, address=f"  {HOME_ADDRESS} ")
    assert reg.status == PENDING
    assert (reg.community, reg.grid) == (places.community, places.grid)
    assert reg.address == HOME_ADDRESS
    assert (reg.latitude, reg.longitude) == (places.grid.latitude, places.grid.longitude)
    assert reg.submitted_at >= before and reg.receipt_number is None and reg.decided_at is None


@pytest.mark.parametrize("convert, system", [(wgs84_to_gcj02, "gcj02"), (wgs84_to_bd09, "bd09")])
def test_submit_with_a_map_sdk_point_stores_it_in_wgs84_and_keeps_the_typed_address(places, convert, system):
    lat, lng = convert(places.other_grid.latitude, places.other_grid.longitude)
    reg = services.registration_submit(
        member=places.member, address="我家在这里", latitude=lat, longitude=lng, coord_system=system
    )
    assert reg.community == places.other_community and reg.grid == places.other_grid
    assert reg.address == "我家在这里"
    assert math.isclose(reg.latitude, places.other_grid.latitude, abs_tol=1e-5)
    assert math.isclose(reg.longitude, places.other_grid.longitude, abs_tol=1e-5)


@pytest.mark.parametrize("status", [PENDING, CONFIRMED])
def test_second_active_registration_is_refused_and_nothing_is_written(places, make_registration, status):
    existing = make_registration(status=status)
    with _raises(Conflict, "registration_already_active"):
        services.registration_submit(member=places.member, address=OTHER_ADDRESS)
    assert list(Registration.objects.filter(member=places.member)) == [existing]


@pytest.mark.parametrize(
    "status", [RegistrationStatus.REJECTED, RegistrationStatus.WITHDRAWN, RegistrationStatus.MOVED]
)
def test_a_closed_registration_does_not_block_a_new_one(places, make_registration, status):
    extra = {"reject_reason": "地址不在本社区"} if status == RegistrationStatus.REJECTED else {}
    make_registration(status=status, **extra)
    reg = services.registration_submit(member=places.member, address=HOME_ADDRESS)
    assert reg.status == PENDING
    assert Registration.objects.filter(member=places.member).count() == 2


def test_losing_the_race_to_the_unique_index_reads_as_already_active(places, make_registration):
    """The pre-check passed for both requests; the partial unique index decides, and the loser gets the 409."""
    make_registration(status=PENDING)
    place = services.geocoding.resolve_address(HOME_ADDRESS)
    with transaction.atomic():
        with _raises(Conflict, "registration_already_active"):
            services._open_registration(places.member, HOME_ADDRESS, place)
        # The savepoint kept the surrounding transaction usable.
        assert Registration.objects.filter(member=places.member).count() == 1


@pytest.mark.parametrize(
    "address, code",
    [
        (FAR_ADDRESS, "address_outside_service_area"),
        ("火星基地1号", "address_not_found"),
        ("   ", "address_required"),
        ("", "address_required"),
        (None, "address_required"),
        ("幸福小区" + "很" * 200, "address_too_long"),
    ],
)
def test_unusable_address_is_refused_with_its_code_and_writes_nothing(places, address, code):
    with _raises(Invalid, code):
        services.registration_submit(member=places.member, address=address)
    assert not Registration.objects.exists()


@pytest.mark.parametrize(
    "lat, lng, code",
    [
        (95.0, 120.0, "invalid_coordinates"),
        (30.0, 181.0, "invalid_coordinates"),
        (float("nan"), 120.0, "invalid_coordinates"),
        (30.27, None, "invalid_coordinates"),
        (None, 120.15, "invalid_coordinates"),
        (FAR_LAT, FAR_LNG, "address_outside_service_area"),
    ],
)
def test_unusable_point_is_refused_with_its_code_and_writes_nothing(places, lat, lng, code):
    with _raises(Invalid, code):
        services.registration_submit(member=places.member, address=HOME_ADDRESS, latitude=lat, longitude=lng)
    assert not Registration.objects.exists()


def test_unknown_coordinate_system_is_refused(places):
    with _raises(Invalid, "invalid_coord_system"):
        services.registration_submit(
            member=places.member, address=HOME_ADDRESS, latitude=30.27, longitude=120.15, coord_system="mars"
        )
    assert not Registration.objects.exists()


def test_inactive_member_cannot_register(places):
    places.member.is_active = False
    places.member.save()
    with _raises(Forbidden, "not_a_member"):
        services.registration_submit(member=places.member, address=HOME_ADDRESS)
    assert not Registration.objects.exists()


# --- confirm / reject / withdraw -------------------------------------------------------------------------------------


def test_staff_confirmation_issues_a_receipt_and_records_the_decision(world, make_registration):
    reg = make_registration(status=PENDING)
    confirmed = services.registration_confirm(registration=reg, actor=world.staff)
    assert confirmed.status == CONFIRMED
    assert confirmed.decided_by == world.staff and confirmed.decided_at is not None
    year = timezone.localtime(confirmed.decided_at).year
    assert confirmed.receipt_number == f"SBD-{year}-{reg.pk:06d}"


def test_receipt_numbers_are_deterministic_and_unique(world, make_registration, settings):
    settings.REGISTRATION_RECEIPT_PREFIX = "HZ"
    first = make_registration(status=PENDING)
    second = make_registration(member=world.other_member, status=PENDING)
    moment = timezone.now()
    assert services.receipt_number_for(first, moment) == services.receipt_number_for(first, moment)
    numbers = {
        services.registration_confirm(registration=r, actor=world.superuser).receipt_number for r in (first, second)
    }
    assert len(numbers) == 2 and all(n.startswith("HZ-") for n in numbers)


@pytest.mark.parametrize("who", ["grid_worker", "street_admin", "reviewer", "secretary", "outsider"])
def test_only_the_communitys_staff_can_confirm_or_reject(world, make_registration, who):
    reg = make_registration(status=PENDING)
    actor = getattr(world, who)
    with _raises(Forbidden, "not_community_staff"):
        services.registration_confirm(registration=reg, actor=actor)
    with _raises(Forbidden, "not_community_staff"):
        services.registration_reject(registration=reg, actor=actor, reason="不符合")
    reg.refresh_from_db()
    assert reg.status == PENDING and reg.decided_by is None


def test_staff_of_another_community_cannot_confirm(world, outsiders, make_registration):
    reg = make_registration(status=PENDING)
    with _raises(Forbidden, "not_community_staff"):
        services.registration_confirm(registration=reg, actor=outsiders.other_staff)
    assert Registration.objects.get(pk=reg.pk).status == PENDING


def test_member_cannot_confirm_their_own_registration(world, make_registration):
    reg = make_registration(status=PENDING)
    with _raises(Forbidden, "not_community_staff"):
        services.registration_confirm(registration=reg, actor=world.member.user)


def test_two_confirmations_cannot_both_win(world, make_registration):
    reg = make_registration(status=PENDING)
    stale = Registration.objects.get(pk=reg.pk)
    winner = services.registration_confirm(registration=reg, actor=world.staff)
    with _raises(Conflict, "registration_not_pending"):
        services.registration_confirm(registration=stale, actor=world.superuser)
    with _raises(Conflict, "registration_not_pending"):
        services.registration_reject(registration=stale, actor=world.superuser, reason="重复")
    current = Registration.objects.get(pk=reg.pk)
    assert current.decided_by == world.staff and current.receipt_number == winner.receipt_number


@pytest.mark.parametrize(
    "status", [RegistrationStatus.WITHDRAWN, RegistrationStatus.MOVED, RegistrationStatus.REJECTED, CONFIRMED]
)
def test_only_pending_registrations_can_be_decided(world, make_registration, status):
    reg = make_registration(status=status, reject_reason="原因")
    with _raises(Conflict, "registration_not_pending"):
        services.registration_confirm(registration=reg, actor=world.staff)
    with _raises(Conflict, "registration_not_pending"):
        services.registration_reject(registration=reg, actor=world.staff, reason="不符合")
    assert Registration.objects.get(pk=reg.pk).status == status


def test_rejection_keeps_the_reason(world, make_registration):
    reg = make_registration(status=PENDING)
    rejected = services.registration_reject(registration=reg, actor=world.staff, reason="  不住本社区 ")
    assert rejected.status == RegistrationStatus.REJECTED
    assert rejected.reject_reason == "不住本社区" and rejected.decided_by == world.staff
    assert rejected.receipt_number is None


@pytest.mark.parametrize(
    "reason, code", [("", "reason_required"), ("   ", "reason_required"), ("长" * 201, "reason_too_long")]
)
def test_rejection_needs_a_short_reason(world, make_registration, reason, code):
    reg = make_registration(status=PENDING)
    with _raises(Invalid, code):
        services.registration_reject(registration=reg, actor=world.staff, reason=reason)
    assert Registration.objects.get(pk=reg.pk).status == PENDING


def test_member_withdraws_their_pending_registration(world, make_registration):
    reg = make_registration(status=PENDING)
    withdrawn = services.registration_withdraw(registration=reg, actor=world.member.user)
    assert withdrawn.status == RegistrationStatus.WITHDRAWN and withdrawn.closed_at is not None


@pytest.mark.parametrize("who", ["staff", "superuser", "reviewer", "outsider"])
def test_nobody_else_withdraws_a_members_registration(world, make_registration, who):
    reg = make_registration(status=PENDING)
    with _raises(Forbidden, "not_registration_owner"):
        services.registration_withdraw(registration=reg, actor=getattr(world, who))
    assert Registration.objects.get(pk=reg.pk).status == PENDING


def test_a_confirmed_registration_cannot_be_withdrawn(world, make_registration):
    reg = make_registration(status=CONFIRMED)
    with _raises(Conflict, "registration_not_pending"):
        services.registration_withdraw(registration=reg, actor=world.member.user)


# --- moving house ----------------------------------------------------------------------------------------------------


def test_moving_house_closes_the_old_registration_and_opens_a_pending_one(places, make_registration):
    old = make_registration(status=CONFIRMED)
    new = services.registration_move(member=places.member, address=OTHER_ADDRESS)
    old.refresh_from_db()
    assert old.status == RegistrationStatus.MOVED and old.closed_at is not None
    assert old.receipt_number  # the old receipt stays on record
    assert new.status == PENDING and new.community == places.other_community
    history = list(selectors.registration_list_mine(user=places.member.user))
    assert history == [new, old]


def test_moving_house_frees_the_posts_held_in_the_old_community(places, make_registration):
    make_registration(status=CONFIRMED)
    post = f.PostFactory(community=places.community)
    claim = services.post_claim(post=post, member=places.member)
    services.registration_move(member=places.member, address=OTHER_ADDRESS)
    claim.refresh_from_db()
    assert claim.released_at is not None
    assert PostClaim.objects.filter(member=places.member).count() == 1


def test_moving_within_the_community_keeps_the_posts(places, make_registration):
    make_registration(status=CONFIRMED)
    claim = services.post_claim(post=f.PostFactory(community=places.community), member=places.member)
    services.registration_move(member=places.member, address="幸福小区9栋")
    claim.refresh_from_db()
    assert claim.released_at is None


def test_moving_from_a_pending_registration_closes_it_too(places, make_registration):
    old = make_registration(status=PENDING)
    services.registration_move(member=places.member, address=OTHER_ADDRESS)
    assert Registration.objects.get(pk=old.pk).status == RegistrationStatus.MOVED


def test_moving_without_an_active_registration_is_a_plain_submission(places):
    reg = services.registration_move(member=places.member, address=HOME_ADDRESS)
    assert reg.status == PENDING and Registration.objects.filter(member=places.member).count() == 1


def test_moving_to_an_unknown_address_changes_nothing(places, make_registration):
    old = make_registration(status=CONFIRMED)
    with _raises(Invalid, "address_outside_service_area"):
        services.registration_move(member=places.member, address=FAR_ADDRESS)
    assert list(Registration.objects.filter(member=places.member)) == [old]
    assert Registration.objects.get(pk=old.pk).status == CONFIRMED


# --- posts -----------------------------------------------------------------------------------------------------------


def test_staff_create_a_post_in_their_community(world):
    post = services.post_create(
        actor=world.staff, community=world.community, kind=PostKind.SAFETY_PATROLLER, title=" 夜间巡逻员 ", capacity=3
    )
    assert (post.community, post.title, post.capacity, post.is_active) == (world.community, "夜间巡逻员", 3, True)


@pytest.mark.parametrize("who", ["grid_worker", "reviewer", "street_admin", "outsider"])
def test_only_the_communitys_staff_create_posts(world, who):
    with _raises(Forbidden, "not_community_staff"):
        services.post_create(actor=getattr(world, who), community=world.community, kind="other", title="岗")
    assert not Post.objects.exists()


@pytest.mark.parametrize(
    "fields, code",
    [
        ({"kind": "astronaut", "title": "岗"}, "post_kind_invalid"),
        ({"kind": "other", "title": "  "}, "title_required"),
        ({"kind": "other", "title": "长" * 101}, "title_too_long"),
        ({"kind": "other", "title": "岗", "capacity": 0}, "capacity_invalid"),
        ({"kind": "other", "title": "岗", "capacity": True}, "capacity_invalid"),
    ],
)
def test_post_input_is_checked(world, fields, code):
    with _raises(Invalid, code):
        services.post_create(actor=world.staff, community=world.community, **fields)
    assert not Post.objects.exists()


def test_post_titles_are_unique_within_a_community(world):
    services.post_create(actor=world.staff, community=world.community, kind="other", title="文明劝导员")
    with _raises(Conflict, "post_title_taken"):
        services.post_create(actor=world.staff, community=world.community, kind="other", title="文明劝导员")
    services.post_create(actor=world.superuser, community=world.other_community, kind="other", title="文明劝导员")
    assert Post.objects.count() == 2


def test_staff_update_a_post(world):
    post = f.PostFactory(community=world.community)
    f.PostFactory(community=world.community, title="已有的岗")
    updated = services.post_update(actor=world.staff, post=post, title="环境监督员", kind="environment_monitor")
    assert (updated.title, updated.kind) == ("环境监督员", "environment_monitor")
    with _raises(Conflict, "post_title_taken"):
        services.post_update(actor=world.staff, post=post, title="已有的岗")
    with _raises(Forbidden, "not_community_staff"):
        services.post_update(actor=world.grid_worker, post=post, title="改名")
    with pytest.raises(TypeError):
        services.post_update(actor=world.staff, post=post, is_active=False)
    assert Post.objects.get(pk=post.pk).title == "环境监督员"


def test_capacity_cannot_drop_below_the_current_holders(world, make_registration):
    post = f.PostFactory(community=world.community, capacity=5)
    for member in (world.member, f.MemberFactory(), f.MemberFactory()):
        make_registration(member=member)
        services.post_claim(post=post, member=member)
    with _raises(Conflict, "post_capacity_below_claims"):
        services.post_update(actor=world.staff, post=post, capacity=2)
    assert services.post_update(actor=world.staff, post=post, capacity=3).capacity == 3
    assert services.post_update(actor=world.staff, post=post, capacity=None).capacity is None


def test_deactivating_a_post_releases_its_holders(world, make_registration):
    post = f.PostFactory(community=world.community)
    make_registration()
    claim = services.post_claim(post=post, member=world.member)
    with _raises(Forbidden, "not_community_staff"):
        services.post_deactivate(actor=world.member.user, post=post)
    services.post_deactivate(actor=world.staff, post=post)
    claim.refresh_from_db()
    assert claim.released_at is not None and not Post.objects.get(pk=post.pk).is_active
    with _raises(Conflict, "post_inactive"):
        services.post_deactivate(actor=world.staff, post=post)
    with _raises(Conflict, "post_inactive"):
        services.post_claim(post=post, member=world.member)


def test_confirmed_member_claims_a_post_in_their_community(world, make_registration):
    make_registration()
    post = f.PostFactory(community=world.community)
    claim = services.post_claim(post=post, member=world.member)
    assert (claim.post, claim.member, claim.released_at) == (post, world.member, None)


@pytest.mark.parametrize("status", [PENDING, RegistrationStatus.WITHDRAWN, RegistrationStatus.MOVED])
def test_only_a_confirmed_registration_lets_a_member_claim(world, make_registration, status):
    make_registration(status=status)
    with _raises(Forbidden, "not_registered_here"):
        services.post_claim(post=f.PostFactory(community=world.community), member=world.member)
    assert not PostClaim.objects.exists()


def test_a_registration_elsewhere_does_not_let_a_member_claim_here(world, make_registration):
    make_registration(grid=world.other_grid)
    with _raises(Forbidden, "not_registered_here"):
        services.post_claim(post=f.PostFactory(community=world.community), member=world.member)


def test_a_member_holds_a_post_once(world, make_registration):
    make_registration()
    post = f.PostFactory(community=world.community)
    services.post_claim(post=post, member=world.member)
    with _raises(Conflict, "post_already_claimed"):
        services.post_claim(post=post, member=world.member)
    assert PostClaim.objects.count() == 1


def test_claims_respect_the_capacity_and_a_release_frees_a_place(world, make_registration):
    post = f.PostFactory(community=world.community, capacity=2)
    members = [world.member, f.MemberFactory(), f.MemberFactory()]
    for member in members:
        make_registration(member=member)
    first = services.post_claim(post=post, member=members[0])
    services.post_claim(post=post, member=members[1])
    with _raises(Conflict, "post_full"):
        services.post_claim(post=post, member=members[2])
    services.post_release(claim=first, actor=members[0].user)
    services.post_claim(post=post, member=members[2])
    assert PostClaim.objects.filter(post=post, released_at__isnull=True).count() == 2


def test_a_released_post_can_be_claimed_again(world, make_registration):
    make_registration()
    post = f.PostFactory(community=world.community)
    services.post_release(claim=services.post_claim(post=post, member=world.member), actor=world.member.user)
    services.post_claim(post=post, member=world.member)
    assert PostClaim.objects.filter(post=post, member=world.member).count() == 2


def test_release_by_the_holder_or_the_communitys_staff_only(world, outsiders, make_registration):
    make_registration()
    post = f.PostFactory(community=world.community)
    claim = services.post_claim(post=post, member=world.member)
    for actor in (outsiders.other_staff, outsiders.other_member, world.grid_worker, world.reviewer):
        with _raises(Forbidden, "not_claim_holder"):
            services.post_release(claim=claim, actor=actor)
    assert PostClaim.objects.get(pk=claim.pk).released_at is None
    services.post_release(claim=claim, actor=world.staff)
    with _raises(Conflict, "claim_already_released"):
        services.post_release(claim=claim, actor=world.member.user)


def test_members_without_a_post_are_listed_per_community(world, make_registration):
    holder = make_registration()
    idle = make_registration(member=f.MemberFactory())
    released = make_registration(member=f.MemberFactory())
    elsewhere = make_registration(member=f.MemberFactory())
    make_registration(member=f.MemberFactory(), status=PENDING)
    post = f.PostFactory(community=world.community)
    services.post_claim(post=post, member=holder.member)
    services.post_release(claim=services.post_claim(post=post, member=released.member), actor=world.staff)
    # A post still held in another community (from before a move) does not count here.
    PostClaim.objects.create(
        post=f.PostFactory(community=world.other_community), member=elsewhere.member, claimed_at=timezone.now()
    )
    listed = set(selectors.registration_list_without_post(user=world.staff))
    assert listed == {idle, released, elsewhere}


# --- pairings --------------------------------------------------------------------------------------------------------

JAN_1 = datetime.date(2026, 1, 1)


def test_organ_reviewer_pairs_their_organ_with_a_community(world):
    pairing = services.pairing_create(
        actor=world.reviewer,
        organ=world.organ,
        community=world.community,
        party_org=world.branch,
        starts_on=JAN_1,
        projects="  关爱空巢老人 ",
    )
    assert (pairing.organ, pairing.party_org, pairing.community, pairing.ends_on) == (
        world.organ,
        world.branch,
        world.community,
        None,
    )
    assert pairing.projects == "关爱空巢老人" and pairing.created_by == world.reviewer


@pytest.mark.parametrize("who", ["secretary", "staff", "district_admin", "outsider"])
def test_only_the_organs_reviewer_or_a_superuser_pairs(world, outsiders, who):
    with _raises(Forbidden, "not_organ_reviewer"):
        services.pairing_create(
            actor=getattr(world, who), organ=world.organ, community=world.community, starts_on=JAN_1
        )
    with _raises(Forbidden, "not_organ_reviewer"):
        services.pairing_create(
            actor=outsiders.other_reviewer, organ=world.organ, community=world.community, starts_on=JAN_1
        )
    assert not Pairing.objects.exists()
    services.pairing_create(actor=world.superuser, organ=world.organ, community=world.community, starts_on=JAN_1)


def test_the_party_org_must_belong_to_the_organ(world):
    with _raises(Invalid, "party_org_not_in_organ"):
        services.pairing_create(
            actor=world.reviewer,
            organ=world.organ,
            community=world.community,
            party_org=world.other_branch,
            starts_on=JAN_1,
        )
    assert not Pairing.objects.exists()


def test_pairing_dates_must_be_ordered(world):
    with _raises(Invalid, "pairing_dates_invalid"):
        services.pairing_create(
            actor=world.reviewer,
            organ=world.organ,
            community=world.community,
            starts_on=JAN_1,
            ends_on=JAN_1 - datetime.timedelta(days=1),
        )
    assert not Pairing.objects.exists()


@pytest.mark.parametrize(
    "starts_on, ends_on, overlaps",
    [
        (datetime.date(2026, 6, 1), None, True),  # inside the existing period
        (datetime.date(2025, 1, 1), datetime.date(2026, 1, 1), True),  # touches its first day
        (datetime.date(2025, 1, 1), None, True),  # open-ended, covering it
        (datetime.date(2025, 1, 1), datetime.date(2025, 12, 31), False),  # the year before
        (datetime.date(2027, 1, 1), None, False),  # after it ended
    ],
)
def test_overlapping_pairings_of_one_organ_and_community_are_refused(world, starts_on, ends_on, overlaps):
    services.pairing_create(
        actor=world.reviewer,
        organ=world.organ,
        community=world.community,
        starts_on=JAN_1,
        ends_on=datetime.date(2026, 12, 31),
    )
    kwargs = {"actor": world.reviewer, "organ": world.organ, "starts_on": starts_on, "ends_on": ends_on}
    if overlaps:
        with _raises(Conflict, "pairing_exists"):
            services.pairing_create(community=world.community, **kwargs)
    else:
        services.pairing_create(community=world.community, **kwargs)
    # Another community is never an overlap.
    services.pairing_create(community=world.other_community, **kwargs)
    assert Pairing.objects.filter(community=world.community).count() == (1 if overlaps else 2)


def test_ending_a_pairing(world):
    today = timezone.localdate()
    started = today - datetime.timedelta(days=100)
    pairing = f.PairingFactory(organ=world.organ, community=world.community, starts_on=started)
    with _raises(Invalid, "pairing_dates_invalid"):
        services.pairing_end(actor=world.reviewer, pairing=pairing, ends_on=started - datetime.timedelta(days=1))
    planned_end = today + datetime.timedelta(days=30)
    assert services.pairing_end(actor=world.reviewer, pairing=pairing, ends_on=planned_end).ends_on == planned_end
    # An end already set can be brought forward, not pushed out.
    with _raises(Invalid, "pairing_dates_invalid"):
        services.pairing_end(actor=world.reviewer, pairing=pairing, ends_on=planned_end + datetime.timedelta(days=1))
    assert services.pairing_end(actor=world.reviewer, pairing=pairing, ends_on=today).ends_on == today


def test_a_pairing_that_has_ended_cannot_be_ended_again(world):
    past = timezone.localdate() - datetime.timedelta(days=30)
    pairing = f.PairingFactory(
        organ=world.organ, community=world.community, starts_on=past - datetime.timedelta(days=30), ends_on=past
    )
    with _raises(Conflict, "pairing_already_ended"):
        services.pairing_end(actor=world.reviewer, pairing=pairing, ends_on=past)


def test_only_the_organs_reviewer_ends_its_pairing(world, outsiders):
    pairing = f.PairingFactory(organ=world.organ, community=world.community, starts_on=JAN_1)
    for actor in (outsiders.other_reviewer, world.staff, world.secretary, world.member.user):
        with _raises(Forbidden, "not_organ_reviewer"):
            services.pairing_end(actor=actor, pairing=pairing, ends_on=JAN_1)
    assert Pairing.objects.get(pk=pairing.pk).ends_on is None
