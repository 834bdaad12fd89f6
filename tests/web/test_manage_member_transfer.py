"""The transfer of a member to another organ's branch (调出) on the management pages, as the API's move allows
(apps.orgs.services.member_move: whoever manages the member's branch, to any branch in the city): the member's page
leads to a server-side search of the other organs' branches (at most 30 listed), the transfer's effect (branch,
organ, affiliation history, audit; the old organ's past figures unchanged), the form's and the service's refusals,
and who may reach it."""

import re
from datetime import datetime, timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from apps.ledger import services as ledger
from apps.ledger.models import AuditEntry, RecordStatus, ServiceCategory, ServiceSource
from apps.orgs.models import MemberAffiliation, PartyOrgKind
from apps.stats.nodes import Level, Node
from apps.stats.periods import period_of
from apps.stats.selectors import node_metrics
from apps.web.manage.people import TRANSFER_RESULTS
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


def offered(response):
    """The branches the transfer form's radio buttons offer, by id."""
    return {int(pk) for pk in re.findall(r'<input type="radio" name="branch" value="(\d+)"', body(response))}


def search(client, member, q):
    return client.get(url("member-transfer", member.pk), {"q": q})


def unchanged(member, branch):
    member.refresh_from_db()
    assert (member.branch, member.organ) == (branch, branch.organ)
    assert MemberAffiliation.objects.filter(member=member).count() == 1
    assert not AuditEntry.objects.filter(action="member_move", subject_id=member.pk).exists()


@pytest.fixture
def reviewer(world):
    return browser_for(world.reviewer)


@pytest.fixture
def water(world):
    """Another organ, 青岚区水务局, with a branch, a general branch and a branch under it."""
    organ = f.OrganFactory(name="青岚区水务局")
    organ.branch = f.BranchFactory(organ=organ, name="水务局第一党支部")
    organ.general = f.BranchFactory(organ=organ, kind=PartyOrgKind.GENERAL_BRANCH, name="水务局机关总支")
    organ.under_general = f.BranchFactory(organ=organ, parent=organ.general, name="总支防汛党支部")
    return organ


# --- the search -------------------------------------------------------------------------------------------------


def test_the_members_page_leads_to_the_transfer_search(world, reviewer):
    html = body(reviewer.get(url("member-detail", world.member.pk)))
    section = re.search(r'<section class="card" id="transfer">(.*?)</section>', html, re.S).group(1)
    assert f'<form method="get" action="{url("member-transfer", world.member.pk)}"' in section
    assert 'name="q"' in section


def test_the_search_finds_branches_by_organ_name_and_labels_them_organ_and_branch(world, reviewer, water):
    response = search(reviewer, world.member, "水务")
    assert response.status_code == 200
    # The committee and the general branch are not branches: member_move would refuse them (branch_required).
    assert offered(response) == {water.branch.pk, water.under_general.pk}
    html = body(response)
    assert "青岚区水务局 — 水务局第一党支部" in html
    assert "青岚区水务局 — 总支防汛党支部" in html
    assert 'id="transfer-more"' not in html


def test_the_search_finds_branches_by_branch_name(world, reviewer, water):
    assert offered(search(reviewer, world.member, "防汛")) == {water.under_general.pk}


def test_the_search_leaves_out_the_members_own_organ(world, reviewer):
    own = f.BranchFactory(organ=world.organ, name="共同党支部")
    foreign = f.BranchFactory(organ=world.other_organ, name="共同党支部")
    assert offered(search(reviewer, world.member, "共同")) == {foreign.pk}
    assert own.pk not in offered(search(reviewer, world.member, world.organ.name))


def test_the_search_lists_at_most_30_and_says_there_are_more(world, reviewer):
    organ = f.OrganFactory(name="青岚区教育局")
    for n in range(TRANSFER_RESULTS + 1):
        f.BranchFactory(organ=organ, name=f"第{n:02d}学校党支部")
    response = search(reviewer, world.member, "教育局")
    assert len(offered(response)) == TRANSFER_RESULTS == 30
    assert 'id="transfer-more"' in body(response)


@pytest.mark.parametrize("q", ["", "水"])
def test_a_search_shorter_than_two_characters_lists_nothing(world, reviewer, water, q):
    response = search(reviewer, world.member, q)
    assert response.status_code == 200
    assert response.context["search"].errors["q"]
    assert offered(response) == set()
    assert 'id="transfer-form"' not in body(response)


def test_a_search_without_a_match_says_so(world, reviewer):
    response = search(reviewer, world.member, "没有这个单位")
    assert offered(response) == set()
    assert 'id="transfer-none"' in body(response)


# --- the transfer -----------------------------------------------------------------------------------------------


def serve_last_month(world, member):
    """An approved service of the member last month, in organ A's name (the ledger keeps the organ of the time)."""
    first_of_month = timezone.localdate().replace(day=1)
    day = first_of_month - timedelta(days=10)
    start = datetime(day.year, day.month, day.day, 9, 0, tzinfo=timezone.get_current_timezone())
    ledger.record_create(
        member=member,
        community=world.community,
        grid=world.grid,
        source=ServiceSource.MANUAL,
        source_id=None,
        category=ServiceCategory.CARE_VISIT,
        content="入户走访困难群众",
        started_at=start,
        ended_at=start + timedelta(hours=3),
        credited_minutes=120,
        residents_served=2,
        status=RecordStatus.APPROVED,
        decided_by=world.staff,
    )
    return period_of(year=day.year, month=day.month)


SERVICE_FIGURES = ("services", "person_times", "members_served", "minutes", "residents_served", "points")


def service_figures(node, period):
    metrics = node_metrics(node=node, period=period)
    return {key: metrics[key] for key in SERVICE_FIGURES}


def test_a_reviewer_transfers_a_member_to_another_organs_branch(world, reviewer, water):
    member = world.member
    last_month = serve_last_month(world, member)
    organ_a = Node(Level.ORGAN, world.organ)
    before = service_figures(organ_a, last_month)
    assert before["minutes"] == 120

    response = reviewer.post(
        url("member-transfer", member.pk),
        {"branch": water.branch.pk, "reason": "调任水务局", "on": "", "q": "水务"},
        follow=True,
    )

    # The organ lost the member: back to its members list, with the member and the new organ named.
    assert response.redirect_chain == [(url("members"), 302)]
    [message] = response.context["messages"]
    assert message.level_tag == "success"
    assert member.user.name in str(message) and "青岚区水务局" in str(message)
    member.refresh_from_db()
    assert (member.organ, member.branch) == (water, water.branch)
    history = list(
        MemberAffiliation.objects.filter(member=member)
        .order_by("id")
        .values_list("organ", "branch", "started_on", "ended_on", "reason")
    )
    today = timezone.localdate()
    assert history[0][:2] == (world.organ.pk, world.branch.pk)
    assert history[0][3] == today
    assert history[1] == (water.pk, water.branch.pk, today, None, "调任水务局")
    audit = AuditEntry.objects.get(action="member_move", subject_id=member.pk)
    assert (audit.actor, audit.reason) == (world.reviewer, "调任水务局")
    assert (audit.before["organ"], audit.after["organ"]) == (world.organ.pk, water.pk)
    assert reviewer.get(url("member-detail", member.pk)).status_code == 404
    # The hours of last month stay with the organ the member served for then.
    assert service_figures(organ_a, last_month) == before


def test_the_transfer_takes_the_date_given(world, reviewer, water):
    member = world.member
    today = timezone.localdate()
    MemberAffiliation.objects.filter(member=member).update(started_on=today - timedelta(days=60))  # an older member
    on = today - timedelta(days=7)
    reviewer.post(url("member-transfer", member.pk), {"branch": water.branch.pk, "reason": "调任", "on": on})
    history = list(MemberAffiliation.objects.filter(member=member).order_by("id").values_list("branch", "ended_on"))
    assert history == [(world.branch.pk, on), (water.branch.pk, None)]
    assert MemberAffiliation.objects.get(member=member, ended_on__isnull=True).started_on == on


def test_a_transfer_without_a_reason_shows_the_form_error_and_changes_nothing(world, reviewer, water):
    response = reviewer.post(
        url("member-transfer", world.member.pk), {"branch": water.branch.pk, "reason": "  ", "q": "水务"}
    )
    assert response.status_code == 200
    assert response.context["form"].errors["reason"]
    html = body(response)
    assert re.search(r'<div class="field has-error">\s*<label for="transfer-reason">', html)
    # The search comes back with the choice still made.
    assert offered(response) == {water.branch.pk, water.under_general.pk}
    assert re.search(rf'value="{water.branch.pk}"[^>]*checked', html)
    unchanged(world.member, world.branch)


def test_a_date_before_the_current_branch_shows_the_services_error_and_changes_nothing(world, reviewer, water):
    started = MemberAffiliation.objects.get(member=world.member).started_on
    response = reviewer.post(
        url("member-transfer", world.member.pk),
        {"branch": water.branch.pk, "reason": "调任", "on": started - timedelta(days=1), "q": "水务"},
    )
    assert response.status_code == 200
    assert 'data-error-code="move_date_invalid"' in body(response)
    unchanged(world.member, world.branch)


@pytest.mark.parametrize("target", ["own_organ", "general_branch", "not a number"])
def test_the_transfer_form_refuses_what_is_not_another_organs_branch(world, reviewer, water, target):
    branch = {
        "own_organ": lambda: f.BranchFactory(organ=world.organ).pk,
        "general_branch": lambda: water.general.pk,
        "not a number": lambda: "x",
    }[target]()
    response = reviewer.post(url("member-transfer", world.member.pk), {"branch": branch, "reason": "调任"})
    assert response.status_code == 200
    assert response.context["form"].errors["branch"]
    unchanged(world.member, world.branch)


# --- who may transfer -------------------------------------------------------------------------------------------


def test_a_branch_secretary_transfers_a_member_of_their_branch(world, water):
    """The API lets whoever manages the member's branch move them anywhere (the matrix: secretary=ok on the move)."""
    secretary = browser_for(world.secretary)
    member = world.member
    assert offered(search(secretary, member, "水务")) == {water.branch.pk, water.under_general.pk}

    response = secretary.post(
        url("member-transfer", member.pk), {"branch": water.under_general.pk, "reason": "调任"}, follow=True
    )

    assert response.redirect_chain[-1][0] == url("members")
    member.refresh_from_db()
    assert (member.organ, member.branch) == (water, water.under_general)
    assert AuditEntry.objects.get(action="member_move", subject_id=member.pk).actor == world.secretary


def test_a_plain_member_cannot_reach_the_transfer(world, water):
    client = browser_for(world.member.user)
    assert search(client, world.member, "水务").status_code == 403
    response = client.post(url("member-transfer", world.member.pk), {"branch": water.branch.pk, "reason": "调任"})
    assert response.status_code == 403
    unchanged(world.member, world.branch)


def test_another_organs_member_is_not_found(world, reviewer, water):
    other = world.other_member
    assert search(reviewer, other, "水务").status_code == 404
    response = reviewer.post(url("member-transfer", other.pk), {"branch": water.branch.pk, "reason": "调任"})
    assert response.status_code == 404
    unchanged(other, world.other_branch)
