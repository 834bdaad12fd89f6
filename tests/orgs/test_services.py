"""Organs, the Party-org tree, members and their moves kept as history."""

import datetime as dt

import pytest
from django.db import IntegrityError
from django.utils import timezone

from apps.accounts.models import User
from apps.core.errors import Conflict, Forbidden, Invalid
from apps.orgs import services
from apps.orgs.models import Member, MemberAffiliation, PartyOrg, PartyOrgKind
from tests import factories as f

pytestmark = pytest.mark.django_db


def test_organ_comes_with_its_committee_as_tree_root():
    organ = services.organ_create(name="区教育局")
    committee = PartyOrg.objects.get(organ=organ)
    assert committee.kind == PartyOrgKind.COMMITTEE
    assert committee.parent is None
    assert committee.path == f"/{committee.id}/"


def test_duplicate_organ_name_is_a_conflict():
    services.organ_create(name="区教育局")
    with pytest.raises(Conflict) as exc:
        services.organ_create(name="区教育局")
    assert exc.value.code == "organ_name_taken"


def test_tree_paths_nest_and_kinds_are_checked():
    organ = f.OrganFactory()
    committee = f.committee_of(organ)
    general = services.party_org_create(organ=organ, parent=committee, kind=PartyOrgKind.GENERAL_BRANCH, name="总支")
    branch = services.party_org_create(organ=organ, parent=general, kind=PartyOrgKind.BRANCH, name="一支部")
    assert branch.path == f"/{committee.id}/{general.id}/{branch.id}/"
    with pytest.raises(Invalid) as exc:
        services.party_org_create(organ=organ, parent=branch, kind=PartyOrgKind.BRANCH, name="子支部")
    assert exc.value.code == "party_org_parent_invalid"
    with pytest.raises(Invalid):
        services.party_org_create(organ=f.OrganFactory(), parent=committee, kind=PartyOrgKind.BRANCH, name="x")


def test_database_refuses_a_second_root_or_a_rootless_branch():
    organ = f.OrganFactory()
    with pytest.raises(IntegrityError):
        PartyOrg.objects.create(organ=organ, parent=None, kind=PartyOrgKind.BRANCH, name="无上级支部")


def test_member_belongs_to_a_branch_and_organ_is_derived():
    branch = f.BranchFactory()
    member = services.member_create(branch=branch, phone="13911112222", name="王五", password="a-Strong-pass-9")
    assert member.organ_id == branch.organ_id
    assert member.affiliations.get().ended_on is None


def test_member_cannot_belong_to_a_committee():
    committee = f.committee_of(f.OrganFactory())
    with pytest.raises(Invalid) as exc:
        services.member_create(branch=committee, phone="13911112222", name="王五")
    assert exc.value.code == "branch_required"
    assert not User.objects.exists()


def test_invalid_phone_writes_neither_user_nor_member():
    with pytest.raises(Invalid):
        services.member_create(branch=f.BranchFactory(), phone="1234", name="王五")
    assert not Member.objects.exists() and not User.objects.exists()


def test_moving_to_another_organ_closes_the_old_affiliation_and_keeps_it():
    member = f.MemberFactory()
    old_branch = member.branch
    new_branch = f.BranchFactory()
    day = timezone.localdate()
    services.member_move(member=member, branch=new_branch, on=day, reason="调动")
    member.refresh_from_db()
    assert (member.organ_id, member.branch_id) == (new_branch.organ_id, new_branch.id)
    history = list(MemberAffiliation.objects.filter(member=member).order_by("id"))
    assert [(h.branch_id, h.ended_on) for h in history] == [(old_branch.id, day), (new_branch.id, None)]
    assert history[0].organ_id == old_branch.organ_id


def test_move_to_the_same_branch_is_refused():
    member = f.MemberFactory()
    with pytest.raises(Conflict) as exc:
        services.member_move(member=member, branch=member.branch)
    assert exc.value.code == "same_branch"


def test_move_dated_before_the_current_affiliation_is_refused():
    member = f.MemberFactory()
    with pytest.raises(Invalid) as exc:
        services.member_move(member=member, branch=f.BranchFactory(), on=dt.date(2000, 1, 1))
    assert exc.value.code == "move_date_invalid"
    assert member.affiliations.count() == 1


def test_only_the_members_organization_may_move_them(world):
    with pytest.raises(Forbidden):
        services.member_move(actor=world.staff, member=world.member, branch=world.other_branch)
    with pytest.raises(Forbidden):
        services.member_move(actor=world.other_member.user, member=world.member, branch=world.other_branch)
    services.member_move(actor=world.reviewer, member=world.member, branch=world.other_branch)
