"""Scope of every endpoint and action: users outside it neither read (404 / not listed) nor change anything."""

import pytest

from apps.registrations import services
from apps.registrations.models import Pairing, Post, PostClaim, Registration, RegistrationStatus
from tests import factories as f
from tests.registrations.conftest import HOME_ADDRESS, OTHER_ADDRESS

pytestmark = pytest.mark.django_db

REGISTRATIONS = "/api/v1/registrations/"
POSTS = "/api/v1/posts/"
CLAIMS = "/api/v1/post-claims/"
PAIRINGS = "/api/v1/pairings/"

OUTSIDERS = [
    "other_staff",
    "other_grid_worker",
    "other_street_admin",
    "other_reviewer",
    "other_secretary",
    "other_member",
    "outsider",
]
# Everyone who covers world.member's registration in world.community / world.grid.
INSIDERS = ["member", "staff", "grid_worker", "secretary", "reviewer", "street_admin", "district_admin", "superuser"]


def _user(world, outsiders, who):
    if who == "member":
        return world.member.user
    return outsiders.all()[who] if who in OUTSIDERS else getattr(world, who)


def _listed(response):
    assert response.status_code == 200, response.content
    body = response.json()
    return {row["id"] for row in (body["results"] if isinstance(body, dict) else body)}


@pytest.fixture
def pending(world, outsiders, make_registration):
    """world.member's pending registration, plus one on side B so the lists are never trivially empty."""
    make_registration(member=world.other_member, grid=world.other_grid, status=RegistrationStatus.CONFIRMED)
    return make_registration(status=RegistrationStatus.PENDING)


@pytest.fixture
def confirmed(world, outsiders, make_registration):
    make_registration(member=world.other_member, grid=world.other_grid, status=RegistrationStatus.CONFIRMED)
    return make_registration(status=RegistrationStatus.CONFIRMED)


# --- registrations ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("who", INSIDERS)
def test_those_covering_a_registration_see_it(world, outsiders, make_client, pending, who):
    client = make_client(_user(world, outsiders, who))
    assert pending.id in _listed(client.get(REGISTRATIONS))
    assert client.get(f"{REGISTRATIONS}{pending.id}/").status_code == 200


@pytest.mark.parametrize("who", OUTSIDERS)
def test_outsiders_neither_list_nor_read_a_registration(world, outsiders, make_client, confirmed, who):
    client = make_client(_user(world, outsiders, who))
    assert confirmed.id not in _listed(client.get(REGISTRATIONS))
    assert confirmed.id not in _listed(client.get(f"{REGISTRATIONS}without-post/"))
    assert client.get(f"{REGISTRATIONS}{confirmed.id}/").status_code == 404
    assert client.get(f"{REGISTRATIONS}{confirmed.id}/receipt/").status_code == 404


@pytest.mark.parametrize("who", OUTSIDERS)
@pytest.mark.parametrize("verb, body", [("confirm", {}), ("reject", {"reason": "不符合"}), ("withdraw", {})])
def test_outsiders_cannot_decide_or_withdraw_a_registration(world, outsiders, make_client, pending, who, verb, body):
    response = make_client(_user(world, outsiders, who)).post(f"{REGISTRATIONS}{pending.id}/{verb}/", body)
    assert response.status_code == 404
    current = Registration.objects.get(pk=pending.pk)
    assert current.status == RegistrationStatus.PENDING and current.decided_by is None and current.closed_at is None


@pytest.mark.parametrize("who", OUTSIDERS)
def test_outsiders_do_not_see_it_among_their_own_registrations(world, outsiders, make_client, confirmed, who):
    response = make_client(_user(world, outsiders, who)).get(f"{REGISTRATIONS}mine/")
    if who == "other_member":
        assert confirmed.id not in _listed(response)
    else:
        assert response.status_code == 403 and response.json()["code"] == "not_a_member"


def test_submitting_and_moving_only_ever_touch_the_callers_own_registrations(
    places, outsiders, make_client, make_registration
):
    mine = make_registration(status=RegistrationStatus.CONFIRMED)
    client = make_client(outsiders.other_member)
    # A member id in the body is ignored: a registration is always for the signed-in member.
    created = client.post(REGISTRATIONS, {"address": HOME_ADDRESS, "member": places.member.id})
    assert created.status_code == 201
    assert Registration.objects.get(pk=created.json()["id"]).member == places.other_member
    moved = client.post(f"{REGISTRATIONS}move/", {"address": OTHER_ADDRESS, "member": places.member.id})
    assert moved.status_code == 201
    assert Registration.objects.get(pk=mine.pk).status == RegistrationStatus.CONFIRMED
    assert Registration.objects.filter(member=places.member).count() == 1


def test_the_receipt_follows_the_member_organ_not_the_geography(world, outsiders, make_client, confirmed):
    """An organ reviewer of side B sees side B's receipts, never side A's."""
    other = Registration.objects.get(member=world.other_member)
    client = make_client(outsiders.other_reviewer)
    assert client.get(f"{REGISTRATIONS}{other.id}/receipt/").status_code == 200
    assert client.get(f"{REGISTRATIONS}{confirmed.id}/receipt/").status_code == 404


# --- posts -----------------------------------------------------------------------------------------------------------


@pytest.fixture
def held_post(world, make_registration):
    """A post in world.community held by world.member."""
    make_registration()
    post = f.PostFactory(community=world.community, capacity=3)
    claim = services.post_claim(post=post, member=world.member)
    return post, claim


@pytest.mark.parametrize("who", OUTSIDERS)
def test_posts_and_their_holders_are_public_to_signed_in_users(world, outsiders, make_client, held_post, who):
    post, _claim = held_post
    client = make_client(_user(world, outsiders, who))
    assert post.id in _listed(client.get(POSTS))
    detail = client.get(f"{POSTS}{post.id}/")
    assert detail.status_code == 200 and [h["name"] for h in detail.json()["holders"]] == [world.member.user.name]


@pytest.mark.parametrize("who", OUTSIDERS)
def test_outsiders_cannot_create_change_or_retire_a_post(world, outsiders, make_client, held_post, who):
    post, claim = held_post
    client = make_client(_user(world, outsiders, who))
    created = client.post(POSTS, {"community": world.community.id, "kind": "other", "title": "外人设的岗"})
    assert created.status_code == 403 and created.json()["code"] == "not_community_staff"
    changed = client.patch(f"{POSTS}{post.id}/", {"title": "外人改的名", "capacity": 1})
    assert changed.status_code == 403
    assert client.post(f"{POSTS}{post.id}/deactivate/").status_code == 403
    current = Post.objects.get(pk=post.pk)
    assert (current.title, current.capacity, current.is_active) == (post.title, 3, True)
    assert Post.objects.count() == 1
    assert PostClaim.objects.get(pk=claim.pk).released_at is None


@pytest.mark.parametrize("who", OUTSIDERS)
def test_outsiders_cannot_claim_or_release_a_post(world, outsiders, make_client, held_post, who):
    post, claim = held_post
    client = make_client(_user(world, outsiders, who))
    claimed = client.post(f"{POSTS}{post.id}/claim/")
    expected = "not_registered_here" if who == "other_member" else "not_a_member"
    assert claimed.status_code == 403 and claimed.json()["code"] == expected
    released = client.post(f"{POSTS}{post.id}/release/")
    assert released.status_code in (403, 409)
    assert PostClaim.objects.filter(post=post).count() == 1
    assert PostClaim.objects.get(pk=claim.pk).released_at is None


# --- post claims -----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("who", OUTSIDERS)
def test_outsiders_see_open_claims_but_cannot_release_them(world, outsiders, make_client, held_post, who):
    _post, claim = held_post
    client = make_client(_user(world, outsiders, who))
    assert claim.id in _listed(client.get(CLAIMS))
    response = client.post(f"{CLAIMS}{claim.id}/release/")
    assert response.status_code == 403 and response.json()["code"] == "not_claim_holder"
    assert PostClaim.objects.get(pk=claim.pk).released_at is None


@pytest.mark.parametrize("who", OUTSIDERS)
def test_outsiders_do_not_see_released_claims(world, outsiders, make_client, held_post, who):
    _post, claim = held_post
    services.post_release(claim=claim, actor=world.member.user)
    client = make_client(_user(world, outsiders, who))
    assert claim.id not in _listed(client.get(CLAIMS))
    assert client.get(f"{CLAIMS}{claim.id}/").status_code == 404
    assert client.post(f"{CLAIMS}{claim.id}/release/").status_code == 404


@pytest.mark.parametrize("who", ["member", "staff", "reviewer", "secretary", "street_admin", "superuser"])
def test_released_claims_stay_visible_to_those_covering_them(world, outsiders, make_client, held_post, who):
    _post, claim = held_post
    services.post_release(claim=claim, actor=world.member.user)
    client = make_client(_user(world, outsiders, who))
    assert claim.id in _listed(client.get(CLAIMS))
    assert client.get(f"{CLAIMS}{claim.id}/").status_code == 200


# --- pairings --------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("who", [*OUTSIDERS, "secretary", "staff", "grid_worker", "member", "district_admin"])
def test_only_the_organs_reviewer_creates_or_ends_its_pairings(world, outsiders, make_client, who):
    pairing = f.PairingFactory(organ=world.organ, community=world.community)
    client = make_client(_user(world, outsiders, who))
    assert pairing.id in _listed(client.get(PAIRINGS))
    assert client.get(f"{PAIRINGS}{pairing.id}/").status_code == 200
    created = client.post(
        PAIRINGS, {"organ": world.organ.id, "community": world.other_community.id, "starts_on": "2026-01-01"}
    )
    assert created.status_code == 403 and created.json()["code"] == "not_organ_reviewer"
    ended = client.post(f"{PAIRINGS}{pairing.id}/end/", {})
    assert ended.status_code == 403 and ended.json()["code"] == "not_organ_reviewer"
    assert Pairing.objects.count() == 1 and Pairing.objects.get(pk=pairing.pk).ends_on is None


def test_anonymous_users_can_neither_read_nor_write(api, world, make_registration):
    reg = make_registration(status=RegistrationStatus.PENDING)
    post = f.PostFactory(community=world.community)
    pairing = f.PairingFactory(organ=world.organ, community=world.community)
    for url in (f"{REGISTRATIONS}{reg.id}/", f"{REGISTRATIONS}{reg.id}/receipt/", f"{POSTS}{post.id}/", CLAIMS):
        assert api.get(url).status_code == 403
    for url in (
        REGISTRATIONS,
        f"{REGISTRATIONS}{reg.id}/confirm/",
        f"{REGISTRATIONS}move/",
        POSTS,
        f"{POSTS}{post.id}/claim/",
        PAIRINGS,
        f"{PAIRINGS}{pairing.id}/end/",
    ):
        assert api.post(url, {}).status_code == 403
    assert Registration.objects.get(pk=reg.pk).status == RegistrationStatus.PENDING
