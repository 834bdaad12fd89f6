"""Standing posts at the desk (设岗认岗): the community's posts with their holders; setting a post up, changing it,
retiring it and taking a post back from its holder (community staff); grid workers read; gates and scoping."""

import re

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from apps.registrations import errors as registration_errors
from apps.registrations.models import Post, PostClaim, PostKind
from tests import factories as f

pytestmark = pytest.mark.django_db


def browser_for(user, language="en"):
    client = Client(headers={"accept-language": language})
    client.force_login(user)
    return client


def body(response):
    return response.content.decode()


def form_codes(response):
    return [e.code for e in response.context["form"].non_field_errors().as_data()]


def claim(post, member, **extra):
    return PostClaim.objects.create(post=post, member=member, claimed_at=extra.pop("at", timezone.now()), **extra)


@pytest.fixture
def posts(world):
    """Two posts in the world's community (one held by its member), one retired, and one in the other community."""
    f.RegistrationFactory(member=world.member, grid=world.grid)
    world.patrol = f.PostFactory(
        community=world.community, kind=PostKind.SAFETY_PATROLLER, title="治安巡逻员", capacity=2
    )
    world.promoter = f.PostFactory(community=world.community, title="政策宣传员")
    world.retired = f.PostFactory(community=world.community, title="旧岗位", is_active=False)
    world.elsewhere = f.PostFactory(community=world.other_community, title="别处的岗位")
    world.claim = claim(world.patrol, world.member)
    world.other_claim = claim(world.elsewhere, world.other_member)
    return world


def post_data(**overrides):
    data = {"kind": PostKind.CIVILITY_GUIDE, "title": "文明引导员", "description": "周末在小区门口引导文明停车。"}
    data.update(overrides)
    return data


# --- the list ---------------------------------------------------------------------------------------------------


def test_staff_see_their_communitys_posts_and_who_holds_them_since_when(posts, django_assert_max_num_queries):
    client = browser_for(posts.staff)
    with django_assert_max_num_queries(14):
        response = client.get(reverse("staff:posts"))
    assert response.status_code == 200
    listed = [p.pk for p in response.context["page_obj"].object_list]
    assert set(listed) == {posts.patrol.pk, posts.promoter.pk, posts.retired.pk}  # not the other community's
    assert listed[-1] == posts.retired.pk  # active posts first
    page = body(response)
    # Cards, not a wide table: readable at 360 px.
    assert '<ul class="list posts">' in page and "<table" not in page
    holder = re.search(rf'<li data-claim="{posts.claim.pk}">.*?</li>', page, re.S).group(0)
    assert posts.member.user.name in holder
    assert posts.member.organ.name in holder and posts.member.branch.name in holder
    assert timezone.localtime(posts.claim.claimed_at).strftime("%Y-%m-%d") in holder
    assert reverse("staff:post-claim-release", args=[posts.claim.pk]) in holder
    assert reverse("staff:post-edit", args=[posts.promoter.pk]) in page
    assert reverse("staff:post-deactivate", args=[posts.promoter.pk]) in page
    assert reverse("staff:post-deactivate", args=[posts.retired.pk]) not in page  # retired already
    assert f'href="{reverse("staff:posts")}" aria-current="page"' in page  # in the desk's sub-navigation


def test_the_list_filters_active_and_retired_posts(posts):
    client = browser_for(posts.staff)
    active = client.get(reverse("staff:posts"), {"status": "active"})
    assert {p.pk for p in active.context["page_obj"].object_list} == {posts.patrol.pk, posts.promoter.pk}
    retired = client.get(reverse("staff:posts"), {"status": "inactive"})
    assert [p.pk for p in retired.context["page_obj"].object_list] == [posts.retired.pk]
    bad = client.get(reverse("staff:posts"), {"status": "nonsense"})
    assert list(bad.context["page_obj"].object_list) == []


def test_the_list_counts_the_registered_members_still_without_a_post(posts):
    neighbour = f.MemberFactory(branch=posts.branch)
    f.RegistrationFactory(member=neighbour, grid=posts.grid)
    response = browser_for(posts.staff).get(reverse("staff:posts"))
    assert response.context["without_post"] == 1  # the world's member holds a post; the neighbour none
    assert 'data-without-post="1"' in body(response)


# --- setting up and changing ------------------------------------------------------------------------------------


def test_staff_set_up_a_post(posts):
    response = browser_for(posts.staff).post(reverse("staff:post-new"), post_data(community=posts.community.pk))
    assert response.status_code == 302 and response["Location"] == reverse("staff:posts")
    post = Post.objects.get(title="文明引导员")
    assert (post.community, post.kind, post.capacity, post.is_active) == (
        posts.community,
        PostKind.CIVILITY_GUIDE,
        None,
        True,
    )
    assert post.description == "周末在小区门口引导文明停车。"


def test_a_title_the_community_already_has_is_refused_with_the_services_message(posts):
    client = browser_for(posts.staff)
    response = client.post(reverse("staff:post-new"), post_data(community=posts.community.pk, title="政策宣传员"))
    assert response.status_code == 200
    assert form_codes(response) == ["post_title_taken"]
    with translation.override("en"):
        message = str(registration_errors.POST_TITLE_TAKEN)
    # The message alone is shown; the code stays in the markup.
    assert f'data-error-code="post_title_taken">{message}</p>' in body(response)
    assert Post.objects.filter(community=posts.community, title="政策宣传员").count() == 1


def test_a_post_can_only_be_set_up_in_the_staffs_own_community(posts):
    response = browser_for(posts.staff).post(reverse("staff:post-new"), post_data(community=posts.other_community.pk))
    assert response.status_code == 200
    assert "community" in response.context["form"].errors
    assert not Post.objects.filter(title="文明引导员").exists()


def test_staff_edit_a_post(posts):
    client = browser_for(posts.staff)
    page = client.get(reverse("staff:post-edit", args=[posts.patrol.pk]))
    assert page.status_code == 200
    assert page.context["form"].initial["title"] == "治安巡逻员"
    response = client.post(
        reverse("staff:post-edit", args=[posts.patrol.pk]),
        post_data(kind=PostKind.SAFETY_PATROLLER, title="夜间巡逻员", capacity="3"),
    )
    assert response.status_code == 302
    posts.patrol.refresh_from_db()
    assert (posts.patrol.title, posts.patrol.capacity) == ("夜间巡逻员", 3)
    # Emptying the number of places removes the limit.
    client.post(reverse("staff:post-edit", args=[posts.patrol.pk]), post_data(title="夜间巡逻员", capacity=""))
    posts.patrol.refresh_from_db()
    assert posts.patrol.capacity is None


def test_fewer_places_than_holders_is_refused_and_nothing_changes(posts):
    claim(posts.patrol, f.MemberFactory(branch=posts.branch))
    response = browser_for(posts.staff).post(
        reverse("staff:post-edit", args=[posts.patrol.pk]), post_data(title="改名", capacity="1")
    )
    assert response.status_code == 200
    assert form_codes(response) == ["post_capacity_below_claims"]
    posts.patrol.refresh_from_db()
    assert (posts.patrol.title, posts.patrol.capacity) == ("治安巡逻员", 2)


# --- retiring and taking back -----------------------------------------------------------------------------------


def test_retiring_a_post_releases_its_holders(posts):
    client = browser_for(posts.staff)
    response = client.post(reverse("staff:post-deactivate", args=[posts.patrol.pk]))
    assert response.status_code == 302 and response["Location"] == reverse("staff:posts")
    posts.patrol.refresh_from_db()
    posts.claim.refresh_from_db()
    assert posts.patrol.is_active is False
    assert posts.claim.released_at is not None  # kept as history
    again = client.post(reverse("staff:post-deactivate", args=[posts.patrol.pk]), follow=True)
    with translation.override("en"):
        message = str(registration_errors.POST_INACTIVE)
    assert f'data-error-code="post_inactive">{message}</p>' in body(again)


def test_staff_take_a_post_back_from_its_holder(posts):
    client = browser_for(posts.staff)
    response = client.post(reverse("staff:post-claim-release", args=[posts.claim.pk]), follow=True)
    posts.claim.refresh_from_db()
    assert posts.claim.released_at is not None
    assert [m.level_tag for m in response.context["messages"]] == ["success"]
    again = client.post(reverse("staff:post-claim-release", args=[posts.claim.pk]), follow=True)
    assert 'data-error-code="claim_already_released"' in body(again)


# --- scoping and gates ------------------------------------------------------------------------------------------


def test_another_communitys_post_and_claim_are_a_404_and_stay_as_they_were(posts):
    client = browser_for(posts.staff)
    assert client.get(reverse("staff:post-edit", args=[posts.elsewhere.pk])).status_code == 404
    assert client.post(reverse("staff:post-edit", args=[posts.elsewhere.pk]), post_data()).status_code == 404
    assert client.post(reverse("staff:post-deactivate", args=[posts.elsewhere.pk])).status_code == 404
    assert client.post(reverse("staff:post-claim-release", args=[posts.other_claim.pk])).status_code == 404
    posts.elsewhere.refresh_from_db()
    posts.other_claim.refresh_from_db()
    assert posts.elsewhere.is_active and posts.elsewhere.title == "别处的岗位"
    assert posts.other_claim.released_at is None


def test_a_grid_worker_reads_the_posts_but_changes_nothing(posts):
    client = browser_for(posts.grid_worker)
    response = client.get(reverse("staff:posts"))
    assert response.status_code == 200
    assert {p.pk for p in response.context["page_obj"].object_list} == {
        posts.patrol.pk,
        posts.promoter.pk,
        posts.retired.pk,
    }
    page = body(response)
    assert reverse("staff:post-new") not in page and reverse("staff:post-edit", args=[posts.patrol.pk]) not in page
    assert client.get(reverse("staff:post-new")).status_code == 403
    assert client.get(reverse("staff:post-edit", args=[posts.patrol.pk])).status_code == 403
    assert client.post(reverse("staff:post-deactivate", args=[posts.patrol.pk])).status_code == 403
    assert client.post(reverse("staff:post-claim-release", args=[posts.claim.pk])).status_code == 403
    posts.patrol.refresh_from_db()
    posts.claim.refresh_from_db()
    assert posts.patrol.is_active and posts.claim.released_at is None


@pytest.mark.parametrize("role", ["member", "secretary", "reviewer", "street_admin"])
def test_the_posts_desk_is_refused_to_other_roles(posts, role):
    client = browser_for(posts.user(role))
    assert client.get(reverse("staff:posts")).status_code == 403
    assert client.post(reverse("staff:post-deactivate", args=[posts.patrol.pk])).status_code == 403
    posts.patrol.refresh_from_db()
    assert posts.patrol.is_active
