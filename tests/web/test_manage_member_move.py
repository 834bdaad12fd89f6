"""A branch secretary moves a member of their branch to another branch on the management pages, as the API lets them
(apps.orgs.services.member_move: whoever manages the member's current branch): the members list and a member's page
scoped to the secretary's Party-org subtree, the move's effect (branch, affiliation history, audit), the service's
refusals shown with their code, 404 outside the subtree, 403 for a plain member."""

import re

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from apps.accounts.models import Role
from apps.ledger.models import AuditEntry
from apps.orgs import errors
from apps.orgs.models import MemberAffiliation, PartyOrgKind
from tests import factories as f

pytestmark = pytest.mark.django_db


def browser_for(user):
    client = Client()
    client.force_login(user)
    return client


def url(name, *args):
    return reverse(f"manage:{name}", args=args)


def body(response):
    return response.content.decode()


def offered_branches(response):
    select = re.search(r'<select name="branch"[^>]*>(.*?)</select>', body(response), re.S).group(1)
    return {int(pk) for pk in re.findall(r'<option value="(\d+)"', select)}


@pytest.fixture
def branch2(world):
    """A second branch of the secretary's organ, with a member of its own."""
    branch2 = f.BranchFactory(organ=world.organ, name="机关第二党支部")
    branch2.neighbour = f.MemberFactory(branch=branch2)
    return branch2


@pytest.fixture
def secretary(world):
    return browser_for(world.secretary)


def unchanged(world, member, branch):
    member.refresh_from_db()
    assert (member.branch, member.organ) == (branch, branch.organ)
    assert MemberAffiliation.objects.filter(member=member).count() == 1
    assert not AuditEntry.objects.filter(action="member_move", subject_id=member.pk).exists()


def test_a_branch_secretary_finds_their_members_under_management(world, branch2, secretary):
    page = secretary.get(url("members"))
    assert page.status_code == 200
    assert {m.pk for m in page.context["page_obj"].object_list} == {world.member.pk}
    subnav = re.search(r'<nav class="subnav".*?</nav>', body(page), re.S).group(0)
    assert f'href="{url("members")}" aria-current="page"' in subnav
    assert f'href="{url("member-detail", world.member.pk)}"' in body(page)

    detail = secretary.get(url("member-detail", world.member.pk))
    assert detail.status_code == 200
    html = body(detail)
    assert f'action="{url("member-move", world.member.pk)}"' in html
    # The other branches of the organ are offered; the member's own branch and other organs' are not.
    assert offered_branches(detail) == {branch2.pk}
    # Deactivating, the certificate and appointing secretaries stay the organ committee's.
    for reviewers_only in ("member-active", "member-certificate", "member-secretary"):
        assert url(reviewers_only, world.member.pk) not in html


def test_a_branch_secretary_moves_their_member_to_another_branch_of_the_organ(world, branch2, secretary):
    member = world.member
    response = secretary.post(url("member-move", member.pk), {"branch": branch2.pk, "reason": "工作调动"}, follow=True)

    # Moved out of the secretary's branch, the member is no longer theirs: back to the list, with the success.
    assert response.redirect_chain[-1][0] == url("members")
    assert [m.level_tag for m in response.context["messages"]] == ["success"]
    member.refresh_from_db()
    assert (member.branch, member.organ) == (branch2, world.organ)
    history = list(MemberAffiliation.objects.filter(member=member).order_by("id").values_list("branch", "ended_on"))
    assert history == [(world.branch.pk, timezone.localdate()), (branch2.pk, None)]
    audit = AuditEntry.objects.get(action="member_move", subject_id=member.pk)
    assert (audit.actor, audit.reason) == (world.secretary, "工作调动")
    assert (audit.before["branch"], audit.after["branch"]) == (world.branch.pk, branch2.pk)
    assert secretary.get(url("member-detail", member.pk)).status_code == 404


def test_the_secretary_of_a_general_branch_moves_members_between_the_branches_under_it(world):
    general = f.BranchFactory(organ=world.organ, kind=PartyOrgKind.GENERAL_BRANCH, name="机关总支")
    first = f.BranchFactory(organ=world.organ, parent=general, name="总支第一支部")
    second = f.BranchFactory(organ=world.organ, parent=general, name="总支第二支部")
    member = f.MemberFactory(branch=first)
    f.RoleFactory(user=world.secretary, role=Role.BRANCH_SECRETARY, party_org=general)
    client = browser_for(world.secretary)

    response = client.post(url("member-move", member.pk), {"branch": second.pk}, follow=True)

    assert response.redirect_chain[-1][0] == url("member-detail", member.pk)  # still in the secretary's subtree
    member.refresh_from_db()
    assert member.branch == second


@pytest.mark.parametrize(
    "target, code, message",
    [
        ("own", "same_branch", errors.SAME_BRANCH),
        ("committee", "branch_required", errors.BRANCH_REQUIRED),
    ],
)
def test_a_branch_the_service_refuses_shows_its_message_and_changes_nothing(world, secretary, target, code, message):
    branch = world.branch if target == "own" else f.committee_of(world.organ)
    response = secretary.post(url("member-move", world.member.pk), {"branch": branch.pk}, follow=True)
    assert response.redirect_chain[-1][0] == url("member-detail", world.member.pk)
    html = body(response)
    assert f'data-error-code="{code}"' in html
    assert escape(str(message)) in html
    unchanged(world, world.member, world.branch)


def test_another_organs_branch_is_not_offered_and_a_post_of_it_changes_nothing(world, secretary):
    response = secretary.post(url("member-move", world.member.pk), {"branch": world.other_branch.pk}, follow=True)
    assert [m.level_tag for m in response.context["messages"]] == ["error"]
    unchanged(world, world.member, world.branch)


def test_a_member_outside_the_secretarys_branch_is_not_found(world, branch2, secretary):
    for member in (branch2.neighbour, world.other_member):
        assert secretary.get(url("member-detail", member.pk)).status_code == 404
        assert secretary.post(url("member-move", member.pk), {"branch": world.branch.pk}).status_code == 404
    unchanged(world, branch2.neighbour, branch2)
    unchanged(world, world.other_member, world.other_branch)
    # The organ's other branches are not the secretary's to list either.
    listed = secretary.get(url("members"), {"q": branch2.neighbour.user.name}).context["page_obj"].object_list
    assert list(listed) == []


def test_a_plain_member_is_refused_the_members_pages_and_the_move(world, branch2):
    client = browser_for(world.member.user)
    assert client.get(url("members")).status_code == 403
    assert client.get(url("member-detail", world.member.pk)).status_code == 403
    assert client.post(url("member-move", branch2.neighbour.pk), {"branch": world.branch.pk}).status_code == 403
    unchanged(world, branch2.neighbour, branch2)
