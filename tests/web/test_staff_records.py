"""Service records at the desk: entering an offline service for one member or several (the members listed found by a
search), and approving, adjusting, rejecting or correcting a manual entry, also when another member of staff decided
it since the page was shown; the desk's home counts what waits."""

import re
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from apps.accounts.models import Role
from apps.ledger import services as ledger
from apps.ledger.models import AuditEntry, RecordStatus, ServiceCategory, ServiceRecord, ServiceSource
from apps.ledger.selectors import record_effective
from apps.stats.nodes import Level, Node
from apps.stats.periods import period_of
from apps.stats.selectors import node_metrics
from apps.web.staff import records as record_pages
from tests import factories as f

pytestmark = pytest.mark.django_db


def browser_for(user):
    client = Client()
    client.force_login(user)
    return client


def local(dt):
    return timezone.localtime(dt).strftime("%Y-%m-%dT%H:%M")


@pytest.fixture
def desk(world):
    """The world, with a second staff member of the community and two more members registered there."""
    world.second_staff = f.UserFactory(name="社区干部二")
    f.RoleFactory(user=world.second_staff, role=Role.COMMUNITY_STAFF, community=world.community)
    world.neighbours = [f.MemberFactory(branch=world.branch) for _ in range(2)]
    for member in [world.member, *world.neighbours]:
        f.RegistrationFactory(member=member, grid=world.grid)
    return world


def entry_form(world, **overrides):
    start = timezone.now() - timedelta(days=1, hours=3)
    data = {
        "community": world.community.pk,
        "grid": "",
        "members": [world.member.pk, world.neighbours[0].pk],
        "other_phones": "",
        "category": "elderly",
        "content": "帮助独居老人打扫卫生",
        "started_at": local(start),
        "ended_at": local(start + timedelta(hours=2)),
        "credited_minutes": "120",
        "residents_served": "3",
        "reason": "线下服务，纸质签到表存档",
    }
    data.update(overrides)
    return data


def manual_record(world, member=None, minutes=60, residents=2):
    start = timezone.now() - timedelta(days=2)
    return ledger.record_create_manual(
        actor=world.staff,
        member=member or world.member,
        community=world.community,
        category=ServiceCategory.CARE_VISIT,
        content="整理社区图书角",
        started_at=start,
        ended_at=start + timedelta(hours=2),
        credited_minutes=minutes,
        residents_served=residents,
        reason="线下服务",
    )


# --- entering --------------------------------------------------------------------------------------------------


def test_staff_enter_one_service_done_by_several_members_and_the_residents_count_once(desk):
    client = browser_for(desk.staff)
    page = client.get(reverse("staff:record-new"))
    assert page.status_code == 200
    # The community's registered members are offered; a member registered elsewhere is not.
    offered = set(page.context["form"].fields["members"].queryset)
    assert offered == {desk.member, *desk.neighbours}

    response = client.post(
        reverse("staff:record-new"), entry_form(desk, other_phones=f"{desk.other_member.user.phone}\n")
    )

    assert response.status_code == 302
    records = list(ServiceRecord.objects.order_by("pk"))
    assert [r.member for r in records] == [desk.member, desk.neighbours[0], desk.other_member]
    assert {(r.status, r.source, r.credited_minutes, r.recorded_by_id) for r in records} == {
        (RecordStatus.PENDING, ServiceSource.MANUAL, 120, desk.staff.pk)
    }
    assert sum(r.residents_served for r in records) == 3
    assert {r.category for r in records} == {ServiceCategory.ELDERLY}
    assert AuditEntry.objects.filter(subject_type="ledger.servicerecord", action="create").count() == 3
    # Approved, the occasion's 3 residents count once at every node that took part: each member, each organ, the
    # community (not 3 for the first member only, nor 6 for side A's organ of two members).
    for record in records:
        ledger.record_approve(record=record, actor=desk.second_staff)
    period = period_of(day=timezone.localdate(records[0].started_at))
    nodes = [
        *(Node(Level.MEMBER, r.member) for r in records),
        Node(Level.ORGAN, desk.organ),
        Node(Level.ORGAN, desk.other_organ),
        Node(Level.COMMUNITY, desk.community),
    ]
    assert [node_metrics(node=node, period=period)["residents_served"] for node in nodes] == [3] * 6


def test_the_entry_form_asks_for_a_category_with_none_chosen_in_advance(desk):
    client = browser_for(desk.staff)
    html = client.get(reverse("staff:record-new")).content.decode()
    select = re.search(r'<select name="category"[^>]*>(.*?)</select>', html, re.S)
    assert select and "required" in select.group(0)
    offered = re.findall(r'<option value="([^"]*)"', select.group(1))
    assert offered == ["", *ServiceCategory.values]
    assert re.findall(r'<option value="([^"]*)" selected', select.group(1)) == [""]
    for category in ("", "gift"):
        response = client.post(reverse("staff:record-new"), entry_form(desk, category=category))
        assert response.status_code == 200 and list(response.context["form"].errors) == ["category"]
    assert not ServiceRecord.objects.exists()


def test_the_record_list_shows_each_records_category(desk):
    record = manual_record(desk)
    html = browser_for(desk.second_staff).get(reverse("staff:records")).content.decode()
    item = re.search(rf'<li id="record-{record.pk}">(.*?)</li>', html, re.S).group(1)
    assert 'data-category="care_visit"' in item


def test_an_entry_with_a_bad_figure_or_an_unknown_number_writes_nothing(desk):
    client = browser_for(desk.staff)
    too_long = client.post(reverse("staff:record-new"), entry_form(desk, credited_minutes="500"))
    assert too_long.status_code == 200
    codes = [e.code for e in too_long.context["form"].non_field_errors().as_data()]
    assert codes == ["minutes_exceed_span"]
    unknown = client.post(reverse("staff:record-new"), entry_form(desk, other_phones="13799999999"))
    assert unknown.status_code == 200 and "other_phones" in unknown.context["form"].errors
    nobody = client.post(reverse("staff:record-new"), entry_form(desk, members=[]))
    assert [e.code for e in nobody.context["form"].non_field_errors().as_data()] == ["members_required"]
    assert not ServiceRecord.objects.exists()


def test_a_member_cannot_enter_their_own_service_even_as_staff(desk):
    staff_member = f.MemberFactory(branch=desk.branch, user=desk.second_staff)
    f.RegistrationFactory(member=staff_member, grid=desk.grid)
    response = browser_for(desk.second_staff).post(
        reverse("staff:record-new"), entry_form(desk, members=[staff_member.pk, desk.member.pk])
    )
    assert [e.code for e in response.context["form"].non_field_errors().as_data()] == ["own_service"]
    assert not ServiceRecord.objects.exists()  # all or none


# --- the members the entry form lists ----------------------------------------------------------------------------


def listed_members(response):
    """The members the entry form offers to tick, as rendered (checkbox values), and those ticked."""
    html = response.content.decode()
    boxes = re.findall(r'<input type="checkbox" name="members" value="(\d+)"[^>]*>', html)
    ticked = re.findall(r'<input type="checkbox" name="members" value="(\d+)"[^>]*checked[^>]*>', html)
    return {int(pk) for pk in boxes}, {int(pk) for pk in ticked}


@pytest.fixture
def named(desk):
    """Three more members registered with the community, with names and numbers to search by."""
    desk.named = {}
    for name, phone in (("王小明", "13711110001"), ("王小红", "13711112345"), ("李大伟", "13722225678")):
        desk.named[name] = f.MemberFactory(branch=desk.branch, user=f.UserFactory(name=name, phone=phone))
        f.RegistrationFactory(member=desk.named[name], grid=desk.grid)
    return desk


def test_the_entry_form_lists_at_most_so_many_members_and_asks_for_a_narrower_search(named, monkeypatch):
    monkeypatch.setattr(record_pages, "MEMBER_CHOICES_MAX", 2)
    client = browser_for(named.staff)
    page = client.get(reverse("staff:record-new"))
    shown, _ticked = listed_members(page)
    assert len(shown) == 2
    assert 'id="members-refine"' in page.content.decode()
    # The search is a plain GET form: it works without JavaScript.
    assert re.search(r'<form method="get"[^>]*id="member-search"', page.content.decode())

    narrowed = client.get(reverse("staff:record-new"), {"q": "王小"})
    assert listed_members(narrowed)[0] == {named.named["王小明"].pk, named.named["王小红"].pk}
    assert 'id="members-refine"' not in narrowed.content.decode()


def test_members_are_found_by_name_or_the_last_digits_of_their_number(named):
    client = browser_for(named.staff)

    def found(search):
        return listed_members(client.get(reverse("staff:record-new"), {"q": search}))[0]

    assert found("大伟") == {named.named["李大伟"].pk}
    assert found("2345") == {named.named["王小红"].pk}
    assert found("小明 5678") == {named.named["王小明"].pk, named.named["李大伟"].pk}  # several at once
    nobody = client.get(reverse("staff:record-new"), {"q": "赵"})
    assert listed_members(nobody)[0] == set()
    assert 'id="members-none"' in nobody.content.decode()


def test_the_search_stays_within_the_users_communities_and_a_superuser_searches_the_city(named):
    stranger = f.MemberFactory(branch=named.other_branch, user=f.UserFactory(name="王小刚", phone="13733330001"))
    f.RegistrationFactory(member=stranger, grid=named.other_grid)
    staff_found = listed_members(browser_for(named.staff).get(reverse("staff:record-new"), {"q": "王小"}))[0]
    assert stranger.pk not in staff_found
    city = listed_members(browser_for(named.superuser).get(reverse("staff:record-new"), {"q": "王小"}))[0]
    assert city == {named.named["王小明"].pk, named.named["王小红"].pk, stranger.pk}


def test_members_ticked_stay_ticked_when_the_form_comes_back_and_any_member_in_scope_may_be_entered(named):
    client = browser_for(named.staff)
    xiaoming, dawei = named.named["王小明"], named.named["李大伟"]
    # 李大伟 is not among the members the search lists, but was ticked: he stays listed and ticked.
    back = client.post(
        reverse("staff:record-new"), entry_form(named, q="王小", members=[dawei.pk], credited_minutes="500")
    )
    assert back.status_code == 200
    shown, ticked = listed_members(back)
    assert shown == {xiaoming.pk, named.named["王小红"].pk, dawei.pk} and ticked == {dawei.pk}
    assert not ServiceRecord.objects.exists()

    saved = client.post(reverse("staff:record-new"), entry_form(named, q="赵", members=[xiaoming.pk, dawei.pk]))
    assert saved.status_code == 302
    assert {r.member_id for r in ServiceRecord.objects.all()} == {xiaoming.pk, dawei.pk}


def test_a_member_outside_the_users_communities_cannot_be_ticked(named):
    stranger = f.MemberFactory(branch=named.other_branch)
    f.RegistrationFactory(member=stranger, grid=named.other_grid)
    response = browser_for(named.staff).post(reverse("staff:record-new"), entry_form(named, members=[stranger.pk]))
    assert response.status_code == 200 and "members" in response.context["form"].errors
    assert not ServiceRecord.objects.exists()


# --- deciding --------------------------------------------------------------------------------------------------


def test_the_desk_home_counts_manual_entries_awaiting_approval_and_the_list_shows_them(desk):
    manual_record(desk)
    manual_record(desk, member=desk.neighbours[0])
    home = browser_for(desk.second_staff).get(reverse("staff:home"))
    tile = next(c for c in home.context["counts"] if c["url"].startswith(reverse("staff:records")))
    assert tile["value"] == 2
    listing = browser_for(desk.second_staff).get(tile["url"])
    assert [r.may_decide for r in listing.context["page_obj"].object_list] == [True, True]


def test_approve_adjust_and_reject_a_manual_entry(desk):
    approve, adjust, reject = (manual_record(desk, member=m) for m in [desk.member, *desk.neighbours])
    client = browser_for(desk.second_staff)

    client.post(reverse("staff:record-approve", args=[approve.pk]))
    approve.refresh_from_db()
    assert (approve.status, approve.decided_by) == (RecordStatus.APPROVED, desk.second_staff)

    client.post(
        reverse("staff:record-adjust", args=[adjust.pk]),
        {"credited_minutes": "45", "residents_served": "1", "reason": "签到表显示只服务了45分钟"},
    )
    adjust.refresh_from_db()
    assert adjust.status == RecordStatus.APPROVED and adjust.credited_minutes == 60  # as entered, then corrected
    assert record_effective(adjust) == (45, 1)
    assert adjust.amendments.get().decision_reason == "签到表显示只服务了45分钟"

    no_reason = client.post(reverse("staff:record-reject", args=[reject.pk]), {"reason": " "}, follow=True)
    assert 'data-error-code="reason_required"' in no_reason.content.decode()
    reject.refresh_from_db()
    assert reject.status == RecordStatus.PENDING
    client.post(reverse("staff:record-reject", args=[reject.pk]), {"reason": "当天无此活动"})
    reject.refresh_from_db()
    assert (reject.status, reject.decision_reason) == (RecordStatus.REJECTED, "当天无此活动")


def test_an_approved_record_is_corrected_with_a_reason(desk):
    record = manual_record(desk)
    ledger.record_approve(record=record, actor=desk.second_staff)
    client = browser_for(desk.staff)
    page = client.get(reverse("staff:records"), {"status": "approved"})
    assert [r.may_correct for r in page.context["page_obj"].object_list] == [True]
    client.post(
        reverse("staff:record-adjust", args=[record.pk]),
        {"credited_minutes": "90", "residents_served": "4", "reason": "补录遗漏的服务时间"},
    )
    assert record_effective(record) == (90, 4)


def test_records_outside_the_desk_read_as_missing_and_grid_workers_have_no_record_pages(desk):
    other_staff = f.UserFactory()
    f.RoleFactory(user=other_staff, role=Role.COMMUNITY_STAFF, community=desk.other_community)
    record = manual_record(desk)
    response = browser_for(other_staff).post(reverse("staff:record-approve", args=[record.pk]))
    assert response.status_code == 404
    record.refresh_from_db()
    assert record.status == RecordStatus.PENDING
    assert browser_for(desk.grid_worker).get(reverse("staff:records")).status_code == 403
    assert browser_for(desk.grid_worker).get(reverse("staff:record-new")).status_code == 403


def test_a_record_approved_by_a_colleague_after_the_page_was_shown_gets_the_figures_as_a_correction(desk):
    record = manual_record(desk, minutes=60, residents=2)
    client = browser_for(desk.second_staff)
    page = client.get(reverse("staff:records"))
    assert [r.may_decide for r in page.context["page_obj"].object_list] == [True]
    third = f.UserFactory()
    f.RoleFactory(user=third, role=Role.COMMUNITY_STAFF, community=desk.community)
    ledger.record_approve(record=record, actor=third)  # meanwhile, as entered

    response = client.post(
        reverse("staff:record-adjust", args=[record.pk]),
        {"credited_minutes": "45", "residents_served": "1", "reason": "签到表显示只服务了45分钟"},
        follow=True,
    )

    assert [m.level_tag for m in response.context["messages"]] == ["success"]
    record.refresh_from_db()
    assert (record.status, record.decided_by) == (RecordStatus.APPROVED, third)
    assert record_effective(record) == (45, 1)
    assert record.amendments.get().decided_by == desk.second_staff


def test_a_record_rejected_after_the_page_was_shown_is_not_approved_by_an_adjustment(desk):
    record = manual_record(desk)
    client = browser_for(desk.second_staff)
    client.get(reverse("staff:records"))
    ledger.record_reject(record=record, actor=desk.staff, reason="当天无此服务")

    response = client.post(
        reverse("staff:record-adjust", args=[record.pk]),
        {"credited_minutes": "45", "residents_served": "1", "reason": "按签到表"},
        follow=True,
    )

    assert 'data-error-code="record_not_pending"' in response.content.decode()
    record.refresh_from_db()
    assert record.status == RecordStatus.REJECTED
    assert not record.amendments.exists()


def test_an_activitys_record_is_listed_without_residents_and_cannot_be_given_any(desk):
    from apps.activities import hours
    from tests.activities_hours.conftest import make_activity, make_signup

    start = timezone.now() - timedelta(days=2)
    activity = make_activity(
        community=desk.community, created_by=desk.staff, starts_at=start, ends_at=start + timedelta(hours=2)
    )
    signup = make_signup(activity=activity, member=desk.member, checked_in_at=start, checked_out_at=activity.ends_at)
    hours.activity_finish(activity=activity, actor=desk.staff, now=activity.ends_at, residents_served=25)
    hours.hours_approve(signup=signup, actor=desk.second_staff)
    record = ServiceRecord.objects.get(source=ServiceSource.ACTIVITY)
    assert (record.status, record.residents_served) == (RecordStatus.APPROVED, 0)

    client = browser_for(desk.staff)
    page = client.get(reverse("staff:records"), {"status": "approved"})
    [listed] = page.context["page_obj"].object_list
    assert listed.pk == record.pk and not listed.may_correct  # its hours are corrected on the attendance sheet
    assert f'id="residents-{record.pk}"' not in page.content.decode()

    # A correction that would put residents on the member's record is refused, and writes nothing.
    response = client.post(
        reverse("staff:record-adjust", args=[record.pk]),
        {"credited_minutes": "120", "residents_served": "25", "reason": "按签到表"},
        follow=True,
    )
    assert 'data-error-code="residents_on_activity"' in response.content.decode()
    assert not record.amendments.exists()
    assert record_effective(record) == (120, 0)


# --- taking a member off an activity ---------------------------------------------------------------------------


def test_an_organizer_cancels_a_members_sign_up_and_the_waitlist_moves_up(desk):
    from apps.activities.models import ActivityStatus, SignUpStatus
    from tests.activities_hours.conftest import make_activity, make_signup

    start = timezone.now() + timedelta(days=2)
    activity = make_activity(
        community=desk.community,
        created_by=desk.staff,
        starts_at=start,
        ends_at=start + timedelta(hours=2),
        status=ActivityStatus.OPEN,
        capacity=1,
    )
    taken = make_signup(activity=activity, member=desk.member)
    waiting = make_signup(activity=activity, member=desk.neighbours[0], status=SignUpStatus.WAITLISTED)
    client = browser_for(desk.staff)
    page = client.get(reverse("staff:activity-detail", args=[activity.pk]))
    assert page.context["may_cancel_signups"] is True

    response = client.post(reverse("staff:signup-cancel", args=[taken.pk]), {"reason": "本人临时有事"})

    assert response.status_code == 302
    taken.refresh_from_db()
    waiting.refresh_from_db()
    assert (taken.status, waiting.status) == (SignUpStatus.CANCELLED, SignUpStatus.CONFIRMED)
    audit = AuditEntry.objects.get(subject_type="activities.signup", subject_id=taken.pk, action="cancel")
    assert (audit.actor, audit.reason) == (desk.staff, "本人临时有事")
    # Twice: the service's refusal, as its message only.
    again = client.post(reverse("staff:signup-cancel", args=[taken.pk]), follow=True)
    assert 'data-error-code="signup_not_active"' in again.content.decode()
    # Another community's staff cannot see the sign-up at all.
    other_staff = f.UserFactory()
    f.RoleFactory(user=other_staff, role=Role.COMMUNITY_STAFF, community=desk.other_community)
    assert browser_for(other_staff).post(reverse("staff:signup-cancel", args=[waiting.pk])).status_code == 404
