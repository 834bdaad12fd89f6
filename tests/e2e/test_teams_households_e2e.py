"""A volunteer team and a paired household in real browsers at phone size, each person in their own.

A resident orders through the community's poster, the grid worker accepts the request into a wish and the community
publishes it; the team's leader claims it for the team on their phone (为我的服务队认领), reports it done naming the
team's members who took part, the community confirms it and the resident rates it; the team's page then counts the
service in the year's figures. And a household recorded on the desk with its consent, paired with a member
registered in the community, who registers a visit from 我的结对户 (登记走访): the staff approve it on 服务记录 under
服务登记, and the member's hours page shows it approved.

Set-up that is not a step of these flows (names, the team and its members, registrations) is written with factories
and services.
"""

from datetime import timedelta

import pytest
from django.utils import timezone

from apps.accounts import sms
from apps.households.models import Household, HouseholdPairing, HouseholdSituation, HouseholdVisit
from apps.ledger.models import RecordStatus, ServiceRecord, ServiceSource
from apps.teams.models import MembershipStatus, TeamMembership
from apps.wishes.models import WishClaim, WishStatus
from tests.e2e import flows
from tests.e2e.conftest import DESKTOP, f, with_password
from tests.teams.conftest import join, make_team

TEAM_NAME = "幸福助老服务队"
FULFIL_NOTE = "服务队两人上门换好灯泡，顺带检查了电路。"
HEAD_NAME = "赵桂兰"
HOUSEHOLD_ADDRESS = "幸福家园5栋1单元302室"
VISIT_CONTENT = "上门看望独居老人，帮忙打扫卫生、测量血压"


@pytest.fixture
def neighbourhood(e2e_world, settings):
    """The world with real-looking names; its member (陈志远) registered in its grid and a teammate of the same
    branch (刘晓燕). Codes may be sent again at once, and the text messages of earlier tests are gone."""
    settings.OTP_RESEND_SECONDS = 0
    world = flows.realistic_place(e2e_world)
    flows.named(world.staff, "李主任")
    flows.named(world.grid_worker, "张网格")
    flows.named(world.member.user, "陈志远")
    f.RegistrationFactory(member=world.member, grid=world.grid, address="幸福家园8栋1单元502室")
    world.teammate = f.MemberFactory(branch=world.branch)
    with_password(flows.named(world.teammate.user, "刘晓燕"))
    sms.outbox.clear()
    yield world
    sms.outbox.clear()


@pytest.fixture
def team(neighbourhood):
    """The member's team (formed by the branch, the member leading it) with the teammate accepted; both in it for
    two days, well before the service."""
    world = neighbourhood
    since = timezone.now() - timedelta(days=2)
    team = make_team(leader=world.member, party_org=world.branch, name=TEAM_NAME, now=since)
    join(team, world.teammate)
    TeamMembership.objects.filter(team=team, status=MembershipStatus.ACTIVE).update(joined_at=since)
    return team


def _team_figure(visitor, team, key):
    visitor.go(f"/m/teams/{team.pk}/")
    return visitor.page.locator(f"#team-figures dd[data-key={key}]").inner_text().strip()


def test_a_team_claims_a_residents_wish_and_the_service_counts_for_the_team(visit, neighbourhood, team):
    world = neighbourhood

    # The resident orders through the poster; the grid worker accepts it into a wish; the community publishes it.
    staff = visit(world.staff)
    order_url = flows.poster_order_url(staff, world.community)
    resident = visit(None)
    request, tracking_url = flows.resident_orders(resident, order_url)
    worker = visit(world.grid_worker)
    flows.desk_opens_request(worker, request)
    wish = flows.desk_accepts_into_wish(worker, request)
    if wish.status == WishStatus.PENDING_REVIEW:
        flows.staff_verify_wish(staff, wish)
        wish.refresh_from_db()
    assert wish.status == WishStatus.PUBLISHED

    # Before the service the team's page counts nothing this year.
    leader = visit(world.member.user)
    assert _team_figure(leader, team, "services") == "0"

    # The leader finds the wish on their home page and claims it for the team they lead.
    leader.go("/m/")
    leader.page.click(f"main a.row-link[href='/m/wishes/{wish.pk}/']")
    leader.page.wait_for_load_state()
    assert leader.page.url.endswith(f"/m/wishes/{wish.pk}/")
    options = leader.page.locator("#claim-team option")
    assert options.evaluate_all("els => els.map(e => e.value)") == [str(team.pk)]
    leader.page.select_option("#claim-team", str(team.pk))
    flows.submit_form(leader, "#claim-for-team")
    assert leader.page.locator(".msg-success").is_visible()
    assert flows.error_codes(leader) == []
    claim = WishClaim.objects.get(wish=wish)
    assert (claim.team_id, claim.member_id, claim.claimed_by_id) == (team.pk, None, world.member.user.pk)
    # Now the leader sees the resident, and the wish names the team it is claimed for.
    assert flows.RESIDENT_PHONE in leader.page.locator("dl.facts").inner_text()
    assert leader.page.locator(f"dl.facts a[href='/m/teams/{team.pk}/']").count() == 1

    # The team's page lists the wish it holds, to its members too (only the leader opens it).
    teammate = visit(world.teammate.user)
    teammate.go(f"/m/teams/{team.pk}/")
    held = teammate.page.locator(f"#team-claims li[data-wish='{wish.pk}']")
    assert held.get_attribute("data-status") == WishStatus.CLAIMED
    assert held.locator("a").count() == 0

    # The leader reports it done, ticking the two members who went.
    leader.page.fill("#fulfil-note", FULFIL_NOTE)
    participants = leader.page.locator("#team-participants input[name=participants]")
    assert sorted(participants.evaluate_all("els => els.map(e => e.value)")) == sorted(
        [str(world.member.pk), str(world.teammate.pk)]
    )
    leader.page.check(f"#team-participants input[value='{world.member.pk}']")
    leader.page.check(f"#team-participants input[value='{world.teammate.pk}']")
    leader.shot("member-wish-team-fulfil-phone")
    flows.submit_form(leader, f"form[action='/m/wishes/{wish.pk}/fulfil/']")
    assert leader.page.locator(".msg-success").is_visible()
    wish.refresh_from_db()
    assert wish.status == WishStatus.FULFILLED
    assert set(claim.participants.values_list("member_id", flat=True)) == {world.member.pk, world.teammate.pk}
    assert flows.tracking_stage(resident, tracking_url) == "done"
    assert _team_figure(leader, team, "services") == "0"  # not before the community confirms

    # The community confirms: each member who went gets the service, carrying the team.
    flows.staff_confirm_wish(staff, wish, rating=5, comment="服务队配合默契")
    wish.refresh_from_db()
    assert wish.status == WishStatus.CONFIRMED
    records = ServiceRecord.objects.filter(source=ServiceSource.WISH, source_id=wish.pk)
    assert {(r.member_id, r.team_id, r.status) for r in records} == {
        (world.member.pk, team.pk, RecordStatus.APPROVED),
        (world.teammate.pk, team.pk, RecordStatus.APPROVED),
    }

    # The resident rates it on the tracking page.
    flows.resident_rates(resident, tracking_url, rating=5, comment="服务队的同志很细心，谢谢！")
    request.refresh_from_db()
    assert request.resident_rating == 5

    # The team's page counts one service this year, by two members, for the leader and the teammate alike.
    assert _team_figure(leader, team, "services") == "1"
    assert _team_figure(leader, team, "members_served") == "2"
    assert leader.page.locator(f"#team-claims li[data-wish='{wish.pk}']").count() == 0  # no longer held
    leader.shot("member-team-figures-phone")
    assert _team_figure(teammate, team, "services") == "1"


def _visit_times():
    """An hour's visit ending a few minutes ago (a visit may not start before the day of its pairing: near midnight
    the test moves the pairing's start back a day, see below)."""
    end = timezone.localtime(timezone.now() - timedelta(minutes=5)).replace(second=0, microsecond=0)
    return end - timedelta(hours=1), end


def test_a_paired_member_registers_a_household_visit_and_the_staff_approve_it(visit, neighbourhood):
    world = neighbourhood

    # The community's staff record a household, with its consent, on the desk.
    staff = visit(world.staff)
    staff.go("/staff/")
    staff.page.click("nav.subnav a[href='/staff/households/']")
    staff.page.wait_for_load_state()
    staff.page.click("#household-new")
    staff.page.wait_for_load_state()
    assert staff.page.url.endswith("/staff/households/new/")
    page = staff.page
    assert page.locator("#id_community").input_value() == str(world.community.pk)  # their only community
    page.select_option("#id_grid", str(world.grid.pk))
    page.fill("#id_head_name", HEAD_NAME)
    page.fill("#id_phone", "13900001111")
    page.fill("#id_address", HOUSEHOLD_ADDRESS)
    page.select_option("#id_situation", HouseholdSituation.ELDERLY_ALONE)
    page.fill("#id_consent_on", timezone.localdate().isoformat())
    flows.submit_form(staff, "#household-form")
    household = Household.objects.get(head_name=HEAD_NAME)
    assert staff.page.url.endswith(f"/staff/households/{household.pk}/")
    assert staff.page.locator(".msg-success").is_visible()
    assert (household.community_id, household.grid_id, household.consent_by_id) == (
        world.community.pk,
        world.grid.pk,
        world.staff.pk,
    )

    # They pair it with the member registered in the community, found by name.
    staff.page.fill("#pair-q", "陈志远")
    flows.submit_form(staff, "#pair-search")
    assert staff.page.locator("#pair-member option").evaluate_all("els => els.map(e => e.value)") == [
        str(world.member.pk)
    ]
    flows.submit_form(staff, "#pair-member-form")
    assert staff.page.locator(".msg-success").is_visible()
    pairing = HouseholdPairing.objects.get(household=household)
    assert (pairing.member_id, pairing.team_id, pairing.ended_on) == (world.member.pk, None, None)
    assert staff.page.locator(f"#pairings li[data-pairing='{pairing.pk}'][data-open='1']").count() == 1

    started_at, ended_at = _visit_times()
    if timezone.localdate(started_at) < pairing.started_on:  # just after midnight: paired "yesterday"
        HouseholdPairing.objects.filter(pk=pairing.pk).update(started_on=timezone.localdate(started_at))

    # The member opens 我的结对户 on their phone: the address, the head's name masked.
    member = visit(world.member.user)
    member.go("/m/")
    member.page.click("nav.subnav a[href='/m/households/']")
    member.page.wait_for_load_state()
    row = member.page.locator(f"#paired-households li[data-pairing='{pairing.pk}']")
    assert HOUSEHOLD_ADDRESS in row.inner_text()
    assert HEAD_NAME not in member.page.content()
    row.locator("a").click()
    member.page.wait_for_load_state()
    assert member.page.url.endswith(f"/m/households/{pairing.pk}/")

    # They register a visit (登记走访).
    page = member.page
    page.fill("#id_started_at", flows.local_input(started_at))
    page.fill("#id_ended_at", flows.local_input(ended_at))
    page.fill("#id_content", VISIT_CONTENT)
    page.fill("#id_residents_served", "1")
    page.set_input_files("#id_photo", flows.photo_file())
    flows.submit_form(member, "#visit-form")
    assert member.page.url.endswith(f"/m/households/{pairing.pk}/")
    assert member.page.locator(".msg-success").is_visible()
    assert flows.error_codes(member) == []
    visit_row = HouseholdVisit.objects.get(pairing=pairing)
    record = ServiceRecord.objects.get(member=world.member, source=ServiceSource.SELF)
    assert record.source_id == visit_row.self_service_id
    assert (record.community_id, record.status, record.credited_minutes) == (
        world.community.pk,
        RecordStatus.PENDING,
        60,
    )
    assert member.page.locator(f"#visits li[data-record='{record.pk}']").get_attribute("data-status") == (
        RecordStatus.PENDING
    )
    member.shot("member-household-visit-phone")

    # Pending on the hours page: listed, not counted yet.
    row = flows.hours_row(member, VISIT_CONTENT, year=started_at.year)
    assert row.count() == 1
    assert row.locator(".badge.badge-warn").count() == 1
    assert member.page.locator("#total-hours").inner_text() == "0.0"

    # The staff find it on 服务记录 under 服务登记, at the household's address, and approve it.
    flows.staff_records_filtered(staff, source=ServiceSource.SELF)
    assert staff.page.locator("ul.records > li").count() == 1
    assert HOUSEHOLD_ADDRESS in staff.page.locator(f"#record-{record.pk}").inner_text()
    flows.staff_approve_record(staff, record)
    record.refresh_from_db()
    assert (record.status, record.decided_by_id) == (RecordStatus.APPROVED, world.staff.pk)

    # The member's hours page shows it approved and counts it; the household's page too.
    row = flows.hours_row(member, VISIT_CONTENT, year=started_at.year)
    assert row.locator(".badge.badge-ok").count() == 1
    assert member.page.locator("#total-hours").inner_text() == "1.0"
    member.go(f"/m/households/{pairing.pk}/")
    assert member.page.locator(f"#visits li[data-record='{record.pk}']").get_attribute("data-status") == (
        RecordStatus.APPROVED
    )
    # The staff see the pairing's last visit on the household's page.
    staff.go(f"/staff/households/{household.pk}/")
    last = staff.page.locator(f"#pairings li[data-pairing='{pairing.pk}'] .meta").inner_text()
    assert timezone.localdate(started_at).isoformat() in last

    # The same pages at the desk (a wide screen): the households, and the household with its pairing.
    desk = visit(world.staff, viewport=DESKTOP)
    desk.go("/staff/households/")
    assert desk.page.locator("#household-new").is_visible()
    desk.shot("staff-households-desktop")
    desk.go(f"/staff/households/{household.pk}/")
    assert desk.page.locator(f"#pairings li[data-pairing='{pairing.pk}']").is_visible()
    desk.shot("staff-household-desktop")
