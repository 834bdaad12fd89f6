"""Residents' requests (居民点单) in real browsers at phone size, each person in their own: a resident orders through
the address of the community's poster (a one-time code by text message), the grid worker accepts the request into a
wish, the community verifies it, a member claims and fulfils it, the community confirms it, and the resident follows
it to the end and rates it; the staff read the rating beside their own. And a wrong code, refused with nothing saved.
"""

import pytest

from apps.accounts import sms
from apps.residents.models import RequestStatus, ResidentRequest
from apps.wishes.models import WishStatus
from tests.e2e import flows
from tests.e2e.conftest import DESKTOP, f


@pytest.fixture
def neighbourhood(e2e_world, settings):
    """The world with real-looking names, a compound the gazetteer places in its grid, and the member registered
    there (so they may claim the grid's wishes). Codes may be sent again at once (the resend gap is tested in
    tests/accounts), and the text messages of earlier tests are gone."""
    settings.OTP_RESEND_SECONDS = 0
    world = flows.realistic_place(e2e_world)
    flows.named(world.staff, "李主任")
    flows.named(world.grid_worker, "张网格")
    flows.named(world.member.user, "陈志远")
    f.RegistrationFactory(member=world.member, grid=world.grid, address="幸福家园8栋1单元502室")
    sms.outbox.clear()
    yield world
    sms.outbox.clear()


def test_a_residents_request_from_the_poster_to_the_rating(visit, neighbourhood):
    world = neighbourhood

    # The community's staff print the poster; its QR code holds the order form's address.
    staff = visit(world.staff)
    order_url = flows.poster_order_url(staff, world.community)
    assert order_url.startswith(staff.base_url) and order_url.endswith(f"/r/{world.community.code}/")

    # A resident scans it, asks for a code, and sends the request with the code from the text message.
    resident = visit(None)
    request, tracking_url = flows.resident_orders(
        resident, order_url, photo=flows.photo_file(), shot="resident-order-phone"
    )
    assert resident.page.locator("#resident-track").get_attribute("data-stage") == "received"
    assert resident.page.locator(".track-steps [aria-current=step]").get_attribute("data-step") == "received"
    assert resident.page.locator(".msg-success").is_visible()
    assert flows.RESIDENT_NEED in resident.page.locator(".need").inner_text()
    assert flows.RESIDENT_NAME not in resident.page.content()  # masked: 王**
    assert (request.community_id, request.grid_id) == (world.community.pk, world.grid.pk)
    assert request.status == RequestStatus.RECEIVED and request.photo
    assert tracking_url.endswith(f"/r/t/{request.token}/")
    assert f"/r/t/{request.token}/" in flows.last_text_to(flows.RESIDENT_PHONE)  # the link, by text message too

    # The grid worker opens it from the desk (at a desk: a wide screen) and accepts it into a wish, which waits for
    # the community.
    worker = visit(world.grid_worker, viewport=DESKTOP)
    flows.desk_opens_request(worker, request)
    worker.shot("staff-request-desktop")
    wish = flows.desk_accepts_into_wish(worker, request)
    assert wish.status == WishStatus.PENDING_REVIEW
    assert (wish.resident_name, wish.resident_phone, wish.grid_id) == (
        flows.RESIDENT_NAME,
        flows.RESIDENT_PHONE,
        world.grid.pk,
    )
    assert flows.tracking_stage(resident, tracking_url) == "accepted"

    # The community verifies and publishes it; a member claims it on their phone and does it.
    flows.staff_verify_wish(staff, wish)
    wish.refresh_from_db()
    assert wish.status == WishStatus.PUBLISHED
    member = visit(world.member.user)
    flows.member_claims_and_fulfils(member, wish, note="已上门换好灯泡，并检查了家里其他灯具。")
    wish.refresh_from_db()
    assert wish.status == WishStatus.FULFILLED
    assert flows.tracking_stage(resident, tracking_url) == "done"

    # The community confirms it.
    flows.staff_confirm_wish(staff, wish, rating=4, comment="服务及时")
    wish.refresh_from_db()
    assert wish.status == WishStatus.CONFIRMED

    # The resident reopens the tracking link: done, and rates it.
    assert flows.tracking_stage(resident, tracking_url) == "done"
    assert resident.page.locator(".track-steps li.step:not(.reached)").count() == 0
    resident.shot("resident-track-done-phone")
    flows.resident_rates(resident, tracking_url, rating=5, comment="小伙子很热心，谢谢社区！")
    request.refresh_from_db()
    assert (request.resident_rating, request.resident_comment) == (5, "小伙子很热心，谢谢社区！")
    assert resident.page.locator(".your-rating").is_visible()
    assert resident.page.locator("#rate-form").count() == 0  # once

    # The staff read the resident's rating beside the community's on the wish's page.
    staff.go(f"/staff/wishes/{wish.pk}/")
    facts = staff.page.locator("dl.facts")
    assert "4 / 5" in facts.inner_text()  # the community's
    behind = staff.page.locator(".resident-requests")
    assert behind.locator(f"a[data-request='{request.pk}']").count() == 1
    assert "5 / 5" in behind.locator(".resident-rating").inner_text()
    assert "小伙子很热心，谢谢社区！" in behind.inner_text()


def test_a_wrong_code_is_refused_on_the_page_and_nothing_is_saved(visit, neighbourhood):
    world = neighbourhood
    resident = visit(None)
    sent = flows.resident_asks_for_code(resident, f"/r/{world.community.code}/")
    wrong = "000000" if sent != "000000" else "111111"

    flows.resident_fills_request(resident, code=wrong)

    assert resident.page.url.endswith(f"/r/{world.community.code}/submit/")
    assert flows.error_codes(resident) == ["code_invalid"]
    assert resident.page.locator("[data-error-code=code_invalid]").is_visible()
    # The input stays for another try; nothing was written, and no tracking link went out.
    assert resident.page.locator("input[name=name]").input_value() == flows.RESIDENT_NAME
    assert resident.page.locator("input[name=address]").input_value() == flows.RESIDENT_ADDRESS
    assert resident.page.locator("textarea[name=need]").input_value() == flows.RESIDENT_NEED
    assert not ResidentRequest.objects.exists()
    assert "/r/t/" not in flows.last_text_to(flows.RESIDENT_PHONE)
