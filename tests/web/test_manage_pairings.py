"""The organ's pairings with communities (结对共建) under management: the list for reviewers and branch secretaries,
pairing and ending for the reviewers, through the services and their rules; gates, scoping and the navigation."""

import re
from datetime import date, timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from apps.accounts.models import Role
from apps.registrations import errors as registration_errors
from apps.registrations.models import Pairing
from tests import factories as f

pytestmark = pytest.mark.django_db


def browser_for(user, language="en"):
    client = Client(headers={"accept-language": language})
    client.force_login(user)
    return client


def body(response):
    return response.content.decode()


def listed(response):
    return {p.pk for p in response.context["page_obj"].object_list}


@pytest.fixture
def pairings(world):
    """Organ A runs a pairing with community A and ended one with community B; organ B is paired with community A."""
    today = timezone.localdate()
    world.running = f.PairingFactory(organ=world.organ, community=world.community, projects="共建文明楼道")
    world.ended = f.PairingFactory(
        organ=world.organ,
        community=world.other_community,
        starts_on=date(today.year - 2, 1, 1),
        ends_on=date(today.year - 1, 12, 31),
    )
    world.foreign = f.PairingFactory(organ=world.other_organ, community=world.community)
    return world


def new_pairing(world, **overrides):
    data = {
        "organ": world.organ.pk,
        "party_org": world.branch.pk,
        "community": world.other_community.pk,
        "starts_on": timezone.localdate().isoformat(),
        "ends_on": "",
        "projects": "关爱独居老人；共建文明楼道",
    }
    data.update(overrides)
    return data


# --- the list ---------------------------------------------------------------------------------------------------


def test_a_reviewer_sees_the_organs_pairings_as_cards(pairings):
    response = browser_for(pairings.reviewer).get(reverse("manage:pairings"))
    assert response.status_code == 200
    assert listed(response) == {pairings.running.pk, pairings.ended.pk}  # not organ B's
    page = body(response)
    assert '<ul class="list pairings">' in page and "<table" not in page
    running = re.search(rf'<li id="pairing-{pairings.running.pk}".*?</li>', page, re.S).group(0)
    assert 'data-state="active"' in running and "共建文明楼道" in running and pairings.community.name in running
    assert reverse("manage:pairing-end", args=[pairings.running.pk]) in running
    ended = re.search(rf'<li id="pairing-{pairings.ended.pk}".*?</li>', page, re.S).group(0)
    assert 'data-state="ended"' in ended and "/end/" not in ended
    assert reverse("manage:pairing-new") in page
    assert 'data-count="2"' in page


def test_the_list_filters_running_and_ended_pairings(pairings):
    client = browser_for(pairings.reviewer)
    assert listed(client.get(reverse("manage:pairings"), {"status": "active"})) == {pairings.running.pk}
    assert listed(client.get(reverse("manage:pairings"), {"status": "ended"})) == {pairings.ended.pk}
    assert listed(client.get(reverse("manage:pairings"), {"status": "nonsense"})) == set()


def test_a_branch_secretary_reads_the_organs_pairings_without_the_buttons(pairings):
    client = browser_for(pairings.secretary)
    response = client.get(reverse("manage:pairings"))
    assert response.status_code == 200
    assert listed(response) == {pairings.running.pk, pairings.ended.pk}
    page = body(response)
    assert reverse("manage:pairing-new") not in page and "/end/" not in page
    assert client.get(reverse("manage:pairing-new")).status_code == 403
    response = client.post(reverse("manage:pairing-end", args=[pairings.running.pk]), {"ends_on": ""})
    assert response.status_code == 403
    pairings.running.refresh_from_db()
    assert pairings.running.ends_on is None


@pytest.mark.parametrize("role", ["member", "staff", "grid_worker", "street_admin", "district_admin"])
def test_the_pairing_pages_are_refused_to_other_roles(pairings, role):
    client = browser_for(pairings.user(role))
    assert client.get(reverse("manage:pairings")).status_code == 403
    assert client.post(reverse("manage:pairing-new"), new_pairing(pairings)).status_code == 403
    assert client.post(reverse("manage:pairing-end", args=[pairings.running.pk])).status_code == 403
    assert Pairing.objects.count() == 3
    pairings.running.refresh_from_db()
    assert pairings.running.ends_on is None


# --- pairing ----------------------------------------------------------------------------------------------------


def test_a_reviewer_pairs_the_organ_with_a_community(pairings):
    client = browser_for(pairings.reviewer)
    page = client.get(reverse("manage:pairing-new"))
    assert page.status_code == 200
    assert set(page.context["form"].fields["organ"].queryset) == {pairings.organ}
    response = client.post(reverse("manage:pairing-new"), new_pairing(pairings))
    assert response.status_code == 302 and response["Location"] == reverse("manage:pairings")
    pairing = Pairing.objects.get(organ=pairings.organ, community=pairings.other_community, ends_on__isnull=True)
    assert (pairing.party_org, pairing.starts_on, pairing.created_by) == (
        pairings.branch,
        timezone.localdate(),
        pairings.reviewer,
    )
    assert pairing.projects == "关爱独居老人；共建文明楼道"


def test_an_overlapping_pairing_is_refused_with_the_services_message(pairings):
    response = browser_for(pairings.reviewer).post(
        reverse("manage:pairing-new"), new_pairing(pairings, community=pairings.community.pk)
    )
    assert response.status_code == 200
    assert [e.code for e in response.context["form"].non_field_errors().as_data()] == ["pairing_exists"]
    with translation.override("en"):
        message = str(registration_errors.PAIRING_EXISTS)
    assert f'data-error-code="pairing_exists">{message}</p>' in body(response)
    assert Pairing.objects.filter(organ=pairings.organ, community=pairings.community).count() == 1


def test_an_end_before_the_start_is_refused(pairings):
    today = timezone.localdate()
    response = browser_for(pairings.reviewer).post(
        reverse("manage:pairing-new"),
        new_pairing(pairings, starts_on=today.isoformat(), ends_on=(today - timedelta(days=1)).isoformat()),
    )
    assert [e.code for e in response.context["form"].non_field_errors().as_data()] == ["pairing_dates_invalid"]
    assert not Pairing.objects.filter(community=pairings.other_community, ends_on__isnull=True).exists()


def test_the_party_org_must_belong_to_the_organ(pairings):
    """A reviewer of two organs cannot pair one of them through the other's branch (the service's rule)."""
    f.RoleFactory(user=pairings.reviewer, role=Role.ORGAN_REVIEWER, organ=pairings.other_organ)
    response = browser_for(pairings.reviewer).post(
        reverse("manage:pairing-new"), new_pairing(pairings, party_org=pairings.other_branch.pk)
    )
    assert [e.code for e in response.context["form"].non_field_errors().as_data()] == ["party_org_not_in_organ"]
    assert not Pairing.objects.filter(community=pairings.other_community, ends_on__isnull=True).exists()


def test_a_reviewer_cannot_pair_another_organ(pairings):
    response = browser_for(pairings.reviewer).post(
        reverse("manage:pairing-new"), new_pairing(pairings, organ=pairings.other_organ.pk, party_org="")
    )
    assert response.status_code == 200 and "organ" in response.context["form"].errors
    assert not Pairing.objects.filter(organ=pairings.other_organ, community=pairings.other_community).exists()


# --- ending -----------------------------------------------------------------------------------------------------


def test_a_reviewer_ends_a_pairing(pairings):
    client = browser_for(pairings.reviewer)
    last_day = timezone.localdate() + timedelta(days=10)
    response = client.post(reverse("manage:pairing-end", args=[pairings.running.pk]), {"ends_on": last_day})
    assert response.status_code == 302 and response["Location"] == reverse("manage:pairings")
    pairings.running.refresh_from_db()
    assert pairings.running.ends_on == last_day
    # No date: today, as in the API.
    client.post(reverse("manage:pairing-end", args=[pairings.running.pk]), {"ends_on": ""})
    pairings.running.refresh_from_db()
    assert pairings.running.ends_on == timezone.localdate()


def test_ending_before_the_start_or_with_a_bad_date_shows_the_message_and_changes_nothing(pairings):
    client = browser_for(pairings.reviewer)
    url = reverse("manage:pairing-end", args=[pairings.running.pk])
    before = client.post(url, {"ends_on": (pairings.running.starts_on - timedelta(days=1)).isoformat()}, follow=True)
    with translation.override("en"):
        message = str(registration_errors.PAIRING_DATES_INVALID)
    assert f'data-error-code="pairing_dates_invalid">{message}</p>' in body(before)
    garbled = client.post(url, {"ends_on": "not a date"}, follow=True)
    assert 'data-error-code="ends_on_invalid"' in body(garbled)
    ended = client.post(reverse("manage:pairing-end", args=[pairings.ended.pk]), follow=True)
    assert 'data-error-code="pairing_already_ended"' in body(ended)
    pairings.running.refresh_from_db()
    assert pairings.running.ends_on is None


def test_another_organs_pairing_is_a_404(pairings):
    response = browser_for(pairings.reviewer).post(reverse("manage:pairing-end", args=[pairings.foreign.pk]))
    assert response.status_code == 404
    pairings.foreign.refresh_from_db()
    assert pairings.foreign.ends_on is None


# --- the navigation ---------------------------------------------------------------------------------------------


def test_a_reviewer_reaches_the_pairings_and_receipts_from_the_management_section(pairings):
    page = body(browser_for(pairings.reviewer).get(reverse("manage:home")))
    subnav = re.search(r'<nav class="subnav".*?</nav>', page, re.S).group(0)
    assert f'href="{reverse("manage:pairings")}"' in subnav
    assert f'href="{reverse("manage:receipts")}"' in subnav


def test_a_branch_secretary_gets_a_management_section_without_imports(pairings):
    page = body(browser_for(pairings.secretary).get(reverse("manage:pairings")))
    sections = re.search(r'<nav class="sections".*?</nav>', page, re.S).group(0)
    assert f'href="{reverse("manage:receipts")}"' in sections
    subnav = re.search(r'<nav class="subnav".*?</nav>', page, re.S).group(0)
    assert f'href="{reverse("manage:home")}"' not in subnav
    assert f'href="{reverse("manage:members")}"' in subnav  # their branch's members: test_manage_member_move.py
    assert f'href="{reverse("manage:pairings")}" aria-current="page"' in subnav
