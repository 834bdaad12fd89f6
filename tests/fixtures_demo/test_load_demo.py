"""The demo city: deterministic, idempotent, geographically consistent, and its documented logins work."""

import io
import itertools
import re
from collections import Counter

import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command
from django.db import transaction
from django.test import Client, RequestFactory
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from shapely.geometry import Point, Polygon

from apps.accounts.models import PHONE_PATTERN, Role, RoleAssignment, User
from apps.accounts.scope import scope_for
from apps.activities.models import Activity, ActivityStatus, SignUp
from apps.households.models import Household, HouseholdPairing, HouseholdVisit
from apps.households.reminders import escalate_after, pairings_due
from apps.ledger.models import RecordStatus, SelfService, ServiceRecord, ServiceSource
from apps.orgs.models import Member, Organ, PartyOrg, PartyOrgKind
from apps.places.geocoding import resolve_address
from apps.places.models import Community, CommunityKind, District, GazetteerEntry, GazetteerKind, Grid, Street
from apps.registrations.models import Pairing, Post, PostClaim, Registration, RegistrationStatus
from apps.residents.models import RequestStatus, ResidentRequest
from apps.residents.selectors import request_list
from apps.teams.models import MembershipStatus, Team, TeamMembership, TeamSpecialty
from apps.wishes.models import WishClaim, WishStatus
from fixtures.demo import plan
from fixtures.demo.data import DEMO_PASSWORD
from fixtures.demo_city import demo_counts, demo_logins, load_demo_city
from fixtures.demo_teams import team_leader_phone

# Each module loads the whole demo city once: keep them on one xdist worker (scripts/test uses --dist loadgroup)
# instead of loading it again on every worker that gets one of their tests.
pytestmark = pytest.mark.xdist_group("demo_city")


class Loaded:
    def __init__(self, first_run, counts_after_first, second_run, counts_after_second):
        self.first_run = first_run
        self.counts_after_first = counts_after_first
        self.second_run = second_run
        self.counts_after_second = counts_after_second


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    """The demo loaded twice, once per module (loading takes seconds); rolled back when the module is done."""
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            first = load_demo_city()
            counts_first = demo_counts()
            second = load_demo_city()
            yield Loaded(first, counts_first, second, demo_counts())
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


@pytest.fixture
def loaded(demo, db):
    """Per test: the loaded demo, with the test's own changes rolled back (a savepoint inside the module's load)."""
    return demo


def _polygon(points):
    return Polygon([tuple(p) for p in points])


def _user(phone):
    # A fresh instance each time: scope_for caches on the user object.
    return User.objects.get(phone=phone)


# --- determinism and idempotency ---------------------------------------------------------------------------------


def test_the_plan_is_the_same_city_every_time():
    city = plan.build_city()
    plan.build_city.cache_clear()
    assert plan.build_city() == city


def test_loading_twice_adds_nothing_and_keeps_every_count(loaded):
    assert loaded.first_run["members"] == 200
    assert not loaded.second_run
    assert loaded.counts_after_second == loaded.counts_after_first


def test_a_partial_load_is_completed_without_duplicates(loaded):
    counts = demo_counts()
    community = Community.objects.get(code=plan.build_city().communities[2].code)
    deleted_entries, _ = GazetteerEntry.objects.filter(community=community).delete()
    deleted_claims, _ = PostClaim.objects.filter(post__community=community).delete()
    deleted_pairings, _ = Pairing.objects.filter(community=community).delete()
    assert deleted_entries and deleted_claims and deleted_pairings

    created = load_demo_city()

    assert created["gazetteer entries"] == deleted_entries
    assert created["post claims"] == deleted_claims
    assert created["pairings"] == deleted_pairings
    assert demo_counts() == counts


def test_the_command_says_when_the_demo_is_already_loaded_and_prints_the_logins(loaded):
    out = io.StringIO()
    call_command("load_demo", stdout=out)
    text = out.getvalue()
    assert gettext("The demo city is already loaded; nothing to add.") in text
    for login in demo_logins():
        assert login.phone in text
    assert DEMO_PASSWORD in text


@pytest.mark.django_db
def test_print_logins_loads_nothing():
    before = demo_counts()
    out = io.StringIO()
    call_command("load_demo", "--print-logins", stdout=out)
    assert demo_counts() == before
    assert plan.SUPERUSER_PHONE in out.getvalue()
    assert plan.UNREGISTERED_MEMBER_PHONE in out.getvalue()


# --- sizes in the documented ranges --------------------------------------------------------------------------------


def test_geography_has_the_documented_size(loaded):
    assert District.objects.count() == 1
    assert Street.objects.count() == 3
    kinds = Counter(Community.objects.values_list("kind", flat=True))
    assert kinds == {CommunityKind.RESIDENTIAL: 8, CommunityKind.ENTERPRISE: 1, CommunityKind.VILLAGE: 1}
    assert Grid.objects.count() == 40
    for community in Community.objects.filter(kind=CommunityKind.RESIDENTIAL):
        assert 4 <= community.grids.count() <= 6
    compounds = Counter(GazetteerEntry.objects.filter(kind=GazetteerKind.COMPOUND).values_list("name", flat=True))
    assert 80 <= len(compounds) <= 160
    assert GazetteerEntry.objects.filter(kind=GazetteerKind.ROAD).count() >= 8


def test_organizations_have_the_documented_shape(loaded):
    assert Organ.objects.count() == 5
    for organ in Organ.objects.all():
        kinds = Counter(PartyOrg.objects.filter(organ=organ).values_list("kind", flat=True))
        assert kinds[PartyOrgKind.COMMITTEE] == 1
        assert kinds[PartyOrgKind.GENERAL_BRANCH] <= 1
        assert 2 <= kinds[PartyOrgKind.BRANCH] <= 4
    assert 190 <= Member.objects.count() <= 210
    for branch in PartyOrg.objects.filter(kind=PartyOrgKind.BRANCH):
        assert branch.members.count() >= 5


def test_members_have_fictional_but_well_formed_identities(loaded):
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    members = list(Member.objects.select_related("user"))
    assert len({m.user.phone for m in members}) == len(members)
    assert len({m.user.name for m in members}) == len(members)
    for m in members:
        assert re.fullmatch(PHONE_PATTERN, m.user.phone)
        assert m.job_title
        # "99" is no province code, so no demo ID number is a real person's.
        assert re.fullmatch(r"99\d{15}[\dX]", m.id_number)
        check = "10X98765432"[sum(int(d) * w for d, w in zip(m.id_number[:17], weights, strict=True)) % 11]
        assert m.id_number[-1] == check


def test_registrations_come_in_the_documented_shares(loaded):
    total = Member.objects.count()
    by_status = Counter(Registration.objects.values_list("status", flat=True))
    unregistered = Member.objects.filter(registrations__isnull=True).count()
    assert 0.70 <= by_status[RegistrationStatus.CONFIRMED] / total <= 0.80
    assert 0.05 <= by_status[RegistrationStatus.PENDING] / total <= 0.15
    assert 0.10 <= unregistered / total <= 0.20
    assert not Registration.objects.filter(status=RegistrationStatus.CONFIRMED, receipt_number__isnull=True).exists()


def test_every_community_has_four_posts_and_most_confirmed_members_hold_one(loaded):
    # Residential communities: members do not live (nor take up posts) in an enterprise.
    for community in Community.objects.filter(kind=CommunityKind.RESIDENTIAL):
        assert Post.objects.filter(community=community).count() == 4
    confirmed = Registration.objects.filter(status=RegistrationStatus.CONFIRMED)
    claims = PostClaim.objects.filter(released_at__isnull=True).select_related("post")
    home = dict(confirmed.values_list("member", "community"))
    for claim in claims:
        assert home[claim.member_id] == claim.post.community_id
    assert claims.count() >= 0.7 * confirmed.count()


def test_each_organ_is_paired_with_one_or_two_communities_this_year(loaded):
    year = timezone.localdate().year
    for organ in Organ.objects.all():
        pairings = Pairing.objects.filter(organ=organ, starts_on__year=year)
        assert 1 <= pairings.count() <= 2


# --- geography is consistent --------------------------------------------------------------------------------------


def test_grids_tile_their_community_without_overlapping(loaded):
    grids = list(Grid.objects.select_related("community"))
    for grid in grids:
        shape = _polygon(grid.polygon)
        assert shape.is_valid
        assert shape.contains(Point(grid.longitude, grid.latitude))
        assert _polygon(grid.community.polygon).buffer(1e-9).contains(shape)
    for a, b in itertools.combinations(grids, 2):
        assert _polygon(a.polygon).intersection(_polygon(b.polygon)).area < 1e-12
    communities = list(Community.objects.all())
    for a, b in itertools.combinations(communities, 2):
        assert not _polygon(a.polygon).intersects(_polygon(b.polygon))


def test_compounds_lie_inside_a_grid_of_their_community(loaded):
    grids = list(Grid.objects.all())
    for entry in GazetteerEntry.objects.filter(kind=GazetteerKind.COMPOUND):
        inside = [g for g in grids if _polygon(g.polygon).contains(Point(entry.longitude, entry.latitude))]
        assert len(inside) == 1
        assert inside[0].community_id == entry.community_id


def test_every_registration_is_in_the_community_whose_boundary_contains_the_home(loaded):
    communities = list(Community.objects.all())
    registrations = Registration.objects.select_related("member__user", "community")
    homes = {m.phone: m.home for m in plan.build_city().members}
    assert registrations.count() > 100
    for registration in registrations:
        home = homes[registration.member.user.phone]
        point = Point(home.longitude, home.latitude)
        containing = [c for c in communities if _polygon(c.polygon).contains(point)]
        assert containing == [registration.community]
        assert registration.address == home.address


def test_demo_addresses_resolve_offline_to_the_home_grid(loaded):
    for member in plan.build_city().members[::20]:
        resolved = resolve_address(member.home.address)
        assert resolved.grid.code == member.home.grid


# --- logins and scopes -------------------------------------------------------------------------------------------


def login_request():
    """Authentication goes through django-axes, which counts attempts per request: give it one."""
    return RequestFactory().post("/login/")


def test_every_documented_login_authenticates_with_the_demo_password(loaded):
    logins = demo_logins()
    assert len({login.phone for login in logins}) == len(logins) == 10
    for login in logins:
        assert authenticate(login_request(), phone=login.phone, password=login.password) is not None
    assert authenticate(login_request(), phone=plan.SUPERUSER_PHONE, password="wrong-password") is None


def test_every_demo_account_can_log_in(loaded):
    user = User.objects.filter(member__isnull=False).exclude(phone__startswith="138").first()
    assert authenticate(login_request(), phone=user.phone, password=DEMO_PASSWORD) == user
    assert not User.objects.filter(password__startswith="!").exists()


def test_the_demo_roles_have_their_scopes(loaded):
    city = plan.build_city()
    first_community = Community.objects.get(code=city.communities[0].code)
    first_grid = Grid.objects.get(code=city.grids[0].code)
    first_organ = Organ.objects.get(name=city.organs[0].name)
    secretary_branch = PartyOrg.objects.get(organ=first_organ, name=city.organs[0].branches[0][0])

    assert scope_for(_user(plan.SUPERUSER_PHONE)).is_superuser
    assert _user(plan.SUPERUSER_PHONE).is_staff
    assert scope_for(_user(plan.COMMUNITY_STAFF_PHONE)).staff_community_ids == {first_community.id}
    assert scope_for(_user(plan.GRID_WORKER_PHONE)).grid_ids == {first_grid.id}
    assert first_grid.grid_worker == _user(plan.GRID_WORKER_PHONE)
    secretary = scope_for(_user(plan.BRANCH_SECRETARY_PHONE))
    assert secretary.party_org_paths == (secretary_branch.path,)
    assert secretary.member_branch_id == secretary_branch.id
    assert scope_for(_user(plan.ORGAN_REVIEWER_PHONE)).organ_ids == {first_organ.id}
    assert scope_for(_user(plan.STREET_ADMIN_PHONE)).street_ids == {first_community.street_id}
    assert scope_for(_user(plan.DISTRICT_ADMIN_PHONE)).district_ids == {first_community.street.district_id}
    for phone in (plan.COMMUNITY_STAFF_PHONE, plan.ORGAN_REVIEWER_PHONE, plan.DISTRICT_ADMIN_PHONE):
        assert not scope_for(_user(phone)).is_member


def test_the_documented_members_are_registered_and_not(loaded):
    city = plan.build_city()
    registered = Member.objects.get(user__phone=plan.REGISTERED_MEMBER_PHONE)
    registration = Registration.objects.get(member=registered)
    assert registration.status == RegistrationStatus.CONFIRMED
    assert registration.community.code == city.communities[0].code
    assert registration.grid.code == city.grids[0].code
    assert PostClaim.objects.filter(member=registered, released_at__isnull=True).exists()
    assert scope_for(_user(plan.REGISTERED_MEMBER_PHONE)).member_id == registered.id
    unregistered = Member.objects.get(user__phone=plan.UNREGISTERED_MEMBER_PHONE)
    assert not Registration.objects.filter(member=unregistered).exists()


def test_every_place_and_organization_has_its_staff(loaded):
    assert not Grid.objects.filter(grid_worker__isnull=True).exists()
    for grid in Grid.objects.all():
        assert RoleAssignment.objects.filter(role=Role.GRID_WORKER, grid=grid, user=grid.grid_worker).exists()
    for community in Community.objects.all():
        assert RoleAssignment.objects.filter(role=Role.COMMUNITY_STAFF, community=community).count() == 1
    for organ in Organ.objects.all():
        assert RoleAssignment.objects.filter(role=Role.ORGAN_REVIEWER, organ=organ).count() == 1
    for street in Street.objects.all():
        assert RoleAssignment.objects.filter(role=Role.STREET_ADMIN, street=street).count() == 1
    assert RoleAssignment.objects.filter(role=Role.DISTRICT_ADMIN).count() == 1
    for branch in PartyOrg.objects.filter(kind=PartyOrgKind.BRANCH):
        secretaries = RoleAssignment.objects.filter(role=Role.BRANCH_SECRETARY, party_org=branch)
        assert secretaries.count() == 1
        assert Member.objects.filter(user=secretaries.get().user, branch=branch).exists()


# --- volunteer teams, residents' requests, households, self-registered services (fixtures/demo_teams.py) ----------


def _home():
    return Community.objects.get(code=plan.build_city().communities[0].code)


def _page(phone, url):
    client = Client()
    client.force_login(_user(phone))
    response = client.get(url)
    assert response.status_code == 200, url
    return response


def test_three_teams_are_formed_led_and_joined(loaded):
    teams = {team.specialty: team for team in Team.objects.select_related("organ", "party_org", "leader")}
    assert set(teams) == {TeamSpecialty.REPAIRS, TeamSpecialty.TUTORING, TeamSpecialty.MEDICAL}
    for team in teams.values():
        active = TeamMembership.objects.filter(team=team, status=MembershipStatus.ACTIVE)
        assert active.filter(member=team.leader).exists()
        assert active.exclude(member=team.leader).count() >= 2
        assert set(active.values_list("member__organ", flat=True)) == {team.organ_id}
    repairs = teams[TeamSpecialty.REPAIRS]
    secretary = RoleAssignment.objects.get(role=Role.BRANCH_SECRETARY, user__phone=plan.BRANCH_SECRETARY_PHONE)
    assert (repairs.party_org_id, repairs.created_by.phone) == (secretary.party_org_id, plan.BRANCH_SECRETARY_PHONE)
    assert repairs.leader.user.phone == team_leader_phone()
    assert TeamMembership.objects.filter(team=repairs, status=MembershipStatus.APPLIED).count() == 1
    assert teams[TeamSpecialty.TUTORING].party_org is None  # formed by the organ itself
    assert TeamMembership.objects.filter(team=teams[TeamSpecialty.TUTORING], status=MembershipStatus.DECLINED).exists()


def test_the_enterprise_and_the_village_are_paired_and_host_a_teams_activity(loaded):
    now = timezone.now()
    for kind in (CommunityKind.ENTERPRISE, CommunityKind.VILLAGE):
        place = Community.objects.get(kind=kind)
        assert RoleAssignment.objects.filter(role=Role.COMMUNITY_STAFF, community=place).count() == 1
        pairing = Pairing.objects.get(community=place)
        activity = Activity.objects.get(community=place)
        assert activity.status == ActivityStatus.OPEN and activity.starts_at > now
        assert activity.organizer_team.organ_id == pairing.organ_id == activity.organizer_party_org.organ_id
        signups = SignUp.objects.filter(activity=activity)
        assert signups.count() >= 3
        assert set(signups.values_list("team", flat=True)) == {activity.organizer_team_id}


def test_the_repairs_team_holds_a_residents_wish_and_fulfilled_another(loaded):
    repairs = Team.objects.get(specialty=TeamSpecialty.REPAIRS)
    claims = WishClaim.objects.filter(team=repairs)
    assert set(claims.values_list("wish__status", flat=True)) == {WishStatus.CLAIMED, WishStatus.CONFIRMED}
    confirmed = claims.get(wish__status=WishStatus.CONFIRMED)
    records = ServiceRecord.objects.filter(source=ServiceSource.WISH, source_id=confirmed.wish_id)
    assert set(records.values_list("team", "status")) == {(repairs.pk, RecordStatus.APPROVED)}
    assert plan.REGISTERED_MEMBER_PHONE in set(records.values_list("member__user__phone", flat=True))
    assert records.count() == 2


def test_residents_requests_come_in_every_state(loaded):
    home = _home()
    requests = ResidentRequest.objects.select_related("wish")
    assert set(requests.values_list("community", flat=True)) == {home.pk}
    assert set(requests.values_list("status", flat=True)) == set(RequestStatus.values)
    accepted = requests.filter(status=RequestStatus.ACCEPTED)
    wish_states = set(accepted.values_list("wish__status", flat=True))
    assert {WishStatus.PUBLISHED, WishStatus.CLAIMED, WishStatus.CONFIRMED} <= wish_states
    merged = requests.get(status=RequestStatus.MERGED)
    assert accepted.filter(wish=merged.wish).exists()
    assert requests.get(status=RequestStatus.DECLINED).decline_reason
    rated = requests.get(resident_rating__isnull=False)
    assert rated.wish.status == WishStatus.CONFIRMED and rated.resident_comment
    # The grid worker of the first grid has one of the waiting requests to decide.
    worker = _user(plan.GRID_WORKER_PHONE)
    assert request_list(user=worker).filter(status=RequestStatus.RECEIVED).exists()


def test_households_are_recorded_with_consent_paired_visited_and_one_is_overdue(loaded):
    home, staff = _home(), _user(plan.COMMUNITY_STAFF_PHONE)
    households = Household.objects.filter(community=home)
    assert households.count() == 4
    assert set(households.values_list("consent_by", flat=True)) == {staff.pk}
    assert households.filter(pairings__isnull=True).exists()  # one for the staff to pair
    pairings = HouseholdPairing.objects.filter(household__community=home)
    assert pairings.filter(member__user__phone=plan.REGISTERED_MEMBER_PHONE).exists()
    assert pairings.filter(team__specialty=TeamSpecialty.REPAIRS).exists()
    visits = ServiceRecord.objects.filter(
        source=ServiceSource.SELF, source_id__in=HouseholdVisit.objects.values("self_service")
    )
    assert set(visits.values_list("status", flat=True)) == {RecordStatus.APPROVED, RecordStatus.PENDING}
    assert visits.filter(status=RecordStatus.PENDING).count() == 1
    assert visits.filter(team__isnull=False, status=RecordStatus.APPROVED).exists()  # a visit as the team
    now = timezone.now()
    escalated = [p for p in pairings_due(now=now) if now - p.spell_start >= escalate_after()]
    assert [p.household.community_id for p in escalated] == [home.pk]


def test_self_registered_services_are_approved_waiting_and_rejected(loaded):
    home = _home()
    registered = ServiceRecord.objects.filter(source=ServiceSource.SELF, community=home).exclude(
        source_id__in=HouseholdVisit.objects.values("self_service")
    )
    assert set(registered.values_list("status", flat=True)) == {
        RecordStatus.APPROVED,
        RecordStatus.PENDING,
        RecordStatus.REJECTED,
    }
    assert registered.get(status=RecordStatus.REJECTED).decision_reason
    assert registered.filter(status=RecordStatus.PENDING, member__user__phone=plan.REGISTERED_MEMBER_PHONE).exists()


def test_the_documented_member_sees_a_team_and_a_paired_household(loaded):
    member = Member.objects.get(user__phone=plan.REGISTERED_MEMBER_PHONE)
    repairs = Team.objects.get(specialty=TeamSpecialty.REPAIRS)
    teams = _page(plan.REGISTERED_MEMBER_PHONE, "/m/teams/").content.decode()
    assert f'data-team="{repairs.pk}" data-status="{MembershipStatus.ACTIVE}"' in teams
    households = _page(plan.REGISTERED_MEMBER_PHONE, "/m/households/").content.decode()
    own = HouseholdPairing.objects.get(member=member)
    assert f'data-pairing="{own.pk}"' in households
    # The leader sees the application waiting on the team's page.
    applicant = TeamMembership.objects.get(team=repairs, status=MembershipStatus.APPLIED).member
    team_page = _page(team_leader_phone(), f"/m/teams/{repairs.pk}/").content.decode()
    assert applicant.user.name in team_page


def test_the_community_staff_desk_has_requests_and_registered_services_to_decide(loaded):
    counts = {c["url"]: c["value"] for c in _page(plan.COMMUNITY_STAFF_PHONE, "/staff/").context["counts"]}
    assert counts[reverse("staff:resident-requests")] >= 2
    assert counts[reverse("staff:records") + "?status=pending&source=self"] >= 3


def test_a_partial_load_of_the_registered_services_is_completed(loaded):
    counts = demo_counts()
    rejected = ServiceRecord.objects.get(source=ServiceSource.SELF, status=RecordStatus.REJECTED)
    rejected.delete()
    SelfService.objects.filter(pk=rejected.source_id).delete()

    created = load_demo_city()

    assert created == Counter({"self-registered services": 1})
    assert demo_counts() == counts
    again = ServiceRecord.objects.get(source=ServiceSource.SELF, status=RecordStatus.REJECTED)
    assert (again.member_id, again.started_at, again.content) == (
        rejected.member_id,
        rejected.started_at,
        rejected.content,
    )
