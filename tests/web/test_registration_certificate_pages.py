"""The printed registration certificate (报到证 and 回执) on the pages: the public validity page its QR code opens (no
sign-in), and the download offered on the member's registration page, the community desk and the organ's receipts."""

import html
import re
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from apps.accounts.models import Role
from apps.registrations import services
from apps.registrations.models import RegistrationStatus
from tests import factories as f

pytestmark = pytest.mark.django_db

FULL_NAME = "欧阳晓明"


def browser_for(user, language=None):
    client = Client(headers={"accept-language": language} if language else {})
    if user is not None:
        client.force_login(user)
    return client


def text_of(response):
    return html.unescape(response.content.decode())


def status_of(page):
    found = re.search(r'data-status="(\w+)"', page)
    return found.group(1) if found else None


def field(page, name):
    found = re.search(rf'data-field="{name}">([^<]*)<', page)
    return found.group(1) if found else None


def check_url(code):
    return reverse("public:registration", kwargs={"code": code})


@pytest.fixture
def confirmed(world):
    user = world.member.user
    user.name = FULL_NAME
    user.save(update_fields=["name"])
    registration = f.RegistrationFactory(member=world.member, grid=world.grid, status=RegistrationStatus.PENDING)
    return services.registration_confirm(registration=registration, actor=world.staff)


def is_pdf(response):
    return response.status_code == 200 and response["Content-Type"] == "application/pdf"


# --- the public validity page ------------------------------------------------------------------------------------


def test_anyone_reads_that_a_confirmed_registration_is_in_force_with_masked_facts(world, confirmed):
    response = browser_for(None, "en").get(check_url(confirmed.verification_code))
    assert response.status_code == 200
    page = text_of(response)
    assert status_of(page) == "valid"
    assert "This registration is in force." in page
    assert field(page, "holder") == "欧***"
    assert FULL_NAME not in page
    assert field(page, "organ") == world.organ.name
    assert world.community.name in field(page, "community") and world.street.name in field(page, "community")
    assert field(page, "confirmed") == f"{timezone.localdate(confirmed.decided_at):%Y-%m-%d}"
    assert field(page, "receipt") == confirmed.receipt_number
    assert confirmed.address not in page and world.member.user.phone not in page
    assert world.branch.name not in page
    assert "noindex" in response["X-Robots-Tag"]


def test_after_a_move_the_page_says_the_registration_is_no_longer_in_force(world, confirmed):
    moved_on = timezone.now() - timedelta(days=3)
    type(confirmed).objects.filter(pk=confirmed.pk).update(status=RegistrationStatus.MOVED, closed_at=moved_on)
    response = browser_for(None, "en").get(check_url(confirmed.verification_code))
    assert response.status_code == 200
    page = text_of(response)
    assert status_of(page) == "ended"
    assert "This registration is no longer in force." in page
    assert f"It was closed on {timezone.localdate(moved_on):%Y-%m-%d}" in page
    assert "This registration is in force." not in page
    assert field(page, "receipt") == confirmed.receipt_number


def test_the_move_service_closes_it_and_the_chinese_page_says_so(world, confirmed):
    f.GazetteerEntryFactory(name="和平小区", latitude=world.other_grid.latitude, longitude=world.other_grid.longitude)
    services.registration_move(member=world.member, address="和平小区5栋")
    response = browser_for(None).get(check_url(confirmed.verification_code))
    assert response.status_code == 200 and status_of(text_of(response)) == "ended"


@pytest.mark.parametrize("code", ["AAAAAAAAAAAAAAAA", "not-a-real-code", "x" * 200, "%E8%AF%81"])
def test_an_unknown_code_is_a_no_such_registration_page_with_404(confirmed, code):
    response = browser_for(None, "en").get(f"/verify/registration/{code}/")
    assert response.status_code == 404
    page = text_of(response)
    assert status_of(page) == "unknown"
    assert "No registration has this verification code." in page
    assert 'data-error-code="registration_code_unknown"' in page
    assert confirmed.receipt_number not in page and "Traceback" not in page
    assert "noindex" in response["X-Robots-Tag"]


def test_a_code_differing_in_case_is_unknown(confirmed):
    code = confirmed.verification_code
    other = code.swapcase() if code.swapcase() != code else code + "x"
    assert browser_for(None).get(check_url(other)).status_code == 404


def test_a_pending_registration_has_no_code_and_no_page(world):
    pending = f.RegistrationFactory(member=world.member, grid=world.grid, status=RegistrationStatus.PENDING)
    assert pending.verification_code is None


# --- the member's page -------------------------------------------------------------------------------------------


def test_the_member_downloads_their_certificate_from_the_registration_page(world, confirmed):
    client = browser_for(world.member.user)
    page = text_of(client.get(reverse("profile:registration")))
    url = reverse("profile:registration-certificate", args=[confirmed.pk])
    assert f'href="{url}"' in page and "registration-certificate" in page
    response = client.get(url)
    assert is_pdf(response)
    assert f'filename="{confirmed.receipt_number}.pdf"' in response["Content-Disposition"]


def test_a_pending_registration_offers_no_download(world):
    f.RegistrationFactory(member=world.member, grid=world.grid, status=RegistrationStatus.PENDING)
    page = text_of(browser_for(world.member.user).get(reverse("profile:registration")))
    assert "registration-certificate" not in page


def test_a_member_cannot_download_someone_elses_from_their_pages(world, confirmed):
    client = browser_for(world.other_member.user)
    assert client.get(reverse("profile:registration-certificate", args=[confirmed.pk])).status_code == 404


# --- the community desk ------------------------------------------------------------------------------------------


def test_the_community_staff_print_it_from_the_registrations_list(world, confirmed):
    client = browser_for(world.staff)
    page = text_of(client.get(reverse("staff:registrations"), {"status": "confirmed"}))
    url = reverse("staff:registration-certificate", args=[confirmed.pk])
    assert f'href="{url}"' in page
    assert is_pdf(client.get(url))


def test_grid_workers_see_the_registration_but_are_not_offered_the_print(world, confirmed):
    client = browser_for(world.grid_worker)
    response = client.get(reverse("staff:registrations"), {"status": "confirmed"})
    assert confirmed in response.context["page_obj"].object_list
    assert "registration-certificate" not in text_of(response)
    assert client.get(reverse("staff:registration-certificate", args=[confirmed.pk])).status_code == 404


def test_printing_a_pending_registration_goes_back_with_the_reason(world):
    pending = f.RegistrationFactory(member=world.member, grid=world.grid, status=RegistrationStatus.PENDING)
    client = browser_for(world.staff)
    response = client.get(reverse("staff:registration-certificate", args=[pending.pk]))
    assert response.status_code == 302 and response["Location"] == reverse("staff:registrations")
    page = text_of(client.get(response["Location"]))
    assert 'data-error-code="registration_not_confirmed"' in page


# --- the organ's receipts ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["reviewer", "secretary"])
def test_the_organ_prints_it_from_the_receipts_page(world, confirmed, role):
    moved = f.RegistrationFactory(
        member=f.MemberFactory(branch=world.branch),
        grid=world.grid,
        status=RegistrationStatus.MOVED,
        receipt_number="SBD-MOVED-1",
        closed_at=timezone.now(),
    )
    client = browser_for(world.user(role))
    page = text_of(client.get(reverse("manage:receipts")))
    card = re.search(rf'<li data-receipt="{confirmed.receipt_number}".*?</li>', page, re.S).group(0)
    url = reverse("manage:receipt-certificate", args=[confirmed.pk])
    assert f'href="{url}"' in card
    moved_card = re.search(r'<li data-receipt="SBD-MOVED-1".*?</li>', page, re.S).group(0)
    assert "registration-certificate" not in moved_card  # no longer in force: not printed again
    assert is_pdf(client.get(url))
    refused = client.get(reverse("manage:receipt-certificate", args=[moved.pk]))
    assert refused.status_code == 302 and refused["Location"] == reverse("manage:receipts")


def test_another_organ_cannot_print_it(world, confirmed):
    reviewer = f.UserFactory()
    f.RoleFactory(user=reviewer, role=Role.ORGAN_REVIEWER, organ=world.other_organ)
    assert browser_for(reviewer).get(reverse("manage:receipt-certificate", args=[confirmed.pk])).status_code == 404
