"""The desk and member pages of household pairing: staff record, pair and end; the member sees the address and a
masked name and registers a visit; bad input gets the service's message with its code, and writes nothing."""

import pytest
from django.utils import timezone

from apps.households.models import Household, HouseholdPairing, HouseholdVisit
from tests.households.conftest import register, visit_times

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(client, world):
    client.force_login(world.staff)
    return client


def test_staff_record_a_household_and_consent_is_required(world, staff_client):
    data = {
        "community": world.community.pk,
        "head_name": "赵爷爷",
        "address": "和平里2号",
        "situation": "disability",
        "consent_on": "",
    }
    response = staff_client.post("/staff/households/new/", data)
    assert response.status_code == 200 and b'data-error-code="consent_required"' in response.content
    assert not Household.objects.exists()
    data["consent_on"] = timezone.localdate().isoformat()
    response = staff_client.post("/staff/households/new/", data)
    household = Household.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/staff/households/{household.pk}/"
    page = staff_client.get("/staff/households/")
    assert f'data-household="{household.pk}"'.encode() in page.content


def test_staff_pair_a_member_found_by_search_and_end_the_pairing(world, staff_client, household, registered):
    page = staff_client.get(f"/staff/households/{household.pk}/", {"q": world.member.user.name})
    assert f'value="{world.member.pk}"'.encode() in page.content
    response = staff_client.post(f"/staff/households/{household.pk}/pair/", {"member": world.member.pk})
    assert response.status_code == 302
    pairing = HouseholdPairing.objects.get()
    response = staff_client.post(f"/staff/household-pairings/{pairing.pk}/end/", {"reason": "期满"})
    assert response["Location"] == f"/staff/households/{household.pk}/"
    pairing.refresh_from_db()
    assert pairing.ended_on == timezone.localdate()


def test_pairing_a_member_of_another_community_shows_the_code(world, staff_client, household):
    register(world.other_member, world.other_community)
    response = staff_client.post(
        f"/staff/households/{household.pk}/pair/", {"member": world.other_member.pk}, follow=True
    )
    assert b'data-error-code="member_not_in_community"' in response.content
    assert not HouseholdPairing.objects.exists()


def test_the_member_sees_the_address_and_a_masked_name(world, client, pairing):
    client.force_login(world.member.user)
    page = client.get("/m/households/")
    household = pairing.household
    assert household.address.encode() in page.content and "张**".encode() in page.content
    assert household.head_name.encode() not in page.content and household.phone.encode() not in page.content


def test_the_member_registers_a_visit_from_the_page(world, client, pairing):
    client.force_login(world.member.user)
    start, end = visit_times()
    fmt = "%Y-%m-%dT%H:%M"
    data = {
        "started_at": timezone.localtime(start).strftime(fmt),
        "ended_at": timezone.localtime(end).strftime(fmt),
        "content": "打扫卫生",
        "residents_served": 1,
    }
    response = client.post(f"/m/households/{pairing.pk}/", data)
    assert response.status_code == 302 and HouseholdVisit.objects.count() == 1
    response = client.post(f"/m/households/{pairing.pk}/", data)
    assert response.status_code == 200 and b'data-error-code="service_overlaps"' in response.content
    assert HouseholdVisit.objects.count() == 1


def test_another_member_gets_404_on_the_visit_page(world, client, pairing):
    client.force_login(world.other_member.user)
    assert client.get(f"/m/households/{pairing.pk}/").status_code == 404


def test_the_teams_members_see_its_paired_households_on_the_team_page(world, client, household):
    from apps.households import services
    from tests.teams.conftest import make_team

    team = make_team(leader=world.member, party_org=world.branch)
    pairing = services.pairing_create(actor=world.staff, household=household, team=team)
    client.force_login(world.member.user)
    page = client.get(f"/m/teams/{team.pk}/")
    assert f'data-pairing="{pairing.pk}"'.encode() in page.content and household.address.encode() in page.content
