"""The desk pages of community staff and grid workers: gates, scoping, each POST's effect and its domain error."""

import io
import re
import secrets
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from apps.activities import checkin
from apps.activities.hours import activity_finish
from apps.activities.models import (
    Activity,
    ActivityCategory,
    ActivityStatus,
    Attendance,
    HoursStatus,
    SignUp,
    SignUpStatus,
)
from apps.ledger.models import RecordStatus, ServiceRecord, ServiceSource
from apps.ledger.selectors import record_effective
from apps.registrations import errors as registration_errors
from apps.registrations.models import Evaluation, EvaluationGrade, RegistrationStatus
from apps.wishes import errors as wish_errors
from apps.wishes import services as wish_services
from apps.wishes.models import ClaimStatus, Wish, WishCategory, WishClaim, WishForm, WishStatus
from tests import factories as f

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")


def browser_for(user):
    client = Client()
    client.force_login(user)
    return client


def body(response):
    return response.content.decode()


def messages_of(response):
    return [str(m) for m in response.context["messages"]] if response.context else []


# --- data ---------------------------------------------------------------------------------------------------------


def make_wish(world, *, grid=None, status=WishStatus.PUBLISHED, **extra):
    grid = grid or world.grid
    values = {
        "title": "为独居老人代购生活用品",
        "story": "老人行动不便，需要一袋米和一桶油。",
        "category": WishCategory.ELDERLY,
        "resident_name": "张三丰",
        "resident_phone": "13912345678",
        "resident_address": "幸福小区3栋2单元101",
        "estimated_value": 120,
        "deadline": timezone.now() + timedelta(days=10),
        "published_at": timezone.now() if status != WishStatus.DRAFT else None,
        "created_by": world.staff,
        **extra,
    }
    return Wish.objects.create(community=grid.community, grid=grid, status=status, **values)


def registered(world, member=None, grid=None):
    return f.RegistrationFactory(member=member or world.member, grid=grid or world.grid)


def fulfilled_wish(world):
    registered(world)
    wish = make_wish(world)
    wish_services.wish_claim(wish=wish, actor=world.member.user)
    return wish_services.wish_fulfil(wish=wish, actor=world.member.user, note="米和油已送到老人家中。")


def make_activity(world, *, community=None, starts_at=None, hours=2, status=ActivityStatus.OPEN, **extra):
    community = community or world.community
    starts_at = starts_at or timezone.now() + timedelta(days=3)
    values = {
        "grid": world.grid if community == world.community else None,
        "title": "社区环境卫生整治",
        "category": ActivityCategory.CLEAN_UP,
        "address": "幸福路1号",
        "latitude": f.CITY_LAT,
        "longitude": f.CITY_LNG,
        "signup_deadline": starts_at,
        "capacity": 10,
        "checkin_secret": secrets.token_hex(32),
        "created_by": world.staff,
        **extra,
    }
    return Activity.objects.create(
        community=community, starts_at=starts_at, ends_at=starts_at + timedelta(hours=hours), status=status, **values
    )


def make_signup(activity, member, *, status=SignUpStatus.CONFIRMED, checked_in_at=None, checked_out_at=None):
    signup = SignUp.objects.create(
        activity=activity,
        member=member,
        status=status,
        signed_up_at=activity.starts_at - timedelta(days=10),
        starts_at=activity.starts_at,
        ends_at=activity.ends_at,
        checked_in_at=checked_in_at,
        checked_out_at=checked_out_at,
        checkin_method="position" if checked_in_at else "",
    )
    if status == SignUpStatus.CONFIRMED:
        Activity.objects.filter(pk=activity.pk).update(confirmed_count=activity.confirmed_count + 1)
        activity.confirmed_count += 1
    return signup


@pytest.fixture
def finished_signup(world):
    """A two-hour clean-up last week, the world's member there throughout, finished: 120 minutes pending."""
    starts = datetime.combine(timezone.localdate() - timedelta(days=7), datetime.min.time(), SHANGHAI).replace(hour=9)
    activity = make_activity(world, starts_at=starts, status=ActivityStatus.CLOSED)
    signup = make_signup(activity, world.member, checked_in_at=starts, checked_out_at=starts + timedelta(hours=2))
    activity_finish(activity=activity, now=starts + timedelta(hours=3))
    signup.refresh_from_db()
    return signup


def png_upload():
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 30, 30)).save(buffer, format="PNG")
    return SimpleUploadedFile("photo.png", buffer.getvalue(), content_type="image/png")


# --- gates --------------------------------------------------------------------------------------------------------

DESK_URLS = [
    ("staff:home", ()),
    ("staff:registrations", ()),
    ("staff:wishes", ()),
    ("staff:wish-new", ()),
    ("staff:activities", ()),
    ("staff:activity-new", ()),
    ("staff:evaluations", ()),
]


@pytest.mark.parametrize("role", ["member", "reviewer", "secretary", "street_admin", "outsider"])
@pytest.mark.parametrize(("name", "args"), DESK_URLS)
def test_the_desk_is_refused_to_everyone_but_community_staff_and_grid_workers(world, role, name, args):
    response = browser_for(world.user(role)).get(reverse(name, args=args))
    assert response.status_code == 403
    assert "此页面供社区工作人员和网格员使用" in body(response)


@pytest.mark.parametrize("role", ["staff", "grid_worker"])
@pytest.mark.parametrize(("name", "args"), DESK_URLS)
def test_staff_and_grid_workers_open_every_desk_page(world, role, name, args):
    response = browser_for(world.user(role)).get(reverse(name, args=args))
    assert response.status_code == 200
    assert 'class="subnav"' in body(response)


def test_a_member_posting_a_desk_action_is_refused_and_nothing_changes(world):
    registration = f.RegistrationFactory(member=world.member, grid=world.grid, status=RegistrationStatus.PENDING)
    response = browser_for(world.member.user).post(reverse("staff:registration-confirm", args=[registration.pk]))
    assert response.status_code == 403
    registration.refresh_from_db()
    assert registration.status == RegistrationStatus.PENDING


def test_action_urls_refuse_get(world):
    registration = f.RegistrationFactory(member=world.member, grid=world.grid, status=RegistrationStatus.PENDING)
    response = browser_for(world.staff).get(reverse("staff:registration-confirm", args=[registration.pk]))
    assert response.status_code == 405
    registration.refresh_from_db()
    assert registration.status == RegistrationStatus.PENDING


# --- home ---------------------------------------------------------------------------------------------------------


def test_home_counts_todays_work_in_my_community_only(world):
    f.RegistrationFactory(member=world.member, grid=world.grid, status=RegistrationStatus.PENDING)
    f.RegistrationFactory(member=world.other_member, grid=world.other_grid, status=RegistrationStatus.PENDING)
    make_wish(world, status=WishStatus.PENDING_REVIEW)
    make_wish(world, status=WishStatus.PENDING_REVIEW)
    make_wish(world, grid=world.other_grid, status=WishStatus.PENDING_REVIEW)
    make_activity(world, starts_at=timezone.now() - timedelta(minutes=10))
    response = browser_for(world.staff).get(reverse("staff:home"))
    counts = {c["label"]: c["value"] for c in response.context["counts"]}
    assert counts["待审核的报到"] == 1
    assert counts["待核实的微心愿"] == 2
    assert counts["待确认的已完成微心愿"] == 0
    assert counts["今日活动"] == 1
    assert counts["待审批的服务时长"] == 0
    assert "报到审核" in body(response)


# --- registrations ------------------------------------------------------------------------------------------------


def test_registrations_list_shows_pending_ones_of_my_community(world, django_assert_max_num_queries):
    mine = [
        f.RegistrationFactory(grid=world.grid, status=RegistrationStatus.PENDING, member=f.MemberFactory())
        for _ in range(5)
    ]
    other = f.RegistrationFactory(member=world.other_member, grid=world.other_grid, status=RegistrationStatus.PENDING)
    client = browser_for(world.staff)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("staff:registrations"))
    shown = {r.pk for r in response.context["page_obj"].object_list}
    assert shown == {r.pk for r in mine}
    assert other.pk not in shown


def test_confirming_a_registration_issues_the_receipt_and_shows_its_number(world):
    registration = f.RegistrationFactory(member=world.member, grid=world.grid, status=RegistrationStatus.PENDING)
    response = browser_for(world.staff).post(reverse("staff:registration-confirm", args=[registration.pk]), follow=True)
    registration.refresh_from_db()
    assert registration.status == RegistrationStatus.CONFIRMED
    assert registration.receipt_number
    assert registration.receipt_number in body(response)


def test_confirming_twice_shows_the_services_error_code(world):
    registration = f.RegistrationFactory(member=world.member, grid=world.grid, status=RegistrationStatus.CONFIRMED)
    response = browser_for(world.staff).post(reverse("staff:registration-confirm", args=[registration.pk]), follow=True)
    assert str(registration_errors.REGISTRATION_NOT_PENDING) in body(response)
    assert "registration_not_pending" in body(response)


def test_rejecting_needs_a_reason_and_records_it(world):
    registration = f.RegistrationFactory(member=world.member, grid=world.grid, status=RegistrationStatus.PENDING)
    client = browser_for(world.staff)
    url = reverse("staff:registration-reject", args=[registration.pk])
    response = client.post(url, {"reason": "  "}, follow=True)
    assert "reason_required" in body(response)
    registration.refresh_from_db()
    assert registration.status == RegistrationStatus.PENDING
    client.post(url, {"reason": "地址不在本社区"})
    registration.refresh_from_db()
    assert registration.status == RegistrationStatus.REJECTED
    assert registration.reject_reason == "地址不在本社区"


def test_another_communitys_registration_is_a_404(world):
    registration = f.RegistrationFactory(
        member=world.other_member, grid=world.other_grid, status=RegistrationStatus.PENDING
    )
    response = browser_for(world.staff).post(reverse("staff:registration-confirm", args=[registration.pk]))
    assert response.status_code == 404
    registration.refresh_from_db()
    assert registration.status == RegistrationStatus.PENDING


def test_a_grid_worker_sees_the_grids_registrations_but_cannot_confirm_them(world):
    registration = f.RegistrationFactory(member=world.member, grid=world.grid, status=RegistrationStatus.PENDING)
    client = browser_for(world.grid_worker)
    response = client.get(reverse("staff:registrations"))
    assert [r.pk for r in response.context["page_obj"].object_list] == [registration.pk]
    # No button the service would refuse: the page says who decides instead.
    confirm_url = reverse("staff:registration-confirm", args=[registration.pk])
    assert confirm_url not in body(response)
    assert "社区工作人员" in body(response)
    assert confirm_url in body(browser_for(world.staff).get(reverse("staff:registrations")))
    response = client.post(confirm_url, follow=True)
    assert "not_community_staff" in body(response)
    registration.refresh_from_db()
    assert registration.status == RegistrationStatus.PENDING


# --- wishes -------------------------------------------------------------------------------------------------------


def test_wish_list_filters_by_status_and_stays_in_my_community(world, django_assert_max_num_queries):
    waiting = [make_wish(world, status=WishStatus.PENDING_REVIEW) for _ in range(4)]
    make_wish(world, status=WishStatus.PUBLISHED)
    make_wish(world, grid=world.other_grid, status=WishStatus.PENDING_REVIEW)
    client = browser_for(world.staff)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("staff:wishes"), {"status": "pending_review"})
    assert {w.pk for w in response.context["page_obj"].object_list} == {w.pk for w in waiting}
    assert "张三丰" in body(response)  # staff see the resident's name in full


def test_a_bad_status_filter_shows_an_error_not_everything(world):
    make_wish(world)
    response = browser_for(world.staff).get(reverse("staff:wishes"), {"status": "nonsense"})
    assert list(response.context["page_obj"].object_list) == []
    assert 'class="error"' in body(response)


def wish_form_data(world, **overrides):
    deadline = timezone.localtime(timezone.now() + timedelta(days=14))
    data = {
        "grid": world.grid.pk,
        "title": "为独居老人代购生活用品",
        "story": "王奶奶腿脚不便，需要每周代购米面油。",
        "category": WishCategory.ELDERLY,
        "wish_form": WishForm.MATERIAL,
        "beneficiary": "individual",
        "residents_count": 1,
        "estimated_value": "80.00",
        "resident_name": "王秀英",
        "resident_phone": "13800001111",
        "resident_address": "幸福小区5栋101",
        "deadline": deadline.strftime("%Y-%m-%dT%H:%M"),
    }
    data.update(overrides)
    return data


def test_staff_post_and_publish_a_wish_with_a_photo(world):
    data = wish_form_data(world, publish="on", photo=png_upload())
    response = browser_for(world.staff).post(reverse("staff:wish-new"), data)
    wish = Wish.objects.get(title="为独居老人代购生活用品")
    assert response.status_code == 302
    assert response["Location"] == reverse("staff:wish-detail", args=[wish.pk])
    assert wish.status == WishStatus.PUBLISHED
    assert wish.community == world.community
    assert wish.resident_name == "王秀英"
    assert str(wish.estimated_value) == "80.00"
    assert wish.photo.name.endswith(".png")
    assert timezone.localtime(wish.deadline).strftime("%Y-%m-%dT%H:%M") == data["deadline"]


def test_a_grid_workers_wish_waits_for_verification(world):
    form = browser_for(world.grid_worker).get(reverse("staff:wish-new")).context["form"]
    assert "publish" not in form.fields
    browser_for(world.grid_worker).post(reverse("staff:wish-new"), wish_form_data(world))
    assert Wish.objects.get().status == WishStatus.PENDING_REVIEW


def test_a_wish_over_the_value_cap_shows_the_services_error_and_writes_nothing(world, settings):
    settings.WISH_MAX_VALUE = 500
    response = browser_for(world.staff).post(reverse("staff:wish-new"), wish_form_data(world, estimated_value="900"))
    assert response.status_code == 200
    assert 'data-error-code="wish_value_over_cap"' in body(response)
    assert not Wish.objects.exists()


def test_a_wish_with_missing_fields_or_a_past_deadline_is_refused(world):
    client = browser_for(world.staff)
    response = client.post(reverse("staff:wish-new"), wish_form_data(world, title="", resident_name=""))
    assert response.status_code == 200
    assert set(response.context["form"].errors) >= {"title", "resident_name"}
    past = timezone.localtime(timezone.now() - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    response = client.post(reverse("staff:wish-new"), wish_form_data(world, deadline=past))
    assert 'data-error-code="deadline_not_future"' in body(response)
    response = client.post(reverse("staff:wish-new"), wish_form_data(world, grid=world.other_grid.pk))
    assert "grid" in response.context["form"].errors
    assert not Wish.objects.exists()


def test_staff_verify_a_grid_workers_wish(world):
    wish = make_wish(world, status=WishStatus.PENDING_REVIEW, created_by=world.grid_worker, published_at=None)
    browser_for(world.staff).post(reverse("staff:wish-verify", args=[wish.pk]))
    wish.refresh_from_db()
    assert wish.status == WishStatus.PUBLISHED
    assert wish.verified_by == world.staff


def test_confirming_a_fulfilled_wish_writes_the_claimants_service_record(world):
    wish = fulfilled_wish(world)
    response = browser_for(world.staff).post(
        reverse("staff:wish-confirm", args=[wish.pk]), {"rating": "5", "comment": "老人很满意"}, follow=True
    )
    wish.refresh_from_db()
    assert wish.status == WishStatus.CONFIRMED
    assert wish.rating == 5
    record = ServiceRecord.objects.get(source=ServiceSource.WISH, source_id=wish.pk)
    assert record.member == world.member
    assert record.status == RecordStatus.APPROVED
    assert "已确认" in body(response)


def test_confirming_a_wish_that_is_not_fulfilled_shows_the_error_code(world):
    wish = make_wish(world)
    response = browser_for(world.staff).post(
        reverse("staff:wish-confirm", args=[wish.pk]), {"rating": "5"}, follow=True
    )
    assert "wish_not_fulfilled" in body(response)
    assert str(wish_errors.WISH_NOT_FULFILLED) in body(response)
    assert not ServiceRecord.objects.exists()


def test_revoking_a_claim_publishes_the_wish_again(world):
    registered(world)
    wish = make_wish(world)
    wish_services.wish_claim(wish=wish, actor=world.member.user)
    browser_for(world.staff).post(reverse("staff:wish-revoke", args=[wish.pk]), {"reason": "认领人无法按时完成"})
    wish.refresh_from_db()
    assert wish.status == WishStatus.PUBLISHED
    assert WishClaim.objects.get(wish=wish).status == ClaimStatus.RELEASED


def test_cancelling_without_a_reason_is_refused(world):
    wish = make_wish(world)
    response = browser_for(world.staff).post(reverse("staff:wish-cancel", args=[wish.pk]), follow=True)
    assert "reason_required" in body(response)
    wish.refresh_from_db()
    assert wish.status == WishStatus.PUBLISHED


def test_another_communitys_wish_is_a_404(world):
    wish = make_wish(world, grid=world.other_grid)
    client = browser_for(world.staff)
    assert client.get(reverse("staff:wish-detail", args=[wish.pk])).status_code == 404
    assert client.post(reverse("staff:wish-cancel", args=[wish.pk]), {"reason": "x"}).status_code == 404
    wish.refresh_from_db()
    assert wish.status == WishStatus.PUBLISHED


def test_a_grid_worker_sees_only_the_wishes_of_their_grid(world):
    neighbour_grid = f.GridFactory(community=world.community)
    mine = make_wish(world, status=WishStatus.PENDING_REVIEW)
    elsewhere = make_wish(world, grid=neighbour_grid, status=WishStatus.PENDING_REVIEW)
    client = browser_for(world.grid_worker)
    response = client.get(reverse("staff:wishes"))
    assert [w.pk for w in response.context["page_obj"].object_list] == [mine.pk]
    assert client.get(reverse("staff:wish-detail", args=[elsewhere.pk])).status_code == 404
    assert browser_for(world.staff).get(reverse("staff:wish-detail", args=[elsewhere.pk])).status_code == 200


def test_a_grid_worker_may_not_confirm_a_wish(world):
    wish = fulfilled_wish(world)
    response = browser_for(world.grid_worker).get(reverse("staff:wish-detail", args=[wish.pk]))
    assert response.context["allowed"]["confirm"] is False
    response = browser_for(world.grid_worker).post(
        reverse("staff:wish-confirm", args=[wish.pk]), {"rating": "5"}, follow=True
    )
    assert "not_community_staff" in body(response)
    wish.refresh_from_db()
    assert wish.status == WishStatus.FULFILLED


# --- activities ---------------------------------------------------------------------------------------------------


def activity_form_data(world, **overrides):
    starts = timezone.localtime(timezone.now() + timedelta(days=5)).replace(hour=9, minute=0)
    data = {
        "community": world.community.pk,
        "grid": world.grid.pk,
        "title": "社区环境卫生整治",
        "description": "清理楼道杂物，整治小区环境。",
        "category": ActivityCategory.CLEAN_UP,
        "address": "幸福小区中心广场",
        "latitude": "30.2741",
        "longitude": "120.1551",
        "coord_system": "wgs84",
        "starts_at": starts.strftime("%Y-%m-%dT%H:%M"),
        "ends_at": (starts + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"),
        "capacity": 20,
        "audience": "paired",
    }
    data.update(overrides)
    return data


def test_staff_create_and_open_an_activity(world):
    response = browser_for(world.staff).post(reverse("staff:activity-new"), activity_form_data(world, publish="on"))
    activity = Activity.objects.get()
    assert response["Location"] == reverse("staff:activity-detail", args=[activity.pk])
    assert activity.status == ActivityStatus.OPEN
    assert activity.capacity == 20
    assert activity.signup_deadline == activity.starts_at
    assert activity.ends_at - activity.starts_at == timedelta(hours=2)


def test_an_activity_ending_before_it_starts_is_refused_with_the_services_code(world):
    data = activity_form_data(world)
    data["ends_at"] = data["starts_at"]
    response = browser_for(world.staff).post(reverse("staff:activity-new"), data)
    assert response.status_code == 200
    assert 'data-error-code="ends_before_start"' in body(response)
    response = browser_for(world.staff).post(reverse("staff:activity-new"), activity_form_data(world, longitude=""))
    assert "longitude" in response.context["form"].errors
    assert not Activity.objects.exists()


def test_publishing_and_cancelling_an_activity(world):
    activity = make_activity(world, status=ActivityStatus.DRAFT)
    client = browser_for(world.staff)
    client.post(reverse("staff:activity-publish", args=[activity.pk]))
    activity.refresh_from_db()
    assert activity.status == ActivityStatus.OPEN
    response = client.post(reverse("staff:activity-publish", args=[activity.pk]), follow=True)
    assert "activity_not_draft" in body(response)
    client.post(reverse("staff:activity-cancel", args=[activity.pk]), {"reason": "暴雨预警"})
    activity.refresh_from_db()
    assert activity.status == ActivityStatus.CANCELLED
    assert activity.closed_reason == "暴雨预警"


def test_activity_detail_lists_sign_ups_with_the_waitlist(world, django_assert_max_num_queries):
    activity = make_activity(world, capacity=1)
    make_signup(activity, world.member)
    waiting = [f.MemberFactory(branch=world.branch) for _ in range(3)]
    for member in waiting:
        make_signup(activity, member, status=SignUpStatus.WAITLISTED)
    client = browser_for(world.staff)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("staff:activity-detail", args=[activity.pk]))
    rows = list(response.context["page_obj"].object_list)
    assert [r.member_id for r in rows] == [world.member.pk] + [m.pk for m in waiting]
    assert "候补第 3 位" in body(response)


def test_activity_list_is_pinned_in_queries(world, django_assert_max_num_queries):
    for _ in range(6):
        make_activity(world)
    make_activity(world, community=world.other_community, created_by=world.other_member.user)
    client = browser_for(world.staff)
    with django_assert_max_num_queries(10):
        response = client.get(reverse("staff:activities"))
    assert len(response.context["page_obj"].object_list) == 6


def test_another_communitys_activity_is_a_404(world):
    activity = make_activity(world, community=world.other_community, created_by=world.other_member.user)
    client = browser_for(world.staff)
    for name in ("staff:activity-detail", "staff:activity-checkin-code", "staff:activity-attendance"):
        assert client.get(reverse(name, args=[activity.pk])).status_code == 404
    assert client.post(reverse("staff:activity-cancel", args=[activity.pk]), {"reason": "x"}).status_code == 404


def test_the_checkin_screen_shows_the_current_code_and_a_qr_of_the_members_url(world):
    activity = make_activity(world, starts_at=timezone.now() + timedelta(minutes=10))
    make_signup(activity, world.member, checked_in_at=timezone.now())
    # The code changes every window: the page shows the code of a moment between these two readings.
    before = checkin.current_code(activity, now=timezone.now()).code
    response = browser_for(world.staff).get(reverse("staff:activity-checkin-code", args=[activity.pk]))
    after = checkin.current_code(activity, now=timezone.now()).code
    context = response.context
    code = context["code"]
    assert code in {before, after}
    assert context["member_url"] == f"http://testserver/m/activities/{activity.pk}/checkin/?code={code}"
    html = body(response)
    assert f'<p class="code-big" aria-live="polite">{code}</p>' in html
    assert "<svg" in html
    refresh = int(re.search(r'http-equiv="refresh" content="(\d+)"', html).group(1))
    assert 1 <= refresh <= checkin.window_seconds()
    assert context["checked_in"] == 1


def test_the_qr_code_encodes_the_member_url(world):
    segno = pytest.importorskip("segno")
    activity = make_activity(world)
    response = browser_for(world.staff).get(reverse("staff:activity-checkin-code", args=[activity.pk]))
    expected = segno.make(response.context["member_url"], error="m").svg_inline(
        scale=8, omitsize=True, title="签到二维码"
    )
    assert response.context["qr_svg"] == expected
    assert "/m/activities/" in response.context["member_url"]


# --- attendance and hours -----------------------------------------------------------------------------------------


def test_attendance_page_shows_the_sheet_with_totals(world, finished_signup, django_assert_max_num_queries):
    client = browser_for(world.staff)
    url = reverse("staff:activity-attendance", args=[finished_signup.activity_id])
    with django_assert_max_num_queries(12):
        response = client.get(url)
    assert response.context["totals"]["credited_minutes"] == 120
    assert response.context["totals"]["waiting"] == 1
    assert world.member.user.name in body(response)


def test_approving_hours_approves_the_ledger_record(world, finished_signup):
    browser_for(world.staff).post(reverse("staff:signup-approve", args=[finished_signup.pk]))
    finished_signup.refresh_from_db()
    assert finished_signup.hours_status == HoursStatus.APPROVED
    assert finished_signup.record.status == RecordStatus.APPROVED
    assert finished_signup.record.decided_by == world.staff


def test_adjusting_hours_amends_the_ledger_with_the_reason(world, finished_signup):
    client = browser_for(world.staff)
    url = reverse("staff:signup-adjust", args=[finished_signup.pk])
    response = client.post(url, {"credited_minutes": "90", "reason": ""}, follow=True)
    assert "reason_required" in body(response)
    response = client.post(url, {"credited_minutes": "999", "reason": "提前离开"}, follow=True)
    assert "minutes_invalid" in body(response)
    client.post(url, {"credited_minutes": "90", "reason": "提前离开半小时"})
    finished_signup.refresh_from_db()
    assert finished_signup.credited_minutes == 90
    assert finished_signup.hours_status == HoursStatus.APPROVED
    assert finished_signup.record.status == RecordStatus.APPROVED
    amendment = ServiceRecord.objects.get(amends=finished_signup.record)
    assert amendment.credited_minutes == -30
    assert amendment.decision_reason == "提前离开半小时"
    assert record_effective(finished_signup.record).minutes == 90


def test_rejecting_hours_rejects_the_record(world, finished_signup):
    browser_for(world.staff).post(reverse("staff:signup-reject", args=[finished_signup.pk]), {"reason": "未实际参与"})
    finished_signup.refresh_from_db()
    assert finished_signup.hours_status == HoursStatus.REJECTED
    assert finished_signup.record.status == RecordStatus.REJECTED
    response = browser_for(world.staff).post(reverse("staff:signup-approve", args=[finished_signup.pk]), follow=True)
    assert "hours_not_pending" in body(response)


def test_marking_attendance_recomputes_the_pending_minutes(world, finished_signup):
    browser_for(world.staff).post(
        reverse("staff:signup-attendance", args=[finished_signup.pk]), {"attendance": Attendance.LEAVE}
    )
    finished_signup.refresh_from_db()
    assert finished_signup.attendance == Attendance.LEAVE
    assert finished_signup.credited_minutes == 0


def test_another_communitys_sign_up_is_a_404(world, finished_signup):
    other_staff = f.UserFactory(name="别的社区干部")
    f.RoleFactory(user=other_staff, role="community_staff", community=world.other_community)
    response = browser_for(other_staff).post(reverse("staff:signup-approve", args=[finished_signup.pk]))
    assert response.status_code == 404
    finished_signup.refresh_from_db()
    assert finished_signup.hours_status == HoursStatus.PENDING


def test_a_grid_worker_does_not_lead_the_staffs_activity_so_its_sheet_is_a_404(world, finished_signup):
    client = browser_for(world.grid_worker)
    activity_pk = finished_signup.activity_id
    assert client.get(reverse("staff:activity-detail", args=[activity_pk])).status_code == 200
    assert client.get(reverse("staff:activity-attendance", args=[activity_pk])).status_code == 404
    assert client.post(reverse("staff:signup-approve", args=[finished_signup.pk])).status_code == 404
    finished_signup.refresh_from_db()
    assert finished_signup.hours_status == HoursStatus.PENDING


def test_the_attendance_sheet_downloads_as_excel(world, finished_signup):
    response = browser_for(world.staff).get(
        reverse("staff:activity-attendance-xlsx", args=[finished_signup.activity_id])
    )
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert response.content[:2] == b"PK"


def test_finishing_before_the_end_shows_the_error(world):
    activity = make_activity(world)
    response = browser_for(world.staff).post(reverse("staff:activity-finish", args=[activity.pk]), follow=True)
    assert "activity_not_ended" in body(response)
    activity.refresh_from_db()
    assert activity.status == ActivityStatus.OPEN


# --- evaluations --------------------------------------------------------------------------------------------------


def test_evaluation_candidates_are_the_members_registered_that_year(world, django_assert_max_num_queries):
    registered(world)
    for _ in range(3):
        registered(world, member=f.MemberFactory(branch=world.branch))
    registered(world, member=world.other_member, grid=world.other_grid)
    year = timezone.localdate().year
    client = browser_for(world.staff)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("staff:evaluations"), {"year": year})
    members = list(response.context["page_obj"].object_list)
    assert len(members) == 4
    assert world.other_member.pk not in {m.pk for m in members}
    assert "优秀" in body(response) and "基本称职" in body(response)


def test_rating_a_member_saves_the_evaluation(world):
    registered(world)
    year = timezone.localdate().year
    response = browser_for(world.staff).post(
        reverse("staff:evaluation-submit"),
        {
            "member": world.member.pk,
            "community": world.community.pk,
            "year": year,
            "grade": EvaluationGrade.EXCELLENT,
            "comment": "积极参加社区志愿服务",
        },
        follow=True,
    )
    evaluation = Evaluation.objects.get(member=world.member, year=year)
    assert evaluation.grade == EvaluationGrade.EXCELLENT
    assert evaluation.evaluated_by == world.staff
    assert "优秀" in body(response)


def test_a_member_who_never_registered_cannot_be_rated_competent(world):
    response = browser_for(world.staff).post(
        reverse("staff:evaluation-submit"),
        {
            "member": world.member.pk,
            "community": world.community.pk,
            "year": timezone.localdate().year,
            "grade": EvaluationGrade.COMPETENT,
        },
        follow=True,
    )
    assert "member_not_registered_here" in body(response)
    assert str(registration_errors.MEMBER_NOT_REGISTERED_HERE) in body(response)
    assert not Evaluation.objects.exists()


def test_evaluating_for_another_community_is_a_404(world):
    registered(world, member=world.other_member, grid=world.other_grid)
    response = browser_for(world.staff).post(
        reverse("staff:evaluation-submit"),
        {
            "member": world.other_member.pk,
            "community": world.other_community.pk,
            "year": timezone.localdate().year,
            "grade": EvaluationGrade.EXCELLENT,
        },
    )
    assert response.status_code == 404
    assert not Evaluation.objects.exists()


def test_a_grid_worker_is_told_the_staff_rate_and_gets_no_rating_form(world):
    registered(world)
    year = timezone.localdate().year
    submit = reverse("staff:evaluation-submit")
    response = browser_for(world.grid_worker).get(reverse("staff:evaluations"), {"year": year})
    assert response.status_code == 200
    assert "评价由社区工作人员填写" in body(response)
    assert submit not in body(response) and "not_community_staff" not in body(response)
    assert response.context["page_obj"] is None and "没有党员在本社区报到" not in body(response)
    assert submit in body(browser_for(world.staff).get(reverse("staff:evaluations"), {"year": year}))
