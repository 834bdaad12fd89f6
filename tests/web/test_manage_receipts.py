"""The registration receipts (回执) of the organ's members under management: what the reviewer (the whole organ) and a
branch secretary (their branch) see, the filters by branch and status with the count, and the gates."""

import re
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from apps.registrations.models import RegistrationStatus
from tests import factories as f

pytestmark = pytest.mark.django_db


def browser_for(user, language="en"):
    client = Client(headers={"accept-language": language})
    client.force_login(user)
    return client


def body(response):
    return response.content.decode()


def listed(response):
    return {r.receipt_number for r in response.context["page_obj"].object_list}


@pytest.fixture
def receipts(world):
    """Organ A: the world's member registered (receipt in force), a member of a second branch who moved (the receipt
    stays, closed), one still pending (no receipt); organ B's member registered too."""
    now = timezone.now()
    world.branch2 = f.BranchFactory(organ=world.organ, name="机关第二党支部")
    world.mover = f.MemberFactory(branch=world.branch2)
    world.waiting = f.MemberFactory(branch=world.branch)
    world.in_force = f.RegistrationFactory(member=world.member, grid=world.grid, receipt_number="SBD-A-1")
    world.moved = f.RegistrationFactory(
        member=world.mover,
        grid=world.other_grid,
        status=RegistrationStatus.MOVED,
        receipt_number="SBD-A-2",
        decided_at=now - timedelta(days=200),
        closed_at=now - timedelta(days=20),
    )
    world.pending = f.RegistrationFactory(member=world.waiting, grid=world.grid, status=RegistrationStatus.PENDING)
    world.foreign = f.RegistrationFactory(member=world.other_member, grid=world.other_grid, receipt_number="SBD-B-1")
    return world


def test_a_reviewer_sees_the_receipts_of_the_organs_members_with_a_count(receipts, django_assert_max_num_queries):
    client = browser_for(receipts.reviewer)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("manage:receipts"))
    assert response.status_code == 200
    assert listed(response) == {"SBD-A-1", "SBD-A-2"}  # not the pending one, not organ B's
    page = body(response)
    assert 'data-count="2"' in page
    assert '<ul class="list receipts">' in page and "<table" not in page
    card = re.search(r'<li data-receipt="SBD-A-1".*?</li>', page, re.S).group(0)
    assert receipts.member.user.name in card and receipts.branch.name in card and receipts.community.name in card
    assert timezone.localtime(receipts.in_force.decided_at).strftime("%Y-%m-%d") in card
    assert 'data-status="confirmed"' in card
    assert 'data-status="moved"' in page
    assert receipts.in_force.address not in page  # the organ side never sees a home address


def test_the_receipts_filter_by_branch_and_status(receipts):
    client = browser_for(receipts.reviewer)
    url = reverse("manage:receipts")
    assert listed(client.get(url, {"branch": receipts.branch2.pk})) == {"SBD-A-2"}
    assert listed(client.get(url, {"status": "confirmed"})) == {"SBD-A-1"}
    assert listed(client.get(url, {"status": "moved", "branch": receipts.branch.pk})) == set()
    response = client.get(url, {"status": "moved"})
    assert listed(response) == {"SBD-A-2"} and 'data-count="1"' in body(response)
    # Another organ's branch is no choice: nothing is listed rather than everything.
    assert listed(client.get(url, {"branch": receipts.other_branch.pk})) == set()
    assert listed(client.get(url, {"status": "pending"})) == set()


def test_a_branch_secretary_sees_the_receipts_of_their_branch_only(receipts):
    client = browser_for(receipts.secretary)
    response = client.get(reverse("manage:receipts"))
    assert response.status_code == 200
    assert listed(response) == {"SBD-A-1"}
    assert set(response.context["filters"].fields["branch"].queryset) == {receipts.branch}
    assert listed(client.get(reverse("manage:receipts"), {"branch": receipts.branch2.pk})) == set()


def test_a_superuser_sees_every_receipt(receipts):
    response = browser_for(receipts.superuser).get(reverse("manage:receipts"))
    assert listed(response) == {"SBD-A-1", "SBD-A-2", "SBD-B-1"}


@pytest.mark.parametrize("role", ["member", "staff", "grid_worker", "street_admin", "district_admin", "outsider"])
def test_the_receipts_page_is_refused_to_other_roles(receipts, role):
    assert browser_for(receipts.user(role)).get(reverse("manage:receipts")).status_code == 403
