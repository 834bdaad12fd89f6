"""The residents' pages: the order form in two steps, the tracking page (查单) with the rating (验单), and the desk's
list, decisions and poster. Texts are checked by URLs, ids, data attributes and error codes (Chinese by default)."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from apps.residents.models import RequestStatus, ResidentRequest
from apps.wishes.models import WishStatus
from tests.residents.conftest import ADDRESS_A, ADDRESS_FAR, NEED, RESIDENT_NAME, RESIDENT_PHONE, code_in, upload
from tests.wishes.conftest import WishFactory

pytestmark = pytest.mark.django_db


def _codes(response):
    return re.findall(r'data-error-code="([a-z_]+)"', response.content.decode())


@pytest.fixture
def resident():
    return Client()


def _order(client, community, sms_outbox, django_capture_on_commit_callbacks, phone=RESIDENT_PHONE):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("residents:order", args=[community.code]), {"phone": phone})
    assert response.status_code == 302 and response["Location"] == reverse("residents:submit", args=[community.code])
    return code_in(sms_outbox[-1][1])


def _submit(client, community, code, django_capture_on_commit_callbacks, **fields):
    data = {"code": code, "name": RESIDENT_NAME, "address": ADDRESS_A, "need": NEED, **fields}
    with django_capture_on_commit_callbacks(execute=True):
        return client.post(reverse("residents:submit", args=[community.code]), data)


def test_a_resident_orders_in_two_steps_and_follows_the_request(
    rw, resident, sms_outbox, django_capture_on_commit_callbacks
):
    page = resident.get(reverse("residents:order", args=[rw.community.code]))
    assert page.status_code == 200 and b'id="resident-order"' in page.content
    assert page["X-Robots-Tag"] == "noindex, nofollow" and page["Referrer-Policy"] == "same-origin"
    # by id too
    assert resident.get(reverse("residents:order", args=[str(rw.community.pk)])).status_code == 200
    code = _order(resident, rw.community, sms_outbox, django_capture_on_commit_callbacks)
    response = _submit(resident, rw.community, code, django_capture_on_commit_callbacks, photo=upload())
    request = ResidentRequest.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/r/t/{request.token}/"
    assert request.token in sms_outbox[-1][1]
    track = resident.get(response["Location"])
    text = track.content.decode()
    assert track.status_code == 200 and 'data-stage="received"' in text
    assert NEED in text  # their own need in full
    assert RESIDENT_PHONE not in text and RESIDENT_NAME not in text and ADDRESS_A not in text
    assert "137****5678" in text


@pytest.mark.parametrize(
    ("fields", "code"),
    [
        ({"code": "000001"}, "code_invalid"),
        ({"address": ADDRESS_FAR}, "address_outside_service_area"),
        ({"photo": "not-an-image"}, "invalid_image"),
    ],
)
def test_bad_input_shows_its_message_and_writes_nothing(
    rw, resident, sms_outbox, django_capture_on_commit_callbacks, fields, code
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    sent = _order(resident, rw.community, sms_outbox, django_capture_on_commit_callbacks)
    if fields.get("photo") == "not-an-image":
        fields = {"photo": SimpleUploadedFile("a.png", b"GIF89a-not-really", content_type="image/png")}
    if fields.get("code") == sent:
        fields["code"] = "000002"
    response = _submit(resident, rw.community, fields.pop("code", sent), django_capture_on_commit_callbacks, **fields)
    assert response.status_code == 200 and _codes(response) == [code]
    assert not ResidentRequest.objects.exists()


def test_the_same_need_again_points_to_the_first_request(rw, resident, sms_outbox, django_capture_on_commit_callbacks):
    code = _order(resident, rw.community, sms_outbox, django_capture_on_commit_callbacks)
    _submit(resident, rw.community, code, django_capture_on_commit_callbacks)
    first = ResidentRequest.objects.get()
    code = _order(resident, rw.community, sms_outbox, django_capture_on_commit_callbacks)
    again = _submit(resident, rw.community, code, django_capture_on_commit_callbacks)
    assert _codes(again) == ["request_duplicate"] and f"/r/t/{first.token}/".encode() in again.content
    assert ResidentRequest.objects.count() == 1


def test_step_two_without_step_one_goes_back_and_unknown_places_and_tokens_are_404(rw, resident):
    response = resident.get(reverse("residents:submit", args=[rw.community.code]))
    assert response.status_code == 302 and response["Location"] == reverse("residents:order", args=[rw.community.code])
    assert resident.get("/r/NO-SUCH-COMMUNITY/").status_code == 404
    assert resident.get("/r/t/not-a-token/").status_code == 404


def test_the_resident_rates_a_done_request_on_the_tracking_page(rw, resident):
    wish = WishFactory(grid=rw.grid, created_by=rw.staff, status=WishStatus.FULFILLED)
    request = rw.request(status=RequestStatus.ACCEPTED, wish=wish)
    track = resident.get(f"/r/t/{request.token}/")
    assert b'id="rate-form"' in track.content and b'data-stage="done"' in track.content
    response = resident.post(f"/r/t/{request.token}/rate/", {"rating": "2", "comment": "还行"})
    assert response.status_code == 302
    request.refresh_from_db()
    assert (request.resident_rating, request.resident_comment) == (2, "还行")
    again = resident.post(f"/r/t/{request.token}/rate/", {"rating": "5"}, follow=True)
    assert _codes(again) == ["request_already_rated"] and b'id="rate-form"' not in again.content
    staff = Client()
    staff.force_login(rw.staff)
    wish_page = staff.get(reverse("staff:wish-detail", args=[wish.pk])).content.decode()
    assert f'data-request="{request.pk}"' in wish_page and 'class="resident-rating"' in wish_page


def test_a_declined_request_shows_the_reason(rw, resident):
    request = rw.request(status=RequestStatus.DECLINED, decline_reason="请联系物业报修")
    page = resident.get(f"/r/t/{request.token}/").content.decode()
    assert 'data-stage="declined"' in page and "请联系物业报修" in page


# --- the desk -----------------------------------------------------------------------------------------------------


@pytest.fixture
def desk(rw):
    def login(role="grid_worker"):
        client = Client()
        client.force_login(rw.world.user(role))
        return client

    return login


def test_the_grid_worker_lists_and_opens_the_requests_of_the_grid(rw, desk):
    mine, other = rw.request(), rw.request(grid=rw.other_grid)
    listing = desk().get(reverse("staff:resident-requests")).content.decode()
    assert f'data-request="{mine.pk}"' in listing and f'data-request="{other.pk}"' not in listing
    detail = desk().get(reverse("staff:resident-request", args=[mine.pk]))
    assert detail.status_code == 200 and RESIDENT_PHONE.encode() in detail.content
    assert b'id="decline-form"' in detail.content and b'id="merge-form"' in detail.content
    assert desk().get(reverse("staff:resident-request", args=[other.pk])).status_code == 404
    assert desk("member").get(reverse("staff:resident-requests")).status_code == 403


def test_accepting_on_the_prefilled_wish_form(rw, desk):
    request = rw.request()
    url = reverse("staff:resident-request-accept", args=[request.pk])
    form = desk().get(url).content.decode()
    assert 'name="title"' in form and 'name="resident_phone"' not in form and "家里的灯坏了" in form
    post = {
        "grid": rw.grid.pk,
        "title": "换灯泡",
        "story": NEED,
        "category": "daily",
        "wish_form": "non_material",
        "beneficiary": "individual",
        "residents_count": 1,
        "estimated_value": 0,
        "deadline": "2099-01-01T10:00",
    }
    response = desk().post(url, post)
    request.refresh_from_db()
    assert response.status_code == 302 and request.status == RequestStatus.ACCEPTED
    assert response["Location"] == reverse("staff:wish-detail", args=[request.wish_id])
    assert request.wish.status == WishStatus.PENDING_REVIEW
    again = desk().post(url, post)
    assert _codes(again) == ["request_not_received"]


def test_merging_and_declining_on_the_desk(rw, desk):
    wish = WishFactory(grid=rw.grid, created_by=rw.staff)
    request = rw.request()
    desk().post(reverse("staff:resident-request-merge", args=[request.pk]), {"wish": wish.pk})
    request.refresh_from_db()
    assert (request.status, request.wish) == (RequestStatus.MERGED, wish)
    other = rw.request(need="另一件事")
    refused = desk().post(reverse("staff:resident-request-decline", args=[other.pk]), {"reason": ""}, follow=True)
    assert _codes(refused) == ["reason_required"]
    desk("staff").post(reverse("staff:resident-request-decline", args=[other.pk]), {"reason": "不在服务范围"})
    other.refresh_from_db()
    assert other.status == RequestStatus.DECLINED


def test_the_poster_carries_a_qr_code_of_the_order_form(rw, desk):
    page = desk("staff").get(reverse("staff:resident-request-poster", args=[rw.community.pk])).content.decode()
    assert "<svg" in page and f"/r/{rw.community.code}/" in page and 'id="poster"' in page
    assert desk("staff").get(reverse("staff:resident-request-poster", args=[rw.other_community.pk])).status_code == 404
