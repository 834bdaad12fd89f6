"""Steps of whole flows, each done through the pages as its user would: a resident's order from a poster's QR code
to the rating, the desk's decision on it, a wish claimed and confirmed, a service a member registers and the staff
approve. Every step takes the Visitor (tests/e2e/conftest.py) of the person who does it and returns what the next
step needs; the tests combine them (and later flows, e.g. a team's claim or a household's request, can reuse them).

Set-up that is not a step of the flow (places, names, the gazetteer) is written with factories and services.
"""

import re
from io import BytesIO

from django.utils import timezone
from PIL import Image

from apps.accounts import sms
from apps.places.models import Community, GazetteerKind, Grid
from apps.residents.models import ResidentRequest
from apps.wishes.models import Wish
from tests.e2e.conftest import f

COMMUNITY_NAME = "幸福社区"
GRID_NAME = "幸福社区第一网格"
COMPOUND = "幸福家园"  # a residential compound the offline gazetteer places in the world's community and grid
RESIDENT_PHONE = "13712345678"
RESIDENT_NAME = "王秀英"
RESIDENT_ADDRESS = f"{COMPOUND}3栋2单元101室"
RESIDENT_NEED = "家里的灯坏了，老人够不着，想请人帮忙换个灯泡。"


# --- set-up -----------------------------------------------------------------------------------------------------


def realistic_place(world):
    """Real-looking names for the world's community and grid, and a compound the gazetteer resolves to that grid
    (the test world's two communities share a centre: the entry names its community)."""
    Community.objects.filter(pk=world.community.pk).update(name=COMMUNITY_NAME, contact_phone="0571-87001234")
    Grid.objects.filter(pk=world.grid.pk).update(name=GRID_NAME)
    world.community.refresh_from_db()
    world.grid.refresh_from_db()
    f.GazetteerEntryFactory(
        name=COMPOUND,
        kind=GazetteerKind.COMPOUND,
        community=world.community,
        latitude=world.grid.latitude,
        longitude=world.grid.longitude,
    )
    return world


def named(user, name):
    user.name = name
    user.save(update_fields=["name"])
    return user


def photo_file(name="photo.png", fmt="PNG", size=(64, 48)):
    """A small image as Playwright's set_input_files takes it."""
    buffer = BytesIO()
    Image.new("RGB", size, (200, 120, 30)).save(buffer, format=fmt)
    return {"name": name, "mimeType": Image.MIME[fmt], "buffer": buffer.getvalue()}


def local_input(moment):
    """An aware datetime as a datetime-local input takes it (local time, minutes)."""
    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")


def submit_form(visitor, selector):
    """Press the submit button of the form `selector` and wait for the page the POST leads to."""
    visitor.page.locator(selector).locator("button[type=submit]").first.click()
    visitor.page.wait_for_load_state()


def _shot_of_form(visitor, name):
    """A screenshot of a filled-in form, its last field left first: without the focus ring, and because a full-page
    screenshot taken with a number field focused made Chromium drop the next click on the submit button."""
    visitor.page.evaluate("() => document.activeElement && document.activeElement.blur()")
    visitor.shot(name)


def error_codes(visitor):
    return visitor.page.locator("[data-error-code]").evaluate_all("els => els.map(e => e.dataset.errorCode)")


# --- residents' requests (居民点单) -------------------------------------------------------------------------------


def poster_order_url(staff, community):
    """The community's staff open its poster from the requests list: the address its QR code holds."""
    staff.go("/staff/requests/")
    staff.page.click(f"main .posters a[href='/staff/requests/poster/{community.pk}/']")
    staff.page.wait_for_load_state()
    assert staff.page.locator("#poster .qr svg").count() == 1
    return staff.page.locator("#poster .poster-url").inner_text().strip()


def last_text_to(phone):
    """The text of the last message the locmem SMS backend sent to `phone`."""
    texts = [text for to, text in sms.outbox if to == phone]
    assert texts, f"no text message to {phone}"
    return texts[-1]


def one_time_code(phone):
    return re.search(r"(?<!\d)\d{6}(?!\d)", last_text_to(phone)).group(0)


def resident_asks_for_code(resident, order_url, *, phone=RESIDENT_PHONE):
    """Step 1 of the order form: the number → a one-time code by text message (returned)."""
    resident.go(order_url)
    assert resident.page.locator("#resident-order").is_visible()
    resident.page.fill("input[name=phone]", phone)
    submit_form(resident, "#resident-order form")
    assert resident.page.url.endswith("/submit/")
    assert resident.page.locator("#resident-submit").is_visible()
    return one_time_code(phone)


def resident_fills_request(
    resident, *, code, name=RESIDENT_NAME, address=RESIDENT_ADDRESS, need=RESIDENT_NEED, photo=None, shot=None
):
    """Step 2: the code, who, where and what (and a photo) → submitted; the page that follows is left open. `shot`:
    the name of a screenshot of the filled-in form, taken before it is sent."""
    page = resident.page
    page.fill("input[name=code]", code)
    page.fill("input[name=name]", name)
    page.fill("input[name=address]", address)
    page.fill("textarea[name=need]", need)
    if photo is not None:
        page.set_input_files("input[name=photo]", photo)
    if shot:
        _shot_of_form(resident, shot)
    submit_form(resident, "#resident-submit form")


def resident_orders(resident, order_url, *, phone=RESIDENT_PHONE, **fields):
    """The whole order: code, request, and the tracking page it lands on. Returns (request, tracking URL)."""
    code = resident_asks_for_code(resident, order_url, phone=phone)
    resident_fills_request(resident, code=code, **fields)
    request = ResidentRequest.objects.filter(phone=phone).latest("created_at")
    assert resident.page.url.endswith(f"/r/t/{request.token}/")
    return request, resident.page.url


def tracking_stage(resident, tracking_url):
    resident.go(tracking_url)
    return resident.page.locator("#resident-track").get_attribute("data-stage")


def desk_opens_request(worker, request):
    """The grid worker (or the community's staff) opens the request from the desk's list of requests."""
    worker.go("/staff/")
    worker.page.click("nav.subnav a[href='/staff/requests/']")
    worker.page.wait_for_load_state()
    worker.page.click(f"#resident-requests li[data-request='{request.pk}'] a")
    worker.page.wait_for_load_state()
    assert worker.page.url.endswith(f"/staff/requests/{request.pk}/")
    return worker.page.locator("#resident-request")


def desk_accepts_into_wish(worker, request):
    """受理为新心愿 on the open request: the prefilled wish form, saved as it is. Returns the wish."""
    worker.page.click(f"a[href='/staff/requests/{request.pk}/accept/']")
    worker.page.wait_for_load_state()
    assert worker.page.locator("#id_title").input_value()  # prefilled from the need
    submit_form(worker, "#accept-form")
    request.refresh_from_db()
    assert request.wish_id is not None
    assert worker.page.url.endswith(f"/staff/wishes/{request.wish_id}/")
    assert worker.page.locator(".msg-success").is_visible()
    return Wish.objects.get(pk=request.wish_id)


def resident_rates(resident, tracking_url, *, rating, comment=""):
    """验单 on the tracking page, once the wish is done."""
    resident.go(tracking_url)
    resident.page.select_option("#rate-form select[name=rating]", str(rating))
    resident.page.fill("#rate-form textarea[name=comment]", comment)
    submit_form(resident, "#rate-form")
    assert resident.page.locator(".msg-success").is_visible()


# --- micro-wishes (微心愿) ----------------------------------------------------------------------------------------


def staff_verify_wish(staff, wish):
    """The community's staff verify a grid worker's wish (核实无误，发布)."""
    staff.go(f"/staff/wishes/{wish.pk}/")
    submit_form(staff, f"form[action='/staff/wishes/{wish.pk}/verify/']")
    assert staff.page.locator(".msg-success").is_visible()


def member_claims_and_fulfils(member, wish, *, note):
    """A member claims the wish on its page, then marks it fulfilled with a note."""
    member.go(f"/m/wishes/{wish.pk}/")
    submit_form(member, f"form[action='/m/wishes/{wish.pk}/claim/']")
    assert member.page.locator(".msg-success").is_visible()
    member.page.fill("#fulfil-note", note)
    submit_form(member, f"form[action='/m/wishes/{wish.pk}/fulfil/']")
    assert member.page.locator(".msg-success").is_visible()


def staff_confirm_wish(staff, wish, *, rating, comment=""):
    """确认完成 with the community's rating: this writes the member's service record."""
    staff.go(f"/staff/wishes/{wish.pk}/")
    staff.page.select_option("#rating", str(rating))
    staff.page.fill("#confirm-comment", comment)
    submit_form(staff, ".confirm-form")
    assert staff.page.locator(".msg-success").is_visible()


# --- service records (服务登记, 服务记录) ---------------------------------------------------------------------------


def member_fills_service(
    member, *, place, category, content, started_at, ended_at, residents_served=0, photo=None, shot=None
):
    """服务登记 from the hours page: the form filled and sent (the member's community is chosen for them). `shot`: the
    name of a screenshot of the filled-in form, taken before it is sent."""
    member.go("/me/hours/")
    member.page.click("#register-service")
    member.page.wait_for_load_state()
    assert member.page.url.endswith("/me/hours/register/")
    page = member.page
    page.fill("#id_place", place)
    page.select_option("#id_category", category)
    page.fill("#id_content", content)
    page.fill("#id_started_at", local_input(started_at))
    page.fill("#id_ended_at", local_input(ended_at))
    page.fill("#id_residents_served", str(residents_served))
    if photo is not None:
        page.set_input_files("#id_photo", photo)
    if shot:
        _shot_of_form(member, shot)
    submit_form(member, "#self-service-form")


def hours_row(member, content, *, year):
    """The member's row of a service on 服务时长, in the list of the service's year."""
    member.go(f"/me/hours/?year={year}")
    return member.page.locator("li.record", has=member.page.locator(".row-title", has_text=content))


def staff_records_filtered(staff, *, source, status="pending"):
    """服务记录 filtered by source (and status) through the filter form."""
    staff.go("/staff/records/")
    staff.page.select_option("#id_status", status)
    staff.page.select_option("#id_source", source)
    submit_form(staff, "form.filters")
    assert f"source={source}" in staff.page.url


def staff_approve_record(staff, record):
    """通过 on the record's row of the list that is open."""
    row = staff.page.locator(f"#record-{record.pk}")
    submit_form(staff, f"#record-{record.pk} form[action='/staff/records/{record.pk}/approve/']")
    assert staff.page.locator(".msg-success").is_visible()
    return row
