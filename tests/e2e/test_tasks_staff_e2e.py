"""Every task of community staff on its pages, in a real browser at phone sizes (360 and 390 px) and on a desk:
service records (an offline service for several members; approve, approve with other figures, reject, correct),
standing posts (set one up, see its holders, take a post back), changing an activity and taking a member off its
list, the attendance sheet as one card a person on a phone, and the tab bar's scroll hint."""

from datetime import datetime, timedelta
from io import BytesIO
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone
from PIL import Image

from apps.accounts.models import Role
from apps.activities.hours import activity_finish
from apps.activities.models import Activity, ActivityStatus, HoursStatus, SignUpStatus
from apps.ledger import services as ledger
from apps.ledger.models import RecordStatus, ServiceCategory, ServiceRecord, ServiceSource
from apps.ledger.selectors import record_effective
from apps.orgs.models import Organ, PartyOrg
from apps.places.models import Community, Grid
from apps.registrations.models import Post, PostClaim, PostKind
from tests.e2e.conftest import DESKTOP, PHONE, f, with_password
from tests.web.test_staff_pages import make_activity, make_signup

SHANGHAI = ZoneInfo("Asia/Shanghai")
PHONE_360 = {"width": 360, "height": 740}
PHONE_390 = PHONE  # the conftest's phone: 390 x 844
PHONES = pytest.mark.parametrize("viewport", [PHONE_360, PHONE_390], ids=["360", "390"])

# The page itself never scrolls sideways (wide tables scroll inside their own box).
FITS = "document.scrollingElement.scrollWidth <= window.innerWidth"


def local(moment):
    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")


def named(member, name):
    member.user.name = name
    member.user.save(update_fields=["name"])
    return member


@pytest.fixture
def desk(e2e_world):
    """The world with a second staff member of the community and three more members registered there (named)."""
    world = e2e_world
    Community.objects.filter(pk=world.community.pk).update(name="幸福社区")
    Grid.objects.filter(pk=world.grid.pk).update(name="第一网格")
    Organ.objects.filter(pk=world.organ.pk).update(name="区人大常委会办公室")
    PartyOrg.objects.filter(pk=world.branch.pk).update(name="机关第一党支部")
    world.second_staff = with_password(f.UserFactory(name="社区干部二"))
    f.RoleFactory(user=world.second_staff, role=Role.COMMUNITY_STAFF, community=world.community)
    named(world.member, "李建国")
    world.neighbours = [
        f.MemberFactory(branch=world.branch, user=f.UserFactory(name=name)) for name in ("王秀英", "陈晓燕", "赵志刚")
    ]
    for member in [world.member, *world.neighbours]:
        f.RegistrationFactory(member=member, grid=world.grid)
    return world


def manual_record(world, member, *, minutes=90, residents=2, content="整理社区图书角", status=RecordStatus.PENDING):
    start = timezone.now() - timedelta(days=2)
    if status == RecordStatus.PENDING:
        return ledger.record_create_manual(
            actor=world.second_staff,
            member=member,
            community=world.community,
            grid=world.grid,
            category=ServiceCategory.CARE_VISIT,
            content=content,
            started_at=start,
            ended_at=start + timedelta(hours=2),
            credited_minutes=minutes,
            residents_served=residents,
            reason="线下服务，纸质签到表存档",
        )
    return ledger.record_create(
        member=member,
        community=world.community,
        grid=world.grid,
        source=ServiceSource.MANUAL,
        source_id=None,
        category=ServiceCategory.CARE_VISIT,
        content=content,
        started_at=start,
        ended_at=start + timedelta(hours=2),
        credited_minutes=minutes,
        residents_served=residents,
        status=RecordStatus.APPROVED,
        decided_by=world.second_staff,
    )


# --- service records --------------------------------------------------------------------------------------------


def test_staff_enter_one_offline_service_for_several_members(visit, desk):
    world = desk
    elsewhere = named(world.other_member, "孙丽华")  # registered with no community of the desk: by mobile number
    start = timezone.localtime(timezone.now() - timedelta(days=1)).replace(hour=9, minute=0, second=0, microsecond=0)

    staff = visit(world.staff, viewport=DESKTOP)
    staff.go("/staff/records/")
    page = staff.page
    page.click("main a[href='/staff/records/new/']")
    page.wait_for_load_state()
    assert page.url.endswith("/staff/records/new/")
    for member in (world.member, world.neighbours[0]):
        page.check(f"input[name=members][value='{member.pk}']")
    page.fill("#id_other_phones", elsewhere.user.phone)
    page.select_option("#id_category", "elderly")
    page.fill("#id_content", "为独居老人打扫卫生、清理楼道杂物")
    page.fill("#id_started_at", local(start))
    page.fill("#id_ended_at", local(start + timedelta(hours=2)))
    page.fill("#id_credited_minutes", "120")
    page.fill("#id_residents_served", "3")
    page.fill("#id_reason", "线下服务，纸质签到表存档")
    staff.shot("staff-record-new-desktop")
    page.click("main form[method=post] button[type=submit]")  # not the member search above it
    page.wait_for_load_state()

    assert "/staff/records/" in page.url and "status=pending" in page.url
    assert page.locator(".msg-success").is_visible()
    records = ServiceRecord.objects.filter(source=ServiceSource.MANUAL, content="为独居老人打扫卫生、清理楼道杂物")
    assert sorted(r.member_id for r in records) == sorted([world.member.pk, world.neighbours[0].pk, elsewhere.pk])
    assert {r.status for r in records} == {RecordStatus.PENDING}
    assert {r.credited_minutes for r in records} == {120}
    assert sum(r.residents_served for r in records) == 3  # the whole service's residents, counted once
    assert {r.recorded_by_id for r in records} == {world.staff.pk}
    for record in records:
        assert page.locator(f"#record-{record.pk}").is_visible()
    staff.shot("staff-records-desktop")


def test_staff_decide_and_correct_records_on_a_phone(visit, desk):
    world = desk
    approve = manual_record(world, world.member, minutes=90, residents=2, content="帮助老人代购生活用品")
    adjust = manual_record(world, world.neighbours[0], minutes=120, residents=4, content="社区环境卫生整治")
    reject = manual_record(world, world.neighbours[1], minutes=60, residents=1, content="政策宣讲进社区")
    correct = manual_record(world, world.neighbours[2], minutes=100, residents=2, status=RecordStatus.APPROVED)

    staff = visit(world.staff, viewport=PHONE_360)
    staff.go("/staff/records/")
    page = staff.page
    assert page.evaluate(FITS)
    staff.shot("staff-records-phone")

    # Approve as entered.
    page.locator(f"#record-{approve.pk}").get_by_role("button", name="通过", exact=True).click()
    page.wait_for_load_state()
    assert page.locator(".msg-success").is_visible()
    approve.refresh_from_db()
    assert (approve.status, approve.decided_by_id) == (RecordStatus.APPROVED, world.staff.pk)

    # Approve with other figures: approved as entered, then corrected (both steps stay).
    row = page.locator(f"#record-{adjust.pk}")
    row.locator("summary", has_text="按其他数字通过").click()
    page.fill(f"#minutes-{adjust.pk}", "90")
    page.fill(f"#residents-{adjust.pk}", "3")
    page.fill(f"#adjust-reason-{adjust.pk}", "中途离开半小时")
    assert page.evaluate(FITS)
    staff.shot("staff-records-adjust-phone")
    row.locator("details", has=page.locator("summary", has_text="按其他数字通过")).locator(
        "button[type=submit]"
    ).click()
    page.wait_for_load_state()
    assert page.locator(".msg-success").is_visible()
    adjust.refresh_from_db()
    assert adjust.status == RecordStatus.APPROVED and adjust.credited_minutes == 120
    assert record_effective(adjust) == (90, 3)

    # Reject with a reason.
    row = page.locator(f"#record-{reject.pk}")
    row.locator("summary", has_text="驳回").click()
    page.fill(f"#reject-reason-{reject.pk}", "当天未在社区服务")
    row.locator(f"form:has(#reject-reason-{reject.pk}) button[type=submit]").click()
    page.wait_for_load_state()
    assert page.locator(".msg-success").is_visible()
    reject.refresh_from_db()
    assert (reject.status, reject.decision_reason) == (RecordStatus.REJECTED, "当天未在社区服务")
    assert page.locator(f"#record-{reject.pk}").count() == 0  # gone from the pending list

    # Correct an approved record: a new row carries the difference, the original stays.
    staff.go("/staff/records/?status=approved")
    row = page.locator(f"#record-{correct.pk}")
    row.locator("summary", has_text="更正").click()
    page.fill(f"#minutes-{correct.pk}", "80")
    page.fill(f"#adjust-reason-{correct.pk}", "签退时间登记有误")
    row.locator(f"form:has(#minutes-{correct.pk}) button[type=submit]").click()
    page.wait_for_load_state()
    assert page.locator(".msg-success").is_visible()
    correct.refresh_from_db()
    assert correct.credited_minutes == 100
    assert record_effective(correct) == (80, 2)
    amendment = ServiceRecord.objects.get(amends=correct)
    assert (amendment.credited_minutes, amendment.decision_reason) == (-20, "签退时间登记有误")
    assert page.evaluate(FITS)


# --- standing posts ---------------------------------------------------------------------------------------------


def test_staff_set_up_a_post_see_its_holders_and_take_one_back(visit, desk):
    world = desk
    patrol = f.PostFactory(community=world.community, kind=PostKind.SAFETY_PATROLLER, title="治安巡逻员", capacity=3)
    held = PostClaim.objects.create(post=patrol, member=world.member, claimed_at=timezone.now() - timedelta(days=30))
    kept = PostClaim.objects.create(post=patrol, member=world.neighbours[0], claimed_at=timezone.now())

    staff = visit(world.staff, viewport=DESKTOP)
    staff.go("/staff/posts/")
    page = staff.page
    page.click("main a[href='/staff/posts/new/']")
    page.wait_for_load_state()
    page.select_option("#id_kind", PostKind.CIVILITY_GUIDE)
    page.fill("#id_title", "文明引导员")
    page.fill("#id_description", "周末在小区门口引导文明停车，劝导乱扔垃圾。")
    page.fill("#id_capacity", "4")
    page.click("main form button[type=submit]")
    page.wait_for_load_state()
    assert page.url.endswith("/staff/posts/")
    assert page.locator(".msg-success").is_visible()
    post = Post.objects.get(title="文明引导员")
    assert (post.community_id, post.kind, post.capacity, post.is_active) == (
        world.community.pk,
        PostKind.CIVILITY_GUIDE,
        4,
        True,
    )
    assert page.locator(f"#post-{post.pk}").is_visible()

    # The holders, each with organ and branch, under their post.
    holders = page.locator(f"#post-{patrol.pk} .holder-name").all_inner_texts()
    assert holders == ["李建国", "王秀英"]
    staff.shot("staff-posts-desktop")
    page.locator(f"li[data-claim='{held.pk}']").get_by_role("button", name="收回岗位").click()
    page.wait_for_load_state()
    assert page.locator(".msg-success").is_visible()
    held.refresh_from_db()
    kept.refresh_from_db()
    assert held.released_at is not None and kept.released_at is None
    assert page.locator(f"#post-{patrol.pk} .holder-name").all_inner_texts() == ["王秀英"]

    phone = visit(world.staff, viewport=PHONE_360)
    phone.go("/staff/posts/")
    assert phone.page.evaluate(FITS)
    phone.shot("staff-posts-phone")


# --- activities: cancel a sign-up, edit ---------------------------------------------------------------------------


def test_an_organizer_cancels_a_sign_up_then_edits_the_activity(visit, desk):
    world = desk
    activity = make_activity(world, title="社区环境卫生整治", capacity=2)
    leaving = make_signup(activity, world.member)
    staying = make_signup(activity, world.neighbours[0])
    waiting = make_signup(activity, world.neighbours[1], status=SignUpStatus.WAITLISTED)
    started = make_activity(world, starts_at=timezone.now() - timedelta(minutes=30), title="夜间治安巡逻")

    staff = visit(world.staff, viewport=DESKTOP)
    staff.go(f"/staff/activities/{activity.pk}/")
    page = staff.page
    cancel = page.locator(f"form[action='/staff/signups/{leaving.pk}/cancel/']")
    cancel.locator(f"#cancel-reason-{leaving.pk}").fill("本人临时出差")
    cancel.locator("button[type=submit]").click()
    page.wait_for_load_state()
    assert page.url.endswith(f"/staff/activities/{activity.pk}/")
    assert page.locator(".msg-success").is_visible()
    leaving.refresh_from_db()
    waiting.refresh_from_db()
    assert leaving.status == SignUpStatus.CANCELLED
    assert waiting.status == SignUpStatus.CONFIRMED  # the freed place went to the waitlist
    assert page.locator(f"form[action='/staff/signups/{leaving.pk}/cancel/']").count() == 0
    staff.shot("staff-activity-desktop")

    # Edit: a new title and more places; only what changed is saved.
    page.click(f"main a[href='/staff/activities/{activity.pk}/edit/']")
    page.wait_for_load_state()
    assert page.url.endswith(f"/staff/activities/{activity.pk}/edit/")
    page.fill("#id_title", "社区环境卫生整治（第二期）")
    page.fill("#id_capacity", "5")
    staff.shot("staff-activity-edit-desktop")
    page.click("main form button[type=submit]")
    page.wait_for_load_state()
    assert page.url.endswith(f"/staff/activities/{activity.pk}/")
    assert page.locator(".msg-success").is_visible()
    assert page.locator("h1").inner_text() == "社区环境卫生整治（第二期）"
    activity.refresh_from_db()
    assert (activity.title, activity.capacity, activity.confirmed_count) == ("社区环境卫生整治（第二期）", 5, 2)
    staying.refresh_from_db()
    assert staying.status == SignUpStatus.CONFIRMED

    # An activity that has started can no longer be changed: the page says so and offers no form.
    staff.go(f"/staff/activities/{started.pk}/edit/")
    assert page.locator("[data-error-code=activity_not_editable]").is_visible()
    assert page.locator("#id_title").count() == 0
    assert Activity.objects.get(pk=started.pk).title == "夜间治安巡逻"


# --- the attendance sheet on a phone ------------------------------------------------------------------------------


def _finished_activity(world):
    starts = datetime.combine(timezone.localdate() - timedelta(days=3), datetime.min.time(), SHANGHAI).replace(hour=9)
    activity = make_activity(world, starts_at=starts, status=ActivityStatus.CLOSED, title="社区环境卫生整治")
    signups = [
        make_signup(activity, member, checked_in_at=starts, checked_out_at=starts + timedelta(minutes=minutes))
        for member, minutes in zip([world.member, *world.neighbours], (90, 120, 60, 100), strict=True)
    ]
    activity_finish(activity=activity, now=starts + timedelta(hours=3))
    return activity, signups


@PHONES
def test_the_attendance_sheet_is_one_card_a_person_on_a_phone(visit, desk, viewport):
    world = desk
    activity, signups = _finished_activity(world)
    approve, adjust, reject, _left = signups

    staff = visit(world.staff, viewport=viewport)
    staff.go(f"/staff/activities/{activity.pk}/attendance/")
    page = staff.page
    width = viewport["width"]
    assert page.evaluate(FITS)
    cards = page.locator("table.attendance tbody tr")
    assert cards.count() == len(signups)
    for signup in signups:
        card = page.locator(f"#signup-{signup.pk}")
        box = card.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= width, box
        # Every decision is within the card and the screen: nothing to reach by scrolling sideways.
        for action in ("approve", "adjust", "reject"):
            button = card.locator(f"form[action='/staff/signups/{signup.pk}/{action}/'] button[type=submit]")
            button.scroll_into_view_if_needed()
            assert button.is_visible()
            button_box = button.bounding_box()
            assert button_box["x"] >= box["x"] and button_box["x"] + button_box["width"] <= box["x"] + box["width"]
    # The cards stack: each below the one before.
    tops = [page.locator(f"#signup-{s.pk}").bounding_box()["y"] for s in signups]
    assert tops == sorted(tops) and len(set(tops)) == len(tops)
    if width == PHONE_360["width"]:
        staff.shot("staff-attendance-phone", full_page=False)

    page.locator(f"#signup-{approve.pk}").get_by_role("button", name="通过", exact=True).click()
    page.wait_for_load_state()
    assert page.locator(".msg-success").is_visible()

    page.fill(f"#minutes-{adjust.pk}", "100")
    page.fill(f"#adjust-reason-{adjust.pk}", "中途离开20分钟")
    page.locator(f"#signup-{adjust.pk}").get_by_role("button", name="调整").click()
    page.wait_for_load_state()
    assert page.locator(".msg-success").is_visible()

    page.fill(f"#reject-reason-{reject.pk}", "未在现场服务")
    page.locator(f"#signup-{reject.pk}").get_by_role("button", name="驳回").click()
    page.wait_for_load_state()
    assert page.locator(".msg-success").is_visible()
    assert page.evaluate(FITS)

    for signup in (approve, adjust, reject):
        signup.refresh_from_db()
    assert approve.hours_status == HoursStatus.APPROVED and approve.record.status == RecordStatus.APPROVED
    assert (adjust.hours_status, adjust.credited_minutes) == (HoursStatus.APPROVED, 100)
    assert (reject.hours_status, reject.decision_reason) == (HoursStatus.REJECTED, "未在现场服务")


# --- every new desk page fits a phone --------------------------------------------------------------------------


def test_the_desk_pages_fit_a_phone(visit, desk):
    world = desk
    activity = make_activity(world, title="社区环境卫生整治")
    make_signup(activity, world.member)
    post = f.PostFactory(community=world.community, title="政策宣传员")
    PostClaim.objects.create(post=post, member=world.member, claimed_at=timezone.now())
    manual_record(world, world.neighbours[0])
    for viewport in (PHONE_360, PHONE_390):
        staff = visit(world.staff, viewport=viewport)
        for path in (
            "/staff/records/",
            "/staff/records/new/",
            "/staff/posts/",
            "/staff/posts/new/",
            f"/staff/activities/{activity.pk}/edit/",
        ):
            assert staff.go(path).status == 200, path
            assert staff.page.locator("h1").is_visible(), path
            assert staff.page.evaluate(FITS), (viewport["width"], path)
        if viewport == PHONE_360:
            staff.go("/staff/records/new/")
            staff.shot("staff-record-new-phone")


def test_the_activity_page_with_its_sign_ups_fits_a_phone(visit, desk):
    activity = make_activity(desk, title="社区环境卫生整治")
    make_signup(activity, desk.member)
    staff = visit(desk.staff, viewport=PHONE_360)
    staff.go(f"/staff/activities/{activity.pk}/")
    assert staff.page.locator("form.reject-form").is_visible()
    assert staff.page.evaluate(FITS)


# --- the tab bar's scroll hint ----------------------------------------------------------------------------------


def _edge_shades(locator):
    """The brightness of the tab bar's first and last pixel columns, on its top row (above the tabs' text)."""
    image = Image.open(BytesIO(locator.screenshot())).convert("L")
    return image.getpixel((1, 2)), image.getpixel((image.width - 2, 2))


def test_the_staff_tab_bar_hints_that_it_scrolls_on_a_phone(visit, desk):
    staff = visit(desk.staff, viewport=PHONE_360)
    staff.go("/staff/")
    nav = staff.page.locator("nav.subnav")
    overflow = nav.evaluate("el => el.scrollWidth - el.clientWidth")
    assert overflow > 0  # more tabs than the screen holds
    assert staff.page.evaluate(FITS)  # the bar scrolls, not the page
    style = nav.evaluate("el => getComputedStyle(el).backgroundAttachment")
    assert style.replace(" ", "") == "local,local,scroll,scroll"

    # At the start: a shadow on the right, where more tabs wait; none on the left.
    left, right = _edge_shades(nav)
    assert right < left - 10, (left, right)
    staff.shot("staff-subnav-phone", full_page=False)

    # Scrolled to the end: the shadow moves to the left.
    nav.evaluate("el => { el.scrollLeft = el.scrollWidth; }")
    left, right = _edge_shades(nav)
    assert left < right - 10, (left, right)
    last = nav.locator("a").last
    assert last.bounding_box()["x"] + last.bounding_box()["width"] <= PHONE_360["width"]
