"""Personal data (issue #8 item 4): residents' and members' contact details masked wherever the role does not need
them — API, pages, Excel exports, logs and error reports — and the audit of who was shown a resident's contact.

docs/privacy.md is the inventory these tests hold the code to.
"""

import logging
import sys
from io import BytesIO, StringIO

import pytest
from django.contrib.auth.models import AnonymousUser
from django.test import Client, RequestFactory
from django.urls import reverse
from openpyxl import load_workbook

from apps.core.masking import (
    MaskPhonesFilter,
    PersonalDataExceptionReporter,
    PersonalDataExceptionReporterFilter,
    mask_phone,
    mask_phones_in_text,
)
from apps.ledger.models import AuditEntry
from apps.wishes import errors as wish_errors
from apps.wishes import services as wish_services
from apps.wishes.contact_views import CONTACT_VIEW_ACTION, CONTACT_VIEW_SUBJECT, ContactChannel
from tests import factories as f
from tests.activities_hours.conftest import at, make_activity, make_signup
from tests.conftest import client_for
from tests.factories import UserFactory
from tests.wishes.conftest import RESIDENT_ADDRESS, RESIDENT_NAME, RESIDENT_PHONE, WishFactory

pytestmark = pytest.mark.django_db

WISHES = "/api/v1/wishes/"
MASKED_NAME = "张**"
HOME_ADDRESS = "幸福小区9栋1单元902"


class People:
    """The shared world with the member (and a teammate) registered where they live, so they may claim there."""

    def __init__(self, world):
        self.world = world
        f.RegistrationFactory(member=world.member, grid=world.grid, address=HOME_ADDRESS, receipt_number="SBD-1")
        self.teammate = f.MemberFactory(branch=world.branch)
        f.RegistrationFactory(member=self.teammate, grid=world.grid)

    def __getattr__(self, name):
        return getattr(self.world, name)

    def wish(self, **kwargs):
        kwargs.setdefault("grid", self.world.grid)
        kwargs.setdefault("created_by", self.world.staff)
        return WishFactory(**kwargs)

    def claimed(self):
        """A wish claimed by the member through the service (no answer shown, so nothing recorded yet)."""
        wish = self.wish()
        wish_services.wish_claim(wish=wish, actor=self.world.member.user)
        return wish

    def claimed_through_the_api(self):
        """A wish claimed by the member through the API: its answer shows the resident (one entry)."""
        wish = self.wish()
        response = client_for(self.world.member.user).post(f"{WISHES}{wish.pk}/claim/")
        assert response.status_code == 201
        return wish


@pytest.fixture
def p(world):
    return People(world)


def browser(user):
    client = Client()
    client.force_login(user)
    return client


def contact_views(wish=None):
    entries = AuditEntry.objects.filter(subject_type=CONTACT_VIEW_SUBJECT, action=CONTACT_VIEW_ACTION)
    return entries.filter(subject_id=wish.pk) if wish is not None else entries


def channels(wish):
    return [(e.actor_id, e.after["channel"]) for e in contact_views(wish).order_by("id")]


def assert_no_resident_contact(raw):
    assert RESIDENT_PHONE not in raw and RESIDENT_ADDRESS not in raw


# --- residents: the API ---------------------------------------------------------------------------------------


def test_a_staff_detail_shows_the_contact_and_records_exactly_one_entry(p, make_client):
    wish = p.wish()
    data = make_client(p.staff).get(f"{WISHES}{wish.pk}/").json()
    assert (data["resident_phone"], data["resident_address"]) == (RESIDENT_PHONE, RESIDENT_ADDRESS)
    assert channels(wish) == [(p.staff.pk, ContactChannel.API_DETAIL)]
    entry = contact_views(wish).get()
    assert entry.at is not None and entry.subject_id == wish.pk


def test_each_showing_is_one_more_entry(p, make_client):
    wish = p.wish()
    client = make_client(p.grid_worker)
    client.get(f"{WISHES}{wish.pk}/")
    client.get(f"{WISHES}{wish.pk}/")
    assert channels(wish) == [(p.grid_worker.pk, ContactChannel.API_DETAIL)] * 2


@pytest.mark.parametrize("who", ["member", "street_admin", "district_admin"])
def test_a_masked_detail_records_nothing(p, make_client, who):
    wish = p.claimed() if who != "member" else p.wish()
    response = make_client(p.user(who)).get(f"{WISHES}{wish.pk}/")
    assert response.status_code == 200
    assert response.json()["resident_name"] == MASKED_NAME
    assert_no_resident_contact(response.content.decode())
    assert not contact_views().exists()


def test_the_organ_reviewer_sees_its_members_claim_masked_and_records_nothing(p, make_client):
    wish = p.claimed()
    response = make_client(p.reviewer).get(f"{WISHES}{wish.pk}/")
    assert response.json()["resident_name"] == MASKED_NAME
    assert_no_resident_contact(response.content.decode())
    assert not contact_views().exists()


def test_the_claim_answer_shows_the_contact_and_is_recorded(p, make_client):
    wish = p.wish()
    response = make_client(p.member.user).post(f"{WISHES}{wish.pk}/claim/")
    assert response.status_code == 201
    assert response.json()["resident_phone"] == RESIDENT_PHONE
    assert channels(wish) == [(p.member.user.pk, ContactChannel.API_ACTION)]


@pytest.mark.parametrize("who", ["staff", "superuser", "grid_worker"])
def test_lists_carry_the_name_but_never_the_phone_or_address_and_record_nothing(p, make_client, who):
    p.wish()
    p.claimed()
    response = make_client(p.user(who)).get(WISHES)
    rows = response.json()["results"]
    assert len(rows) == 2
    assert {r["resident_name"] for r in rows} == {RESIDENT_NAME}
    assert {(r["resident_phone"], r["resident_address"]) for r in rows} == {(None, None)}
    assert_no_resident_contact(response.content.decode())
    assert not contact_views().exists()


def test_my_claims_carries_the_name_only_and_records_nothing(p, make_client):
    p.claimed()
    response = make_client(p.member.user).get(f"{WISHES}my-claims/")
    (row,) = response.json()["results"]
    assert (row["wish"]["resident_name"], row["wish"]["resident_phone"]) == (RESIDENT_NAME, None)
    assert_no_resident_contact(response.content.decode())
    assert not contact_views().exists()


# --- the audit: who may read it ---------------------------------------------------------------------------------


def test_community_staff_read_who_viewed_the_contact(p, make_client):
    wish = p.claimed_through_the_api()
    make_client(p.member.user).get(f"{WISHES}{wish.pk}/")
    response = make_client(p.staff).get(f"{WISHES}{wish.pk}/contact-views/")
    assert response.status_code == 200
    rows = response.json()["results"]
    # Newest first: the member's detail, then the claim answer. Reading the list is no showing of the contact.
    assert [(r["viewer"], r["channel"]) for r in rows] == [
        (p.member.user.pk, ContactChannel.API_DETAIL),
        (p.member.user.pk, ContactChannel.API_ACTION),
    ]
    assert rows[0]["viewer_name"] == p.member.user.name
    assert make_client(p.superuser).get(f"{WISHES}{wish.pk}/contact-views/").json()["count"] == 2


@pytest.mark.parametrize("who", ["member", "grid_worker", "reviewer", "street_admin"])
def test_others_who_see_the_wish_may_not_read_who_viewed_it(p, make_client, who):
    wish = p.claimed()
    response = make_client(p.user(who)).get(f"{WISHES}{wish.pk}/contact-views/")
    assert response.status_code == 403
    assert response.json()["detail"] == str(wish_errors.NOT_COMMUNITY_STAFF)


def test_outside_the_scope_the_list_reads_as_404(p, make_client, api):
    wish = p.wish()
    other_staff = f.UserFactory()
    f.RoleFactory(user=other_staff, role="community_staff", community=p.other_community)
    assert make_client(other_staff).get(f"{WISHES}{wish.pk}/contact-views/").status_code == 404
    assert make_client(p.other_member.user).get(f"{WISHES}{wish.pk}/contact-views/").status_code == 404
    assert api.get(f"{WISHES}{wish.pk}/contact-views/").status_code in (401, 403)


def test_the_general_audit_list_shows_contact_views_to_the_communitys_staff_only(p, make_client):
    wish = p.claimed_through_the_api()
    other = p.wish(grid=p.other_grid)
    make_client(p.superuser).get(f"{WISHES}{other.pk}/")
    params = {"subject_type": CONTACT_VIEW_SUBJECT}
    staff_rows = make_client(p.staff).get("/api/v1/audit-entries/", params).json()["results"]
    assert {r["subject_id"] for r in staff_rows} == {wish.pk}
    # The claimant's organ sees the wish (masked) and its state changes, but not who looked at the resident.
    assert make_client(p.reviewer).get("/api/v1/audit-entries/", params).json()["results"] == []
    assert {
        r["subject_id"] for r in make_client(p.superuser).get("/api/v1/audit-entries/", params).json()["results"]
    } == {
        wish.pk,
        other.pk,
    }


def test_the_admin_lists_the_entries_read_only(p, make_client):
    p.claimed_through_the_api()
    client = browser(p.superuser)
    response = client.get(reverse("admin:ledger_auditentry_changelist"), {"action__exact": CONTACT_VIEW_ACTION})
    assert response.status_code == 200
    assert [e.subject_type for e in response.context["cl"].result_list] == [CONTACT_VIEW_SUBJECT]
    assert client.get(reverse("admin:ledger_auditentry_add")).status_code == 403
    entry = contact_views().get()
    assert client.post(reverse("admin:ledger_auditentry_delete", args=[entry.pk]), {"post": "yes"}).status_code == 403
    assert contact_views().count() == 1


# --- residents: the pages -----------------------------------------------------------------------------------------


def test_the_staff_wish_page_records_the_showing_and_lists_who_viewed(p):
    wish = p.claimed_through_the_api()
    response = browser(p.staff).get(reverse("staff:wish-detail", args=[wish.pk]))
    html = response.content.decode()
    assert RESIDENT_PHONE in html and RESIDENT_ADDRESS in html
    assert channels(wish) == [
        (p.member.user.pk, ContactChannel.API_ACTION),
        (p.staff.pk, ContactChannel.STAFF_PAGE),
    ]
    views = response.context["contact_views"]
    assert views["total"] == 2
    assert [e.actor_id for e in views["latest"]] == [p.staff.pk, p.member.user.pk]
    assert p.member.user.name in html


def test_the_grid_worker_page_records_the_showing_without_the_list(p):
    wish = p.wish()
    response = browser(p.grid_worker).get(reverse("staff:wish-detail", args=[wish.pk]))
    assert RESIDENT_PHONE in response.content.decode()
    assert response.context["contact_views"] is None
    assert channels(wish) == [(p.grid_worker.pk, ContactChannel.STAFF_PAGE)]


def test_the_claimants_wish_page_records_the_showing(p):
    wish = p.claimed()
    response = browser(p.member.user).get(reverse("member:wish", args=[wish.pk]))
    assert RESIDENT_PHONE in response.content.decode()
    assert channels(wish)[-1] == (p.member.user.pk, ContactChannel.MEMBER_PAGE)


def test_a_members_masked_wish_page_records_nothing(p):
    wish = p.wish()
    response = browser(p.member.user).get(reverse("member:wish", args=[wish.pk]))
    html = response.content.decode()
    assert MASKED_NAME in html and RESIDENT_NAME not in html
    assert_no_resident_contact(html)
    assert not contact_views().exists()


def test_the_staff_wish_list_page_shows_names_only_and_records_nothing(p):
    p.wish()
    html = browser(p.staff).get(reverse("staff:wishes")).content.decode()
    assert RESIDENT_NAME in html
    assert_no_resident_contact(html)
    assert not contact_views().exists()


# --- members: registrations, member lists, exports ------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "sees_home"),
    [
        ("member", True),
        ("staff", True),
        ("grid_worker", True),
        ("superuser", True),
        ("secretary", False),
        ("reviewer", False),
        ("street_admin", False),
        ("district_admin", False),
    ],
)
def test_a_members_home_address_only_for_those_who_visit_and_confirm(p, make_client, who, sees_home):
    registration = p.member.registrations.get()
    response = make_client(p.user(who)).get(f"/api/v1/registrations/{registration.pk}/")
    assert response.status_code == 200
    data = response.json()
    assert data["community"]["id"] == p.community.pk
    if sees_home:
        assert (data["address"], data["latitude"]) == (HOME_ADDRESS, registration.latitude)
    else:
        assert (data["address"], data["latitude"], data["longitude"]) == (None, None, None)
        assert HOME_ADDRESS not in response.content.decode()


def test_the_members_own_registrations_show_the_address(p, make_client):
    (row,) = make_client(p.member.user).get("/api/v1/registrations/mine/").json()
    assert row["address"] == HOME_ADDRESS


@pytest.mark.parametrize(("who", "full"), [("reviewer", True), ("secretary", True), ("staff", False)])
def test_a_members_phone_in_full_for_their_organ_masked_for_the_community(p, make_client, who, full):
    phone = p.member.user.phone
    data = make_client(p.user(who)).get(f"/api/v1/members/{p.member.pk}/").json()
    assert data["phone"] == (phone if full else mask_phone(phone))


def _workbook_text(content):
    book = load_workbook(BytesIO(content))
    return " ".join(str(c.value) for sheet in book.worksheets for row in sheet.iter_rows() for c in row if c.value)


@pytest.mark.parametrize("kind", ["members", "branches", "lists"])
def test_the_dashboard_exports_carry_no_phone_numbers(p, kind):
    url = reverse("dashboard:export", args=[kind])
    params = {"node": f"organ:{p.organ.pk}", "kind": "year", "year": 2026}
    response = browser(p.reviewer).get(url, params)
    assert response.status_code == 200
    text = _workbook_text(response.content)
    assert p.branch.name in text
    assert p.member.user.phone not in text and mask_phone(p.member.user.phone) not in text


def test_the_stats_member_table_carries_no_phone_numbers(p, make_client):
    response = make_client(p.reviewer).get("/api/v1/stats/members/", {"level": "organ", "id": p.organ.pk})
    assert response.status_code == 200
    raw = response.content.decode()
    assert p.member.user.name in raw and p.member.user.phone not in raw


def test_the_attendance_sheet_carries_no_phone_numbers(p, make_client):
    activity = make_activity(
        community=p.community, created_by=p.staff, starts_at=at(2026, 3, 2, 9), ends_at=at(2026, 3, 2, 11)
    )
    make_signup(activity=activity, member=p.member, checked_in_at=at(2026, 3, 2, 9))
    response = make_client(p.staff).get(f"/api/v1/activities/{activity.pk}/attendance.xlsx")
    assert response.status_code == 200
    text = _workbook_text(response.content)
    assert p.member.user.name in text and p.member.user.phone not in text


# --- logs and error reports -----------------------------------------------------------------------------------


def test_phones_in_free_text_are_masked_and_other_numbers_left_alone():
    text = "login 13912345678, +86 13800001111 and 008613700002222; order 2013912345678, id 330102199001011234"
    assert mask_phones_in_text(text) == (
        "login 139****5678, 138****1111 and 137****2222; order 2013912345678, id 330102199001011234"
    )


def _record(msg, *args, exc_info=None):
    return logging.LogRecord("apps.test", logging.ERROR, __file__, 1, msg, args, exc_info)


def test_the_logging_filter_masks_the_message_its_arguments_and_the_traceback():
    try:
        raise ValueError("no user 13912345678")
    except ValueError:
        record = _record("login failed for %s (%s)", "13912345678", "tel 13800001111", exc_info=sys.exc_info())
    assert MaskPhonesFilter().filter(record) is True
    line = logging.Formatter("%(message)s").format(record)
    assert "13912345678" not in line and "13800001111" not in line
    assert "login failed for 139****5678 (tel 138****1111)" in line
    assert "ValueError: no user 139****5678" in line


def test_a_request_log_line_through_a_filtered_handler_has_no_phone():
    output = StringIO()
    handler = logging.StreamHandler(output)
    handler.addFilter(MaskPhonesFilter())
    logger = logging.getLogger("tests.personal_data")
    logger.addHandler(handler)
    try:
        logger.warning("AXES: User login failed, running lockout: {username: '%s'}", "13912345678")
    finally:
        logger.removeHandler(handler)
    assert "139****5678" in output.getvalue() and "13912345678" not in output.getvalue()


def test_error_reports_hide_passwords_and_mask_phones_in_post_data():
    request = RequestFactory().post(
        "/api/v1/auth/login/", {"phone": "13912345678", "password": "s3cret-pass", "note": "call 13800001111"}
    )
    request.user = AnonymousUser()
    post = PersonalDataExceptionReporterFilter().get_post_parameters(request)
    assert post["password"] != "s3cret-pass"
    assert post["phone"] == "139****5678" and post["note"] == "call 138****1111"


def test_error_reports_mask_local_variables():
    def failing(phone, password, member):
        raise RuntimeError("boom")

    try:
        failing("13912345678", "s3cret-pass", {"name": "张三", "phone": "13800001111"})
    except RuntimeError:
        tb = sys.exc_info()[2]
    while tb.tb_next is not None:
        tb = tb.tb_next
    request = RequestFactory().get("/")
    variables = dict(PersonalDataExceptionReporterFilter().get_traceback_frame_variables(request, tb.tb_frame))
    assert variables["phone"] == "139****5678"
    assert variables["password"] != "s3cret-pass"
    assert "13800001111" not in str(variables["member"]) and "138****1111" in str(variables["member"])


# Built from parts, so that the source lines an HTML error report quotes around the failing line hold no number.
REPORT_SECRETS = {
    "password": "s3cret-" + "pass",
    "login": "139" + "12345678",
    "query": "137" + "00002222",
    "user": "136" + "00003333",
    "message": "135" + "00004444",
}


def _failing_login_report(render):
    request = RequestFactory().post(
        "/api/v1/auth/login/?next=/m/&tel=" + REPORT_SECRETS["query"],
        {"phone": REPORT_SECRETS["login"], "password": REPORT_SECRETS["password"]},
    )
    request.user = UserFactory.build(name="张三", phone=REPORT_SECRETS["user"])  # a user prints as "name (phone)"
    try:
        raise RuntimeError("no member with phone " + REPORT_SECRETS["message"])
    except RuntimeError:
        exc_info = sys.exc_info()
    return getattr(PersonalDataExceptionReporter(request, *exc_info), render)()


@pytest.mark.parametrize("render", ["get_traceback_text", "get_traceback_html"])
def test_the_api_login_error_report_has_no_password_or_phone(settings, render):
    """Through the reporter the e-mail to ADMINS is built with (the settings docs/privacy.md gives the lead)."""
    settings.DEFAULT_EXCEPTION_REPORTER_FILTER = "apps.core.masking.PersonalDataExceptionReporterFilter"
    text = _failing_login_report(render)
    for what, secret in REPORT_SECRETS.items():
        assert secret not in text, what
    assert "139****5678" in text and "136****3333" in text and "135****4444" in text
