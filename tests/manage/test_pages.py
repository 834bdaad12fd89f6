"""The management pages for people: an organ reviewer's members (search, filters, branch history, move, deactivate,
appoint a branch secretary) and an administrator's places with their staff (appoint by mobile number, end an
appointment). Gates, scoping (404 outside it), each POST's effect and the message it leaves."""

import re

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext

from apps.accounts.models import Role, RoleAssignment, User
from apps.ledger.models import AuditEntry
from apps.orgs.models import Member, MemberAffiliation
from apps.orgs.services import member_move, member_set_active
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


def messages_of(response):
    return [(m.level_tag, str(m)) for m in response.context["messages"]]


class People:
    """The shared world plus, in organ A, a second branch with 王小明 (a known number) and 李大明 (not in service)."""

    def __init__(self, world):
        self.world = world
        self.branch2 = f.BranchFactory(organ=world.organ, name="机关第二党支部")
        self.xiaoming = f.MemberFactory(branch=self.branch2, user=f.UserFactory(name="王小明", phone="13712345678"))
        self.daming = f.MemberFactory(branch=self.branch2, user=f.UserFactory(name="李大明", phone="13887654321"))
        member_set_active(member=self.daming, active=False)
        self.daming.refresh_from_db()

    def __getattr__(self, name):
        return getattr(self.world, name)


@pytest.fixture
def people(world):
    return People(world)


@pytest.fixture
def reviewer(world):
    return browser_for(world.reviewer)


def listed(response):
    return {m.pk for m in response.context["page_obj"].object_list}


# --- the navigation ---


def top_navigation(response):
    return re.search(r'<nav class="sections".*?</nav>', body(response), re.S)


@pytest.mark.parametrize("role", ["district_admin", "street_admin", "reviewer", "superuser"])
def test_the_management_section_is_in_the_top_navigation_of_those_who_manage(world, role):
    response = browser_for(world.user(role)).get(reverse("notifications:list"))
    assert response.status_code == 200
    assert f'href="{url("home")}"' in top_navigation(response).group(0)


@pytest.mark.parametrize("role", ["member", "staff"])
def test_the_management_section_is_not_in_the_navigation_of_members_and_staff(world, role):
    response = browser_for(world.user(role)).get(reverse("notifications:list"))
    assert response.status_code == 200
    nav = top_navigation(response)
    assert nav is not None
    assert url("home") not in nav.group(0)


@pytest.mark.parametrize(
    "role, subnav",
    [("reviewer", ("members",)), ("street_admin", ("places",)), ("superuser", ("members", "places"))],
)
def test_the_management_subnavigation_offers_the_pages_of_the_role(world, role, subnav):
    page = body(browser_for(world.user(role)).get(url("home")))
    for name in ("members", "places"):
        assert (f'href="{url(name)}"' in page) == (name in subnav)


@pytest.mark.parametrize("role", ["member", "staff", "street_admin"])
def test_the_members_pages_are_for_organ_reviewers_and_branch_secretaries(world, role):
    assert browser_for(world.user(role)).get(url("members")).status_code == 403


@pytest.mark.parametrize("role", ["member", "staff", "secretary", "reviewer"])
def test_the_places_pages_are_for_administrators(world, role):
    client = browser_for(world.user(role))
    assert client.get(url("places")).status_code == 403
    assert client.get(url("community", world.community.pk)).status_code == 403


# --- the members page ---


def test_the_members_page_lists_the_reviewers_organs_members_only(people, reviewer):
    response = reviewer.get(url("members"))
    assert response.status_code == 200
    assert listed(response) == {people.member.pk, people.xiaoming.pk, people.daming.pk}
    assert people.other_member.user.name not in body(response)
    assert "王小明" in body(response)


def test_the_members_page_searches_by_part_of_a_name(people, reviewer):
    assert listed(reviewer.get(url("members"), {"q": "小明"})) == {people.xiaoming.pk}
    assert listed(reviewer.get(url("members"), {"q": "大明"})) == {people.daming.pk}


def test_the_members_page_searches_by_part_of_a_number(people, reviewer):
    assert listed(reviewer.get(url("members"), {"q": "1234567"})) == {people.xiaoming.pk}
    assert listed(reviewer.get(url("members"), {"q": "87654"})) == {people.daming.pk}


def test_the_search_does_not_reach_another_organs_members(people, reviewer):
    other = people.other_member.user
    assert listed(reviewer.get(url("members"), {"q": other.phone})) == set()


def test_the_members_page_filters_by_branch(people, reviewer):
    assert listed(reviewer.get(url("members"), {"branch": people.branch2.pk})) == {
        people.xiaoming.pk,
        people.daming.pk,
    }
    assert listed(reviewer.get(url("members"), {"branch": people.branch.pk})) == {people.member.pk}


def test_the_members_page_filters_by_status(people, reviewer):
    assert listed(reviewer.get(url("members"), {"active": "0"})) == {people.daming.pk}
    assert listed(reviewer.get(url("members"), {"active": "1"})) == {people.member.pk, people.xiaoming.pk}


def test_the_filters_combine(people, reviewer):
    assert listed(reviewer.get(url("members"), {"q": "明", "branch": people.branch2.pk, "active": "1"})) == {
        people.xiaoming.pk
    }


# --- a member's page ---


def test_the_member_page_shows_the_branch_history(people, reviewer):
    member = people.member
    member_move(member=member, branch=people.branch2, reason="工作调动")
    response = reviewer.get(url("member-detail", member.pk))
    assert response.status_code == 200
    assert [(a.branch, a.ended_on is None) for a in response.context["affiliations"]] == [
        (people.branch, False),
        (people.branch2, True),
    ]
    history = re.search(r'<section class="card">\s*<h2>[^<]*</h2>\s*<ul class="list">(.*?)</ul>', body(response), re.S)
    assert people.branch.name in history.group(1)
    assert people.branch2.name in history.group(1)
    assert "工作调动" in history.group(1)


def test_moving_a_member_closes_the_old_affiliation_and_opens_the_new(people, reviewer):
    member = people.member
    response = reviewer.post(
        url("member-move", member.pk), {"branch": people.branch2.pk, "reason": "工作调动"}, follow=True
    )
    assert response.redirect_chain[-1][0] == url("member-detail", member.pk)
    assert [level for level, text in messages_of(response) if member.user.name in text] == ["success"]
    member.refresh_from_db()
    assert member.branch == people.branch2
    history = list(MemberAffiliation.objects.filter(member=member).order_by("id").values_list("branch", "ended_on"))
    assert history == [(people.branch.pk, timezone.localdate()), (people.branch2.pk, None)]
    assert AuditEntry.objects.filter(action="member_move", actor=people.reviewer, subject_id=member.pk).exists()


def test_moving_without_a_branch_shows_an_error_and_changes_nothing(people, reviewer):
    member = people.member
    response = reviewer.post(url("member-move", member.pk), {"reason": "工作调动"}, follow=True)
    assert [level for level, _text in messages_of(response)] == ["error"]
    member.refresh_from_db()
    assert member.branch == people.branch
    assert MemberAffiliation.objects.filter(member=member).count() == 1


def test_another_organs_branch_is_refused_by_the_move_and_taken_by_the_transfer(people, reviewer):
    # The move's select keeps to the organs in the user's view, so a foreign id posted to it changes nothing. Leaving
    # the organ is the transfer's (调出, as the API's move allows: whoever manages the member's branch, to any
    # branch), which asks for a reason (tests/web/test_manage_member_transfer.py).
    member = people.member
    response = reviewer.post(url("member-move", member.pk), {"branch": people.other_branch.pk}, follow=True)
    assert [level for level, _text in messages_of(response)] == ["error"]
    member.refresh_from_db()
    assert member.branch == people.branch

    response = reviewer.post(
        url("member-transfer", member.pk), {"branch": people.other_branch.pk, "reason": "工作调动"}, follow=True
    )
    assert [level for level, _text in messages_of(response)] == ["success"]
    member.refresh_from_db()
    assert (member.branch, member.organ) == (people.other_branch, people.other_organ)


def test_a_member_is_deactivated_with_a_reason_and_made_active_again(people, reviewer):
    member = people.member
    response = reviewer.post(url("member-active", member.pk), {"active": "0", "reason": "退休"}, follow=True)
    assert [level for level, _text in messages_of(response)] == ["success"]
    member = Member.objects.get(pk=member.pk)  # still there
    assert member.is_active is False
    assert AuditEntry.objects.get(action="member_deactivate", subject_id=member.pk).reason == "退休"

    reviewer.post(url("member-active", member.pk), {"active": "1"})
    member.refresh_from_db()
    assert member.is_active is True


def test_deactivating_twice_shows_the_services_error(people, reviewer):
    response = reviewer.post(url("member-active", people.daming.pk), {"active": "0"}, follow=True)
    assert [m.extra_tags for m in response.context["messages"]] == ["code:member_already_inactive"]


def test_a_member_is_appointed_secretary_of_a_branch_of_their_organ(people, reviewer):
    member = people.xiaoming
    response = reviewer.post(url("member-secretary", member.pk), {"branch": people.branch2.pk}, follow=True)
    assert [level for level, text in messages_of(response) if "王小明" in text] == ["success"]
    assignment = RoleAssignment.objects.get(user=member.user, role=Role.BRANCH_SECRETARY)
    assert assignment.party_org == people.branch2
    assert AuditEntry.objects.filter(action="role_appoint", actor=people.reviewer, subject_id=assignment.pk).exists()
    page = body(reviewer.get(url("member-detail", member.pk)))
    assert f'action="{url("role-revoke", assignment.pk)}"' in page


def test_appointing_a_secretary_without_a_branch_shows_an_error(people, reviewer):
    member = people.xiaoming
    response = reviewer.post(url("member-secretary", member.pk), {}, follow=True)
    assert [level for level, _text in messages_of(response)] == ["error"]
    assert not RoleAssignment.objects.filter(user=member.user).exists()


@pytest.mark.parametrize("branch", ["other_branch", "not a number"])
def test_appointing_a_secretary_of_a_branch_not_offered_shows_an_error(people, reviewer, branch):
    member = people.xiaoming
    value = getattr(people, branch).pk if branch == "other_branch" else branch
    response = reviewer.post(url("member-secretary", member.pk), {"branch": value}, follow=True)
    assert response.status_code == 200
    assert [level for level, _text in messages_of(response)] == ["error"]
    assert not RoleAssignment.objects.filter(user=member.user).exists()


def test_a_reviewer_ends_a_secretarys_appointment_from_the_members_page(people, reviewer):
    assignment = RoleAssignment.objects.get(user=people.secretary, role=Role.BRANCH_SECRETARY)
    response = reviewer.post(url("role-revoke", assignment.pk), {"next": url("members")}, follow=True)
    assert response.redirect_chain[-1][0] == url("members")
    assert not RoleAssignment.objects.filter(pk=assignment.pk).exists()


def test_another_organs_member_is_not_found_on_every_page_and_button(people, reviewer):
    other = people.other_member
    assert reviewer.get(url("member-detail", other.pk)).status_code == 404
    posts = [
        ("member-move", {"branch": people.branch2.pk}),
        ("member-active", {"active": "0"}),
        ("member-secretary", {"branch": people.other_branch.pk}),
    ]
    for name, data in posts:
        assert reviewer.post(url(name, other.pk), data).status_code == 404, name
    other.refresh_from_db()
    assert (other.branch, other.is_active) == (people.other_branch, True)
    assert not RoleAssignment.objects.filter(user=other.user).exists()


# --- places ---


def test_the_places_page_lists_the_district_admins_streets_and_communities(world):
    sibling = f.CommunityFactory(street=f.StreetFactory(district=world.street.district))
    response = browser_for(world.district_admin).get(url("places"))
    assert response.status_code == 200
    assert set(response.context["streets"]) == {world.street, sibling.street}
    page = body(response)
    for shown in (world.street.name, world.community.name, sibling.name, world.street_admin.name):
        assert shown in page
    for hidden in (world.other_street.name, world.other_community.name):
        assert hidden not in page


def test_the_places_page_of_a_street_admin_lists_its_streets_communities_only(world):
    sibling = f.CommunityFactory(street=f.StreetFactory(district=world.street.district))
    response = browser_for(world.street_admin).get(url("places"))
    assert response.status_code == 200
    assert {c for communities in response.context["streets"].values() for c in communities} == {world.community}
    assert sibling.name not in body(response)
    assert response.context["appoint_form"] is None  # a street administrator appoints no street administrators


def test_a_street_without_communities_is_listed_with_its_administrators(world):
    street = f.StreetFactory(district=world.street.district, name="新设街道")
    admin = f.UserFactory(name="新街道管理员")
    f.RoleFactory(user=admin, role=Role.STREET_ADMIN, street=street)
    assignment = RoleAssignment.objects.get(user=admin)
    page = body(browser_for(world.district_admin).get(url("places")))
    assert "新设街道" in page
    assert f'action="{url("role-revoke", assignment.pk)}"' in page


def test_the_community_page_lists_its_staff_and_grid_workers(world):
    response = browser_for(world.street_admin).get(url("community", world.community.pk))
    assert response.status_code == 200
    page = body(response)
    for shown in (world.staff.name, world.staff.phone, world.grid_worker.name, world.grid.name):
        assert shown in page
    assert world.other_grid.name not in page
    staff_role = RoleAssignment.objects.get(user=world.staff)
    assert f'action="{url("role-revoke", staff_role.pk)}"' in page


def test_a_street_admin_cannot_open_another_streets_community(world):
    client = browser_for(world.street_admin)
    assert client.get(url("community", world.other_community.pk)).status_code == 404
    data = {"name": "张新", "phone": "18600000001", "target": f"g{world.other_grid.pk}"}
    assert client.post(url("community-appoint", world.other_community.pk), data).status_code == 404
    assert not User.objects.filter(phone="18600000001").exists()


def appoint(client, community, **data):
    return client.post(url("community-appoint", community.pk), data, follow=True)


def test_appointing_a_new_number_creates_the_person_and_the_role(world):
    client = browser_for(world.street_admin)
    response = appoint(client, world.community, name="张新", phone="186 0000 0001", target=f"g{world.grid.pk}")
    assert response.redirect_chain[-1][0] == url("community", world.community.pk)
    assert [level for level, text in messages_of(response) if "张新" in text] == ["success"]
    user = User.objects.get(phone="18600000001")
    assert (user.name, user.has_usable_password()) == ("张新", False)
    assignment = RoleAssignment.objects.get(user=user)
    assert (assignment.role, assignment.grid) == (Role.GRID_WORKER, world.grid)
    assert "张新" in body(response)  # now listed on the community's page


def test_appointing_the_same_again_says_it_is_held_and_creates_nothing(world):
    client = browser_for(world.district_admin)
    data = {"name": "张新", "phone": "18600000001", "target": f"c{world.community.pk}"}
    appoint(client, world.community, **data)
    counts = (User.objects.count(), RoleAssignment.objects.count(), AuditEntry.objects.count())
    response = appoint(client, world.community, **data)
    with translation.override("zh-hans"):
        held = gettext("This person already holds this role.")
    assert messages_of(response) == [("success", held)]
    assert (User.objects.count(), RoleAssignment.objects.count(), AuditEntry.objects.count()) == counts


def test_appointing_someone_already_on_the_platform_gives_them_the_role(world):
    client = browser_for(world.street_admin)
    appoint(
        client, world.community, name=world.outsider.name, phone=world.outsider.phone, target=f"c{world.community.pk}"
    )
    assert RoleAssignment.objects.filter(user=world.outsider, role=Role.COMMUNITY_STAFF).exists()
    assert User.objects.filter(phone=world.outsider.phone).count() == 1


@pytest.mark.parametrize("target", ["other_grid", "other_community", "missing"])
def test_appointing_to_something_the_page_does_not_offer_shows_an_error(world, target):
    client = browser_for(world.district_admin)
    value = {
        "other_grid": f"g{world.other_grid.pk}",
        "other_community": f"c{world.other_community.pk}",
        "missing": "",
    }[target]
    counts = (RoleAssignment.objects.count(), AuditEntry.objects.count())
    response = appoint(client, world.community, name="张新", phone="18600000001", target=value)
    assert [level for level, _text in messages_of(response)] == ["error"]
    assert not User.objects.filter(phone="18600000001").exists()
    assert (RoleAssignment.objects.count(), AuditEntry.objects.count()) == counts


def test_appointing_with_an_invalid_number_shows_the_services_error(world):
    response = appoint(
        browser_for(world.street_admin), world.community, name="张新", phone="0571-8888000", target=f"g{world.grid.pk}"
    )
    assert [m.extra_tags for m in response.context["messages"]] == ["code:invalid_phone"]
    assert not RoleAssignment.objects.filter(role=Role.GRID_WORKER, grid=world.grid).exclude(user=world.grid_worker)


def test_a_district_admin_appoints_a_street_admin_from_the_places_page(world):
    client = browser_for(world.district_admin)
    data = {"name": "王街道", "phone": "18600000002", "target": f"s{world.street.pk}"}
    response = client.post(url("appoint"), data, follow=True)
    assert response.redirect_chain[-1][0] == url("places")
    assert [level for level, text in messages_of(response) if "王街道" in text] == ["success"]
    assert RoleAssignment.objects.filter(
        user__phone="18600000002", role=Role.STREET_ADMIN, street=world.street
    ).exists()


def test_a_district_admin_cannot_appoint_another_districts_street_admin(world):
    client = browser_for(world.district_admin)
    data = {"name": "王街道", "phone": "18600000002", "target": f"s{world.other_street.pk}"}
    response = client.post(url("appoint"), data, follow=True)
    assert [level for level, _text in messages_of(response)] == ["error"]
    assert not User.objects.filter(phone="18600000002").exists()


def test_ending_an_appointment_removes_the_role(world):
    assignment = RoleAssignment.objects.get(user=world.grid_worker, role=Role.GRID_WORKER)
    client = browser_for(world.street_admin)
    back = url("community", world.community.pk)
    response = client.post(url("role-revoke", assignment.pk), {"next": back}, follow=True)
    assert response.redirect_chain[-1][0] == back
    assert [level for level, text in messages_of(response) if world.grid_worker.name in text] == ["success"]
    assert not RoleAssignment.objects.filter(pk=assignment.pk).exists()
    assert AuditEntry.objects.filter(action="role_revoke", actor=world.street_admin, subject_id=assignment.pk).exists()
    assert User.objects.filter(pk=world.grid_worker.pk).exists()


@pytest.mark.parametrize(
    "actor, holder",
    [
        ("reviewer", "staff"),
        ("street_admin", "street_admin"),
        ("street_admin", "secretary"),
        ("district_admin", "secretary"),
    ],
)
def test_ending_an_appointment_the_user_may_not_make_is_not_found(world, actor, holder):
    assignment = RoleAssignment.objects.get(user=world.user(holder))
    response = browser_for(world.user(actor)).post(url("role-revoke", assignment.pk))
    assert response.status_code == 404
    assert RoleAssignment.objects.filter(pk=assignment.pk).exists()


def test_ending_an_appointment_that_does_not_exist_is_not_found(world):
    assignment = RoleAssignment.objects.get(user=world.staff)
    pk = assignment.pk
    assignment.delete()
    assert browser_for(world.superuser).post(url("role-revoke", pk)).status_code == 404


def test_every_button_refuses_get(people):
    role = RoleAssignment.objects.get(user=people.grid_worker)
    member = people.member
    buttons = [
        (people.reviewer, url("member-move", member.pk)),
        (people.reviewer, url("member-active", member.pk)),
        (people.reviewer, url("member-secretary", member.pk)),
        (people.district_admin, url("appoint")),
        (people.district_admin, url("community-appoint", people.community.pk)),
        (people.district_admin, url("role-revoke", role.pk)),
    ]
    for user, address in buttons:
        assert browser_for(user).get(address).status_code == 405, address
    assert RoleAssignment.objects.filter(pk=role.pk).exists()
    member.refresh_from_db()
    assert (member.branch, member.is_active) == (people.branch, True)


def test_an_end_button_is_shown_only_for_appointments_the_viewer_may_end(world):
    street_admin_role = RoleAssignment.objects.get(user=world.street_admin, role=Role.STREET_ADMIN)
    revoke = url("role-revoke", street_admin_role.pk)
    # The district administrator may end the street administrator's appointment; the street administrator may not.
    assert revoke in body(browser_for(world.district_admin).get(url("places")))
    assert world.street_admin.name in body(browser_for(world.street_admin).get(url("places")))
    assert revoke not in body(browser_for(world.street_admin).get(url("places")))
    # On a community's page the street administrator ends its staff's appointments.
    staff_role = RoleAssignment.objects.get(user=world.staff, role=Role.COMMUNITY_STAFF)
    assert url("role-revoke", staff_role.pk) in body(
        browser_for(world.street_admin).get(url("community", world.community.pk))
    )


def test_a_secretary_role_in_another_organ_has_no_end_button_on_the_member_page(people, reviewer):
    elsewhere = RoleAssignment.objects.create(
        user=people.member.user, role=Role.BRANCH_SECRETARY, party_org=people.other_branch
    )
    page = body(reviewer.get(url("member-detail", people.member.pk)))
    assert people.other_branch.name in page
    assert url("role-revoke", elsewhere.pk) not in page
