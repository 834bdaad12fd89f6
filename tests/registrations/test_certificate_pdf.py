"""The printed registration certificate (报到证) with its receipt (回执): one A4 page, the Chinese font embedded, a QR
code and a link to the public validity page, no phone number or home address; who may download it from the API."""

import base64
import re
import shutil
import subprocess
import zlib
from pathlib import Path

import pytest
from django.core.checks import Warning as CheckWarning
from django.db import IntegrityError, connection, transaction
from django.db.migrations.executor import MigrationExecutor
from django.test import override_settings
from django.utils import timezone

from apps.core import checks, pdf_fonts
from apps.registrations import certificate, selectors, services
from apps.registrations.models import PostClaim, Registration, RegistrationStatus
from tests import factories as f

pytestmark = pytest.mark.django_db

BASE = "https://sbd.example.org"
FONT_PRESENT = Path(pdf_fonts.cjk_font_path()).is_file()
needs_font = pytest.mark.skipif(
    not FONT_PRESENT,
    reason=f"the TrueType font {pdf_fonts.cjk_font_path()} is not installed (apt-get install fonts-wqy-microhei)",
)


def pages(data):
    return len(re.findall(rb"/Type /Page\b(?!s)", data))


def page_text(data):
    """The decoded content streams: what the page draws (ASCII text of the embedded font appears as itself)."""
    out = []
    for match in re.finditer(rb"<<(.*?)>>\s*stream\r?\n(.*?)endstream", data, re.S):
        head, body = match.group(1), match.group(2)
        if b"ASCII85Decode" in head:
            body = base64.a85decode(body.strip(), adobe=True)
        if b"FlateDecode" in head:
            body = zlib.decompress(body)
        out.append(body)
    return b"\n".join(out)


def unescaped(content):
    """PDF string literals' escapes undone: \\ddd (octal) and \\( \\) \\\\ become the bytes they stand for."""
    return re.sub(
        rb"\\([0-7]{1,3}|.)",
        lambda m: bytes([int(m.group(1), 8)]) if m.group(1)[0] in b"01234567" else m.group(1),
        content,
        flags=re.S,
    )


def extracted_text(data, tmp_path):
    """The page's text as a reader sees it, through poppler's pdftotext (skips the test without it)."""
    if not shutil.which("pdftotext"):
        pytest.skip("pdftotext (poppler-utils) is not installed: the text of the PDF cannot be read back")
    path = tmp_path / "certificate.pdf"
    path.write_bytes(data)
    return subprocess.run(["pdftotext", str(path), "-"], check=True, capture_output=True, text=True).stdout


@pytest.fixture
def confirmed(world):
    """world.member's registration, confirmed by the community's staff through the service, holding a post."""
    registration = f.RegistrationFactory(member=world.member, grid=world.grid, status=RegistrationStatus.PENDING)
    services.registration_confirm(registration=registration, actor=world.staff)
    post = f.PostFactory(community=world.community, title="政策宣传员")
    services.post_claim(post=post, member=world.member)
    return selectors.registration_certificate_get(user=world.member.user, registration_id=registration.pk)


def pdf_of(registration):
    return certificate.registration_certificate_pdf(registration, base_url=BASE)


# --- the verification code ----------------------------------------------------------------------------------------


def test_confirming_draws_a_long_random_verification_code(world):
    first = f.RegistrationFactory(member=world.member, grid=world.grid, status=RegistrationStatus.PENDING)
    second = f.RegistrationFactory(member=world.other_member, grid=world.grid, status=RegistrationStatus.PENDING)
    assert first.verification_code is None
    codes = {
        services.registration_confirm(registration=r, actor=world.staff).verification_code for r in (first, second)
    }
    assert len(codes) == 2
    assert all(re.fullmatch(r"[A-Za-z0-9_-]{16}", code) for code in codes)  # 96 random bits


def test_a_confirmed_registration_without_a_code_is_refused_by_the_database(world):
    with pytest.raises(IntegrityError), transaction.atomic():
        f.RegistrationFactory(member=world.member, grid=world.grid, verification_code=None)


def test_rejecting_draws_no_code(world):
    registration = f.RegistrationFactory(member=world.member, grid=world.grid, status=RegistrationStatus.PENDING)
    services.registration_reject(registration=registration, actor=world.staff, reason="地址不在本社区")
    registration.refresh_from_db()
    assert registration.verification_code is None


# --- the page -----------------------------------------------------------------------------------------------------


@needs_font
def test_the_pdf_is_one_a4_page_with_the_chinese_font_embedded(confirmed):
    data = pdf_of(confirmed)
    assert data.startswith(b"%PDF-")
    assert pages(data) == 1
    assert re.search(rb"/MediaBox \[ 0 0 595\.27\d* 841\.88\d* \]", data)  # A4
    assert b"/FontFile2" in data  # the TrueType font program travels in the file
    assert b"WenQuanYiMicroHei" in data
    assert b"STSong-Light" not in data and b"Helvetica" not in data  # no font the reader would have to supply


@needs_font
def test_the_qr_code_and_the_printed_address_open_the_public_validity_page(confirmed):
    data = pdf_of(confirmed)
    url = f"{BASE}/verify/registration/{confirmed.verification_code}/"
    assert certificate.registration_verify_url(confirmed, base_url=BASE) == url
    # Both halves link their QR code to the page and print its address (ASCII is drawn as itself).
    assert data.count(f"/URI ({url})".encode()) == 2
    assert page_text(data).count(confirmed.verification_code.encode()) >= 2
    assert confirmed.receipt_number.encode() in page_text(data)


@needs_font
def test_the_pdf_says_who_registered_where_and_holds_no_phone_or_home_address(confirmed, tmp_path):
    member = confirmed.member
    text = re.sub(r"\s+", "", extracted_text(pdf_of(confirmed), tmp_path))
    community = confirmed.community
    for fact in (
        member.user.name,
        member.organ.name,
        member.branch.name,
        community.name,
        community.street.name,
        community.street.district.name,
        confirmed.receipt_number,
        f"{certificate.confirmed_on(confirmed):%Y-%m-%d}",
        "政策宣传员",
    ):
        assert fact in text
    assert text.count(member.user.name) >= 2  # on the certificate and on the receipt
    assert member.user.phone not in text
    assert confirmed.address not in text


def test_the_printed_facts_name_the_member_organ_community_receipt_and_posts_only(confirmed):
    rows = dict(certificate.certificate_facts(confirmed, selectors.registration_posts_held(confirmed)))
    values = list(rows.values())
    member = confirmed.member
    assert member.user.name in values and member.organ.name in values and member.branch.name in values
    assert confirmed.receipt_number in values and "政策宣传员" in values
    assert certificate.place_of(confirmed.community) in values
    receipt_values = [value for _label, value in certificate.receipt_facts(confirmed)]
    assert member.user.name in receipt_values and confirmed.receipt_number in receipt_values
    for value in values + receipt_values:
        assert member.user.phone not in str(value)
        assert confirmed.address not in str(value)


@needs_font
def test_long_names_and_many_posts_still_fit_on_one_page(world, confirmed):
    world.organ.name = "青岚区" + "人民代表大会常务委员会办公室" * 6
    world.organ.save()
    world.member.user.name = "欧阳" * 20
    world.member.user.save()
    for n in range(25):
        services.post_claim(
            post=f.PostFactory(community=world.community, title=f"长期岗位第{n}号"), member=world.member
        )
    registration = selectors.registration_certificate_get(user=world.member.user, registration_id=confirmed.pk)
    assert pages(pdf_of(registration)) == 1


def test_a_post_released_or_in_another_community_is_not_printed(world, confirmed):
    elsewhere = f.PostFactory(community=world.other_community, title="别处的岗位")
    PostClaim.objects.create(post=elsewhere, member=world.member, claimed_at=timezone.now())
    claim = PostClaim.objects.get(post__title="政策宣传员")
    services.post_release(claim=claim, actor=world.member.user)
    assert selectors.registration_posts_held(confirmed) == []


# --- the font -----------------------------------------------------------------------------------------------------


def test_without_the_font_file_the_pdf_falls_back_to_stsong_and_the_check_warns(confirmed, tmp_path):
    missing = tmp_path / "no-such-font.ttc"
    with override_settings(PDF_CJK_FONT_PATH=str(missing)):
        data = pdf_of(confirmed)
        warnings = checks.pdf_cjk_font_check()
    assert pages(data) == 1
    assert b"STSong-Light" in data and b"/FontFile2" not in data
    # The CID font writes UTF-16 in PDF string literals: unescaped, the member's name is in the page as such.
    assert confirmed.member.user.name.encode("utf-16-be") in unescaped(page_text(data))
    assert [w.id for w in warnings] == ["core.W001"] and isinstance(warnings[0], CheckWarning)
    assert str(missing) in warnings[0].msg


def test_a_file_that_is_not_a_truetype_font_falls_back_too(tmp_path):
    junk = tmp_path / "broken.ttf"
    junk.write_bytes(b"not a font at all")
    with override_settings(PDF_CJK_FONT_PATH=str(junk)):
        assert pdf_fonts.cjk_font() == pdf_fonts.FALLBACK_FONT


@needs_font
def test_with_the_font_installed_the_check_is_silent_and_the_font_embeds():
    assert checks.pdf_cjk_font_check() == []
    assert pdf_fonts.font_is_embedded(pdf_fonts.cjk_font())


# --- the API ------------------------------------------------------------------------------------------------------

READERS = ["member", "staff", "secretary", "reviewer", "superuser"]
NOT_READERS = ["other_member", "grid_worker", "street_admin", "district_admin", "outsider"]


def _url(registration):
    return f"/api/v1/registrations/{registration.pk}/certificate/"


@pytest.mark.parametrize("who", READERS)
def test_the_member_the_community_staff_and_the_organ_download_the_pdf(world, make_client, confirmed, who):
    response = make_client(world.user(who)).get(_url(confirmed))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert f'filename="{confirmed.receipt_number}.pdf"' in response["Content-Disposition"]
    assert pages(response.content) == 1


@pytest.mark.parametrize("who", NOT_READERS)
def test_others_get_404(world, make_client, confirmed, who):
    response = make_client(world.user(who)).get(_url(confirmed))
    assert response.status_code == 404


def test_anonymous_is_refused(api, confirmed):
    assert api.get(_url(confirmed)).status_code in (401, 403)


@pytest.mark.parametrize(
    "status", [RegistrationStatus.PENDING, RegistrationStatus.MOVED, RegistrationStatus.REJECTED, "withdrawn"]
)
def test_a_registration_not_in_force_is_422_registration_not_confirmed(world, make_client, status):
    extra = {"reject_reason": "不在本社区"} if status == RegistrationStatus.REJECTED else {}
    registration = f.RegistrationFactory(member=world.member, grid=world.grid, status=status, **extra)
    for who in ("member", "staff", "reviewer"):
        response = make_client(world.user(who)).get(_url(registration))
        assert response.status_code == 422
        assert response.json()["code"] == "registration_not_confirmed"


def test_the_qr_code_uses_the_configured_public_address(world, make_client, confirmed, settings):
    settings.CERTIFICATE_VERIFY_BASE_URL = "https://check.example.gov.cn"
    response = make_client(world.member.user).get(_url(confirmed))
    url = f"https://check.example.gov.cn/verify/registration/{confirmed.verification_code}/"
    assert f"/URI ({url})".encode() in response.content


def test_the_endpoint_is_in_the_schema_as_a_pdf(api):
    schema = api.get("/api/schema/?format=json").json()
    operation = schema["paths"]["/api/v1/registrations/{id}/certificate/"]["get"]
    assert "application/pdf" in operation["responses"]["200"].get("content", {"application/pdf": None})
    assert {"404", "422"} <= set(operation["responses"]) and "409" not in operation["responses"]
    assert "registration_not_confirmed" in operation["responses"]["422"]["description"]
    assert "registration_not_confirmed" in operation["description"]


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)


@pytest.mark.django_db(transaction=True)
def test_the_migration_gives_every_registration_with_a_receipt_a_code(world):
    confirmed = f.RegistrationFactory(member=world.member, grid=world.grid)
    moved = f.RegistrationFactory(
        member=world.member, grid=world.grid, status=RegistrationStatus.MOVED, receipt_number="SBD-2025-000009"
    )
    pending = f.RegistrationFactory(member=world.other_member, grid=world.grid, status=RegistrationStatus.PENDING)
    try:
        _migrate([("registrations", "0004_alter_evaluation_community_and_more")])
        _migrate([("registrations", "0006_confirmed_registration_has_verification_code")])
    finally:
        _migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())  # leave the database at the latest state
    codes = dict(Registration.objects.values_list("pk", "verification_code"))
    assert codes[pending.pk] is None
    assert codes[confirmed.pk] and codes[moved.pk] and codes[confirmed.pk] != codes[moved.pk]
    assert codes[confirmed.pk] != confirmed.verification_code  # drawn anew: the old column was gone
