"""Residents' requests through their services: submitting (居民点单) with every refusal writing nothing, the rate
limits, the decision (选单), the stage the resident follows (查单) and the resident's rating (验单)."""

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from apps.accounts.models import OneTimeCode
from apps.core.errors import Conflict, DomainError, Forbidden, Invalid, NotFound
from apps.ledger.models import AuditEntry
from apps.notifications.models import Notification, NotificationKind, SubjectType
from apps.residents import selectors, services
from apps.residents.models import RequestStatus, ResidentRequest
from apps.wishes.models import Beneficiary, Wish, WishCategory, WishStatus
from tests import factories as f
from tests.residents.conftest import (
    ADDRESS_A,
    ADDRESS_B,
    ADDRESS_FAR,
    NEED,
    RESIDENT_NAME,
    RESIDENT_PHONE,
    code_in,
    future,
    upload,
)
from tests.wishes.conftest import WishFactory

pytestmark = pytest.mark.django_db


def _nothing_written():
    return (
        not ResidentRequest.objects.exists()
        and not AuditEntry.objects.filter(subject_type="residents.residentrequest").exists()
    )


def _refused(call, code):
    with pytest.raises(DomainError) as caught:
        call()
    assert caught.value.code == code, caught.value
    return caught.value


# --- submitting ---------------------------------------------------------------------------------------------------


def test_a_confirmed_request_is_received_in_the_grid_of_its_address_and_the_resident_gets_the_link(
    rw, submit, sms_outbox
):
    request = submit(photo=upload())
    assert request.status == RequestStatus.RECEIVED
    assert (request.community, request.grid) == (rw.community, rw.grid)
    assert (request.name, request.phone, request.address, request.need) == (
        RESIDENT_NAME,
        RESIDENT_PHONE,
        ADDRESS_A,
        NEED,
    )
    assert request.photo.name.startswith("residents/")
    assert len(request.token) >= 32
    phone, text = sms_outbox[-1]
    assert phone == RESIDENT_PHONE
    assert f"https://dr.example.org/r/t/{request.token}/" in text
    entry = AuditEntry.objects.get(subject_type="residents.residentrequest", subject_id=request.pk)
    assert entry.action == "request" and entry.actor is None
    assert OneTimeCode.objects.get(phone=RESIDENT_PHONE).used_at is not None


def test_the_grid_worker_is_told_without_the_residents_name_or_need(rw, submit):
    request = submit()
    told = Notification.objects.get(kind=NotificationKind.RESIDENT_REQUEST_RECEIVED)
    assert told.user == rw.grid_worker
    assert (told.subject_type, told.subject_id) == (SubjectType.RESIDENT_REQUEST, request.pk)
    assert RESIDENT_NAME not in told.title + told.body and "灯泡" not in told.body


def test_without_a_grid_worker_the_communitys_staff_are_told(rw, submit):
    other_staff = f.UserFactory()
    f.RoleFactory(user=other_staff, role="community_staff", community=rw.other_community)
    request = submit(address=ADDRESS_B)  # the other community: its grid has no worker
    told = Notification.objects.get(kind=NotificationKind.RESIDENT_REQUEST_RECEIVED)
    assert (told.user, told.subject_id) == (other_staff, request.pk)


def test_the_address_decides_the_community_whatever_poster_it_came_through(rw, submit):
    request = submit(address=ADDRESS_B, via_community=rw.community)
    assert (request.community, request.grid) == (rw.other_community, rw.other_grid)


def test_a_wrong_code_writes_nothing_and_counts_a_try(rw, send_code):
    right = send_code()
    wrong = "000000" if right != "000000" else "111111"
    _refused(
        lambda: services.resident_request_submit(
            name=RESIDENT_NAME, phone=RESIDENT_PHONE, code=wrong, address=ADDRESS_A, need=NEED
        ),
        "code_invalid",
    )
    assert _nothing_written()
    assert OneTimeCode.objects.get(phone=RESIDENT_PHONE).attempts == 1


def test_without_a_code_sent_nothing_is_written(rw):
    _refused(
        lambda: services.resident_request_submit(
            name=RESIDENT_NAME, phone=RESIDENT_PHONE, code="123456", address=ADDRESS_A, need=NEED
        ),
        "code_invalid",
    )
    assert _nothing_written()


def test_an_expired_code_writes_nothing(rw, send_code):
    code = send_code()
    OneTimeCode.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    _refused(
        lambda: services.resident_request_submit(
            name=RESIDENT_NAME, phone=RESIDENT_PHONE, code=code, address=ADDRESS_A, need=NEED
        ),
        "code_expired",
    )
    assert _nothing_written()


def test_a_code_for_setting_a_password_does_not_confirm_a_request(rw, world, django_capture_on_commit_callbacks):
    from apps.accounts import codes, sms
    from apps.accounts.models import CodePurpose

    f.UserFactory(phone=RESIDENT_PHONE)
    with django_capture_on_commit_callbacks(execute=True):
        codes.code_send(phone=RESIDENT_PHONE, purpose=CodePurpose.SET_PASSWORD, ip=None)
    code = code_in(sms.outbox[-1][1])
    _refused(
        lambda: services.resident_request_submit(
            name=RESIDENT_NAME, phone=RESIDENT_PHONE, code=code, address=ADDRESS_A, need=NEED
        ),
        "code_invalid",
    )
    assert _nothing_written()


def test_the_same_need_sent_ten_times_is_one_request(rw, submit, send_code):
    first = submit()
    for _ in range(9):
        error = _refused(lambda: submit(need=f"  {NEED} "), "request_duplicate")
        assert error.existing == first and error.extra == {"request": first.pk}
    assert ResidentRequest.objects.count() == 1
    # The refusal rolled the code's use back: the resident may send another need with the same code.
    code = send_code()
    _refused(lambda: submit(code=code), "request_duplicate")
    other = submit(code=code, need="需要有人陪同去医院复诊。")
    assert other.pk != first.pk


def test_a_need_may_be_sent_again_once_the_first_is_closed(rw, submit):
    first = submit()
    services.resident_request_decline(request=first, actor=rw.staff, reason="不属于社区服务范围")
    assert submit().pk != first.pk


def test_an_address_outside_every_community_writes_nothing(rw, submit):
    _refused(lambda: submit(address=ADDRESS_FAR), "address_outside_service_area")
    _refused(lambda: submit(address="不存在的地方"), "address_not_found")
    _refused(lambda: submit(address="  "), "address_required")
    assert _nothing_written()
    assert not OneTimeCode.objects.filter(used_at__isnull=False).exists()


def test_a_photo_that_is_not_an_image_writes_nothing(rw, submit):
    fake = SimpleUploadedFile("photo.jpg", b"<html>not an image</html>", content_type="image/jpeg")
    _refused(lambda: submit(photo=fake), "invalid_image")
    assert _nothing_written()


@pytest.mark.parametrize(
    ("field", "value", "code"),
    [("name", " ", "name_required"), ("need", "", "need_required"), ("need", "长" * 1001, "text_too_long")],
)
def test_missing_or_overlong_text_writes_nothing(rw, submit, field, value, code):
    _refused(lambda: submit(**{field: value}), code)
    assert _nothing_written()


def test_a_bad_number_is_refused_before_any_code(rw):
    _refused(lambda: services.resident_request_code_send(phone="12345", ip=None), "invalid_phone")
    assert not OneTimeCode.objects.exists()


# --- rate limits --------------------------------------------------------------------------------------------------


def test_a_number_sends_at_most_its_daily_share(rw, submit, send_code, settings):
    settings.RESIDENT_REQUESTS_PER_NUMBER_PER_DAY = 2
    submit(need="需要一袋米")
    submit(need="需要一桶油", address=ADDRESS_B)
    _refused(lambda: submit(need="需要一箱牛奶"), "request_rate_limited")
    # and step 1 already says so, without texting a code
    _refused(lambda: send_code(), "request_rate_limited")
    assert ResidentRequest.objects.count() == 2
    ResidentRequest.objects.update(created_at=timezone.now() - timedelta(days=1, minutes=1))
    assert submit(need="需要一箱牛奶").status == RequestStatus.RECEIVED


def test_an_address_gets_at_most_its_daily_share_whatever_the_number(rw, submit, settings):
    settings.RESIDENT_REQUESTS_PER_ADDRESS_PER_DAY = 2
    submit(phone="13700000001")
    submit(phone="13700000002", address=ADDRESS_A.replace("3栋", "３栋 "))  # the same address, typed otherwise
    error = _refused(lambda: submit(phone="13700000003"), "request_rate_limited")
    assert error.extra == {"limit": "address"}
    assert ResidentRequest.objects.count() == 2


def test_a_limit_of_zero_is_no_limit(rw, submit, settings):
    settings.RESIDENT_REQUESTS_PER_NUMBER_PER_DAY = 0
    for n in range(4):
        submit(need=f"需要帮助{n}")
    assert ResidentRequest.objects.count() == 4


# --- deciding (选单) ----------------------------------------------------------------------------------------------


def _accept(request, actor, **kwargs):
    data = {"title": "帮老人换灯泡", "category": WishCategory.DAILY, "deadline": future(), **kwargs}
    return services.resident_request_accept(request=request, actor=actor, **data)


def test_the_grid_worker_accepts_into_a_wish_waiting_for_verification(rw):
    request = rw.request(photo="")
    request = _accept(request, rw.grid_worker)
    wish = request.wish
    assert request.status == RequestStatus.ACCEPTED and request.decided_by == rw.grid_worker
    assert wish.status == WishStatus.PENDING_REVIEW and wish.created_by == rw.grid_worker
    assert (wish.resident_name, wish.resident_phone, wish.resident_address) == (
        RESIDENT_NAME,
        RESIDENT_PHONE,
        ADDRESS_A,
    )
    actions = list(AuditEntry.objects.filter(subject_id=request.pk, subject_type="residents.residentrequest"))
    assert [a.action for a in actions] == ["accept"] and actions[0].after == {"status": "accepted", "wish": wish.pk}
    assert selectors.request_stage(request) == selectors.STAGE_ACCEPTED


def test_a_grid_worker_may_not_publish_at_once_but_staff_may(rw):
    _refused(lambda: _accept(rw.request(), rw.grid_worker, publish=True), "not_community_staff")
    assert not Wish.objects.exists()
    request = _accept(rw.request(), rw.staff, publish=True)
    assert request.wish.status == WishStatus.PUBLISHED


def test_accepting_with_the_residents_photo_gives_the_wish_a_copy(rw, submit):
    request = submit(photo=upload())
    request = _accept(request, rw.staff, use_photo=True)
    assert request.wish.photo and request.wish.photo.name != request.photo.name


def test_a_request_without_a_grid_needs_one_chosen(rw):
    request = rw.request(grid=None, community=rw.community)
    _refused(lambda: _accept(request, rw.staff), "grid_required")
    _refused(lambda: _accept(request, rw.staff, grid=rw.other_grid), "grid_not_in_community")
    assert _accept(request, rw.staff, grid=rw.grid).wish.grid == rw.grid


def test_merging_joins_an_open_wish_of_the_grid(rw):
    wish = WishFactory(grid=rw.grid, created_by=rw.staff, status=WishStatus.CLAIMED)
    request = services.resident_request_merge(request=rw.request(), actor=rw.grid_worker, wish=wish)
    assert (request.status, request.wish) == (RequestStatus.MERGED, wish)
    assert selectors.request_stage(request) == selectors.STAGE_CLAIMED


@pytest.mark.parametrize("status", [WishStatus.FULFILLED, WishStatus.CONFIRMED, WishStatus.CANCELLED])
def test_merging_into_a_done_or_closed_wish_is_refused(rw, status):
    wish = WishFactory(grid=rw.grid, created_by=rw.staff, status=status)
    request = rw.request()
    _refused(lambda: services.resident_request_merge(request=request, actor=rw.staff, wish=wish), "wish_not_mergeable")
    request.refresh_from_db()
    assert request.status == RequestStatus.RECEIVED


def test_merging_into_a_wish_of_another_community_or_grid_is_refused(rw):
    elsewhere = WishFactory(grid=rw.other_grid, created_by=rw.staff)
    request = rw.request()
    _refused(lambda: services.resident_request_merge(request=request, actor=rw.staff, wish=elsewhere), "wish_elsewhere")
    second_grid = f.GridFactory(community=rw.community)
    neighbour = WishFactory(grid=second_grid, created_by=rw.staff)
    # staff of the community may merge across its grids; the grid worker only within theirs
    _refused(
        lambda: services.resident_request_merge(request=request, actor=rw.grid_worker, wish=neighbour), "wish_elsewhere"
    )
    assert services.resident_request_merge(request=request, actor=rw.staff, wish=neighbour).wish == neighbour


def test_declining_needs_a_reason_the_resident_reads(rw):
    request = rw.request()
    _refused(
        lambda: services.resident_request_decline(request=request, actor=rw.grid_worker, reason=" "), "reason_required"
    )
    request = services.resident_request_decline(request=request, actor=rw.grid_worker, reason="请联系物业报修")
    assert (request.status, request.decline_reason) == (RequestStatus.DECLINED, "请联系物业报修")
    assert selectors.request_stage(request) == selectors.STAGE_DECLINED


@pytest.mark.parametrize("role", ["member", "secretary", "reviewer", "street_admin", "district_admin", "outsider"])
def test_only_the_grid_worker_and_the_communitys_staff_decide(rw, role):
    request = rw.request()
    user = rw.world.user(role)
    with pytest.raises(Forbidden):
        services.resident_request_decline(request=request, actor=user, reason="不处理")
    with pytest.raises(Forbidden):
        _accept(request, user)
    request.refresh_from_db()
    assert request.status == RequestStatus.RECEIVED


def test_staff_of_another_community_do_not_decide(rw):
    other_staff = f.UserFactory()
    f.RoleFactory(user=other_staff, role="community_staff", community=rw.other_community)
    with pytest.raises(Forbidden):
        services.resident_request_decline(request=rw.request(), actor=other_staff, reason="不处理")


def test_a_request_is_decided_once(rw):
    request = services.resident_request_decline(request=rw.request(), actor=rw.staff, reason="重复")
    error = _refused(lambda: _accept(request, rw.staff), "request_not_received")
    assert isinstance(error, Conflict) and error.extra == {"status": "declined"}
    assert not Wish.objects.exists()


# --- following (查单) and rating (验单) ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("wish_status", "stage"),
    [
        (WishStatus.PENDING_REVIEW, "accepted"),
        (WishStatus.PUBLISHED, "accepted"),
        (WishStatus.CLAIMED, "claimed"),
        (WishStatus.FULFILLED, "done"),
        (WishStatus.CONFIRMED, "done"),
        (WishStatus.CANCELLED, "cancelled"),
        (WishStatus.EXPIRED, "expired"),
    ],
)
def test_the_stage_follows_the_wish(rw, wish_status, stage):
    wish = WishFactory(grid=rw.grid, created_by=rw.staff, status=wish_status)
    request = rw.request(status=RequestStatus.ACCEPTED, wish=wish)
    assert selectors.request_stage(request) == stage


def test_the_resident_rates_once_the_wish_is_done_and_only_once(rw):
    wish = WishFactory(grid=rw.grid, created_by=rw.staff, status=WishStatus.CLAIMED)
    request = rw.request(status=RequestStatus.MERGED, wish=wish)
    _refused(lambda: services.resident_request_rate(token=request.token, rating=5), "request_not_done")
    Wish.objects.filter(pk=wish.pk).update(status=WishStatus.FULFILLED)
    _refused(lambda: services.resident_request_rate(token=request.token, rating=6), "rating_invalid")
    rated = services.resident_request_rate(token=request.token, rating=4, comment="师傅很耐心")
    assert (rated.resident_rating, rated.resident_comment) == (4, "师傅很耐心") and rated.rated_at
    _refused(lambda: services.resident_request_rate(token=request.token, rating=1), "request_already_rated")
    assert ResidentRequest.objects.get(pk=request.pk).resident_rating == 4
    assert AuditEntry.objects.filter(subject_id=request.pk, action="rate").count() == 1


def test_a_received_or_declined_request_cannot_be_rated(rw):
    _refused(lambda: services.resident_request_rate(token=rw.request().token, rating=5), "request_not_done")
    with pytest.raises(NotFound):
        services.resident_request_rate(token="no-such-token", rating=5)


def test_requests_for_counts_by_place_and_period(rw):
    a, b = rw.request(), rw.request(grid=rw.other_grid)
    now = timezone.now()
    assert set(selectors.requests_for(community_ids=[rw.community.pk])) == {a}
    assert set(
        selectors.requests_for(
            grid_ids=[rw.other_grid.pk], start=now - timedelta(hours=1), end=now + timedelta(hours=1)
        )
    ) == {b}
    assert not selectors.requests_for(start=now + timedelta(hours=1)).exists()


def test_invalid_rating_types_are_refused(rw):
    with pytest.raises(Invalid):
        services.resident_request_rate(token=rw.request().token, rating=True)


# --- merging counts the residents ---------------------------------------------------------------------------------


def test_merging_another_residents_request_adds_a_resident_and_makes_a_group_wish(rw):
    wish = WishFactory(grid=rw.grid, created_by=rw.staff, resident_phone="13900001111", residents_count=1)
    request = services.resident_request_merge(request=rw.request(phone="13900002222"), actor=rw.grid_worker, wish=wish)
    wish.refresh_from_db()
    assert (wish.residents_count, wish.beneficiary) == (2, Beneficiary.GROUP)
    assert request.wish == wish
    entry = AuditEntry.objects.get(action="resident_add", subject_id=wish.pk)
    assert entry.before == {"residents_count": 1, "beneficiary": "individual"}
    assert entry.after == {"residents_count": 2, "beneficiary": "group"}
    assert AuditEntry.objects.get(action="merge", subject_id=request.pk).after["another_resident"] is True
    # A third resident: three residents served, still a group.
    services.resident_request_merge(request=rw.request(phone="13900003333"), actor=rw.staff, wish=wish)
    wish.refresh_from_db()
    assert (wish.residents_count, wish.beneficiary) == (3, Beneficiary.GROUP)


def test_the_same_resident_asking_again_adds_nobody(rw):
    wish = WishFactory(grid=rw.grid, created_by=rw.staff, resident_phone="139 0000 1111", residents_count=1)
    # The wish's own resident (the number as typed on the wish, spaces and all).
    services.resident_request_merge(request=rw.request(phone="13900001111"), actor=rw.staff, wish=wish)
    wish.refresh_from_db()
    assert (wish.residents_count, wish.beneficiary) == (1, Beneficiary.INDIVIDUAL)
    # A second resident counts once, however often they ask.
    services.resident_request_merge(request=rw.request(phone="13900002222"), actor=rw.staff, wish=wish)
    services.resident_request_merge(request=rw.request(phone="13900002222"), actor=rw.staff, wish=wish)
    wish.refresh_from_db()
    assert wish.residents_count == 2
    assert AuditEntry.objects.filter(action="resident_add", subject_id=wish.pk).count() == 1


def test_a_wish_made_from_a_request_counts_its_resident(rw):
    accepted = _accept(rw.request(phone="13900004444"), rw.staff)
    wish = accepted.wish
    services.resident_request_merge(request=rw.request(phone="13900004444"), actor=rw.staff, wish=wish)
    wish.refresh_from_db()
    assert wish.residents_count == 1


def test_a_refused_merge_changes_no_count(rw):
    wish = WishFactory(grid=rw.grid, created_by=rw.staff, status=WishStatus.FULFILLED, resident_phone="13900001111")
    _refused(
        lambda: services.resident_request_merge(request=rw.request(phone="13900002222"), actor=rw.staff, wish=wish),
        "wish_not_mergeable",
    )
    wish.refresh_from_db()
    assert wish.residents_count == 1 and not AuditEntry.objects.filter(action="resident_add").exists()


def test_the_wish_service_refuses_a_wish_reported_fulfilled_and_an_outsider(rw):
    from apps.wishes import services as wish_services

    fulfilled = WishFactory(grid=rw.grid, created_by=rw.staff, status=WishStatus.FULFILLED)
    _refused(lambda: wish_services.wish_resident_add(wish=fulfilled, actor=rw.staff), "wish_not_open")
    open_wish = WishFactory(grid=rw.grid, created_by=rw.staff)
    _refused(lambda: wish_services.wish_resident_add(wish=open_wish, actor=rw.reviewer), "not_wish_poster")
    open_wish.refresh_from_db()
    assert open_wish.residents_count == 1
