"""The registrations, posts, post-claims and pairings endpoints, used as a member, staff or organ would."""

import datetime

import pytest
from django.utils import timezone

from apps.registrations import services
from apps.registrations.models import Pairing, Post, PostClaim, Registration, RegistrationStatus
from tests import factories as f
from tests.registrations.conftest import FAR_ADDRESS, HOME_ADDRESS, OTHER_ADDRESS

pytestmark = pytest.mark.django_db

REGISTRATIONS = "/api/v1/registrations/"
POSTS = "/api/v1/posts/"
CLAIMS = "/api/v1/post-claims/"
PAIRINGS = "/api/v1/pairings/"
PENDING, CONFIRMED = RegistrationStatus.PENDING, RegistrationStatus.CONFIRMED


def _ids(response):
    assert response.status_code == 200, response.content
    body = response.json()
    rows = body["results"] if isinstance(body, dict) else body
    return {row["id"] for row in rows}


# --- registrations ---------------------------------------------------------------------------------------------------


def test_member_submits_a_registration(places, make_client):
    response = make_client(places.member.user).post(REGISTRATIONS, {"address": HOME_ADDRESS})
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "pending" and body["receipt_number"] is None
    assert body["community"] == {"id": places.community.id, "name": places.community.name}
    assert body["grid"]["id"] == places.grid.id and body["member"]["name"] == places.member.user.name
    assert Registration.objects.get(pk=body["id"]).member == places.member


def test_second_active_registration_gets_409_and_writes_nothing(places, make_client, make_registration):
    make_registration(status=PENDING)
    response = make_client(places.member.user).post(REGISTRATIONS, {"address": OTHER_ADDRESS})
    assert response.status_code == 409
    assert response.json()["code"] == "registration_already_active"
    assert Registration.objects.filter(member=places.member).count() == 1


def test_address_outside_every_community_gets_422_and_no_row(places, make_client):
    response = make_client(places.member.user).post(REGISTRATIONS, {"address": FAR_ADDRESS})
    assert response.status_code == 422
    assert response.json()["code"] == "address_outside_service_area"
    assert not Registration.objects.exists()


@pytest.mark.parametrize("point", [{"latitude": 91, "longitude": 120}, {"latitude": 30.2}])
def test_invalid_coordinates_get_422_and_no_row(places, make_client, point):
    response = make_client(places.member.user).post(REGISTRATIONS, {"address": HOME_ADDRESS, **point})
    assert response.status_code == 422
    assert response.json()["code"] == "invalid_coordinates"
    assert not Registration.objects.exists()


@pytest.mark.parametrize(
    "body", [{"address": HOME_ADDRESS, "latitude": "north"}, {"address": HOME_ADDRESS, "coord_system": "mars"}]
)
def test_malformed_submission_gets_400(places, make_client, body):
    response = make_client(places.member.user).post(REGISTRATIONS, body)
    assert response.status_code == 400 and response.json()["code"] == "invalid_input"
    assert not Registration.objects.exists()


def test_blank_address_gets_422_address_required(places, make_client):
    response = make_client(places.member.user).post(REGISTRATIONS, {"address": " "})
    assert response.status_code == 422 and response.json()["code"] == "address_required"


def test_submitting_with_a_gcj02_point(places, make_client):
    from apps.places.coords import wgs84_to_gcj02

    lat, lng = wgs84_to_gcj02(places.other_grid.latitude, places.other_grid.longitude)
    response = make_client(places.member.user).post(
        REGISTRATIONS, {"address": "和平路8号", "latitude": lat, "longitude": lng, "coord_system": "gcj02"}
    )
    assert response.status_code == 201, response.content
    assert response.json()["community"]["id"] == places.other_community.id
    assert response.json()["latitude"] == pytest.approx(places.other_grid.latitude, abs=1e-5)


@pytest.mark.parametrize("who", ["staff", "reviewer", "outsider", "superuser"])
def test_a_user_without_a_member_profile_cannot_register(places, make_client, who):
    response = make_client(getattr(places, who)).post(REGISTRATIONS, {"address": HOME_ADDRESS})
    assert response.status_code == 403 and response.json()["code"] == "not_a_member"
    assert not Registration.objects.exists()


def test_staff_confirm_and_the_receipt_reaches_the_organ(world, make_client, make_registration):
    reg = make_registration(status=PENDING)
    response = make_client(world.staff).post(f"{REGISTRATIONS}{reg.id}/confirm/")
    assert response.status_code == 200, response.content
    number = response.json()["receipt_number"]
    assert response.json()["status"] == "confirmed" and response.json()["decided_by"] == world.staff.name

    receipt = make_client(world.reviewer).get(f"{REGISTRATIONS}{reg.id}/receipt/")
    assert receipt.status_code == 200
    assert receipt.json() == {
        "receipt_number": number,
        "registration": reg.id,
        "member_name": world.member.user.name,
        "organ": world.organ.name,
        "branch": world.branch.name,
        "community": world.community.name,
        "confirmed_at": receipt.json()["confirmed_at"],
        "confirmed_by": world.staff.name,
    }
    assert receipt.json()["confirmed_at"]
    assert world.member.user.phone not in receipt.content.decode()


@pytest.mark.parametrize("who", ["member", "reviewer", "secretary", "staff", "superuser"])
def test_receipt_is_shown_to_the_member_their_organ_and_community_staff(world, make_client, make_registration, who):
    reg = make_registration(status=CONFIRMED)
    user = world.member.user if who == "member" else getattr(world, who)
    response = make_client(user).get(f"{REGISTRATIONS}{reg.id}/receipt/")
    assert response.status_code == 200 and response.json()["receipt_number"] == reg.receipt_number


@pytest.mark.parametrize("who", ["grid_worker", "street_admin", "district_admin"])
def test_receipt_is_not_shown_to_the_geography_beyond_the_community_staff(world, make_client, make_registration, who):
    reg = make_registration(status=CONFIRMED)
    client = make_client(getattr(world, who))
    assert client.get(f"{REGISTRATIONS}{reg.id}/").status_code == 200
    assert client.get(f"{REGISTRATIONS}{reg.id}/receipt/").status_code == 404


def test_receipt_of_another_organs_member_is_not_found(world, outsiders, make_client, make_registration):
    reg = make_registration(status=CONFIRMED)
    response = make_client(outsiders.other_reviewer).get(f"{REGISTRATIONS}{reg.id}/receipt/")
    assert response.status_code == 404 and response.json()["code"] == "not_found"


def test_no_receipt_before_confirmation(world, make_client, make_registration):
    reg = make_registration(status=PENDING)
    response = make_client(world.member.user).get(f"{REGISTRATIONS}{reg.id}/receipt/")
    assert response.status_code == 404 and response.json()["code"] == "receipt_not_issued"


def test_confirming_twice_gets_409(world, make_client, make_registration):
    reg = make_registration(status=PENDING)
    client = make_client(world.staff)
    assert client.post(f"{REGISTRATIONS}{reg.id}/confirm/").status_code == 200
    response = client.post(f"{REGISTRATIONS}{reg.id}/confirm/")
    assert response.status_code == 409 and response.json()["code"] == "registration_not_pending"


@pytest.mark.parametrize("who", ["member", "grid_worker", "reviewer", "secretary", "street_admin"])
def test_users_who_see_a_registration_but_are_not_its_staff_get_403_on_decisions(
    world, make_client, make_registration, who
):
    reg = make_registration(status=PENDING)
    client = make_client(world.member.user if who == "member" else getattr(world, who))
    for verb, body in (("confirm", {}), ("reject", {"reason": "不符合"})):
        response = client.post(f"{REGISTRATIONS}{reg.id}/{verb}/", body)
        assert response.status_code == 403 and response.json()["code"] == "not_community_staff"
    assert Registration.objects.get(pk=reg.pk).status == PENDING


def test_staff_reject_with_a_reason(world, make_client, make_registration):
    reg = make_registration(status=PENDING)
    client = make_client(world.staff)
    response = client.post(f"{REGISTRATIONS}{reg.id}/reject/", {})
    assert response.status_code == 422 and response.json()["code"] == "reason_required"
    response = client.post(f"{REGISTRATIONS}{reg.id}/reject/", {"reason": "不住本社区"})
    assert response.status_code == 200
    assert response.json()["status"] == "rejected" and response.json()["reject_reason"] == "不住本社区"


def test_member_withdraws_and_staff_cannot_withdraw_for_them(world, make_client, make_registration):
    reg = make_registration(status=PENDING)
    response = make_client(world.staff).post(f"{REGISTRATIONS}{reg.id}/withdraw/")
    assert response.status_code == 403 and response.json()["code"] == "not_registration_owner"
    response = make_client(world.member.user).post(f"{REGISTRATIONS}{reg.id}/withdraw/")
    assert response.status_code == 200 and response.json()["status"] == "withdrawn"
    response = make_client(world.member.user).post(f"{REGISTRATIONS}{reg.id}/withdraw/")
    assert response.status_code == 409 and response.json()["code"] == "registration_not_pending"


def test_moving_house_keeps_the_history(places, make_client, make_registration):
    old = make_registration(status=CONFIRMED)
    client = make_client(places.member.user)
    response = client.post(f"{REGISTRATIONS}move/", {"address": OTHER_ADDRESS})
    assert response.status_code == 201, response.content
    assert response.json()["community"]["id"] == places.other_community.id
    mine = client.get(f"{REGISTRATIONS}mine/")
    assert mine.status_code == 200
    assert [(r["id"], r["status"]) for r in mine.json()] == [(response.json()["id"], "pending"), (old.id, "moved")]
    # The old community's staff still see the closed registration; the new one's staff see the new one.
    assert _ids(make_client(places.staff).get(REGISTRATIONS)) == {old.id}


def test_moving_to_an_unknown_address_gets_422_and_changes_nothing(places, make_client, make_registration):
    old = make_registration(status=CONFIRMED)
    response = make_client(places.member.user).post(f"{REGISTRATIONS}move/", {"address": FAR_ADDRESS})
    assert response.status_code == 422
    rows = Registration.objects.filter(member=places.member).values_list("id", "status")
    assert list(rows) == [(old.id, "confirmed")]


def test_mine_and_move_need_a_member_profile(world, make_client):
    client = make_client(world.staff)
    assert client.get(f"{REGISTRATIONS}mine/").json()["code"] == "not_a_member"
    assert client.post(f"{REGISTRATIONS}move/", {"address": HOME_ADDRESS}).status_code == 403


def test_registration_list_filters(world, make_client, make_registration):
    mine = make_registration(status=PENDING)
    other = make_registration(member=world.other_member, grid=world.other_grid, status=CONFIRMED)
    Registration.objects.filter(pk=other.pk).update(submitted_at=timezone.now() - datetime.timedelta(days=40))
    client = make_client(world.superuser)
    assert _ids(client.get(REGISTRATIONS)) == {mine.id, other.id}
    assert _ids(client.get(REGISTRATIONS, {"community": world.community.id})) == {mine.id}
    assert _ids(client.get(REGISTRATIONS, {"grid": world.other_grid.id})) == {other.id}
    assert _ids(client.get(REGISTRATIONS, {"status": "confirmed"})) == {other.id}
    assert _ids(client.get(REGISTRATIONS, {"organ": world.organ.id})) == {mine.id}
    assert _ids(client.get(REGISTRATIONS, {"branch": world.other_branch.id})) == {other.id}
    since = (timezone.localdate() - datetime.timedelta(days=7)).isoformat()
    assert _ids(client.get(REGISTRATIONS, {"submitted_from": since})) == {mine.id}
    assert _ids(client.get(REGISTRATIONS, {"submitted_to": since})) == {other.id}


@pytest.mark.parametrize(
    "params", [{"status": "lost"}, {"community": "abc"}, {"organ": "1.5"}, {"submitted_from": "yesterday"}]
)
def test_bad_registration_filters_get_400(world, make_client, params):
    response = make_client(world.superuser).get(REGISTRATIONS, params)
    assert response.status_code == 400 and response.json()["code"] == "invalid_input"


def test_members_without_a_post(world, make_client, make_registration):
    holder = make_registration()
    idle = make_registration(member=f.MemberFactory())
    services.post_claim(post=f.PostFactory(community=world.community), member=holder.member)
    response = make_client(world.staff).get(f"{REGISTRATIONS}without-post/")
    assert _ids(response) == {idle.id}
    assert _ids(make_client(world.staff).get(f"{REGISTRATIONS}without-post/", {"grid": world.other_grid.id})) == set()


def test_registration_list_query_count_is_flat(world, make_client, make_registration, django_assert_max_num_queries):
    for _ in range(15):
        make_registration(member=f.MemberFactory(), status=CONFIRMED)
    client = make_client(world.staff)
    with django_assert_max_num_queries(5):
        response = client.get(REGISTRATIONS)
    assert response.json()["count"] == 15
    with django_assert_max_num_queries(5):
        assert client.get(f"{REGISTRATIONS}without-post/").json()["count"] == 15


def test_non_numeric_ids_are_404(world, make_client):
    client = make_client(world.superuser)
    for url in (f"{REGISTRATIONS}abc/", f"{REGISTRATIONS}abc/receipt/", f"{POSTS}x/", f"{PAIRINGS}1x/end/"):
        assert client.get(url).status_code == 404


# --- posts -----------------------------------------------------------------------------------------------------------


def test_staff_create_and_update_a_post(world, make_client):
    client = make_client(world.staff)
    body = {"community": world.community.id, "kind": "civility_guide", "title": "文明劝导员", "capacity": 2}
    response = client.post(POSTS, body)
    assert response.status_code == 201, response.content
    created = response.json()
    assert created["holders"] == [] and created["free_places"] == 2 and created["is_active"] is True
    response = client.patch(f"{POSTS}{created['id']}/", {"description": "周末劝导不文明行为", "capacity": None})
    assert response.status_code == 200
    assert response.json()["description"] == "周末劝导不文明行为" and response.json()["free_places"] is None
    assert client.post(POSTS, body).json()["code"] == "post_title_taken"


@pytest.mark.parametrize(
    "body", [{"kind": "pilot", "title": "岗"}, {"kind": "other", "title": ""}, {"kind": "other", "capacity": 0}]
)
def test_bad_post_input_gets_400(world, make_client, body):
    response = make_client(world.staff).post(POSTS, {"community": world.community.id, **body})
    assert response.status_code == 400
    assert not Post.objects.exists()


def test_member_claims_and_releases_a_post_and_holders_show_by_name_only(world, make_client, make_registration):
    make_registration()
    post = f.PostFactory(community=world.community, capacity=1)
    client = make_client(world.member.user)
    response = client.post(f"{POSTS}{post.id}/claim/")
    assert response.status_code == 201, response.content
    assert response.json()["member"] == {"id": world.member.id, "name": world.member.user.name}

    public = make_client(world.outsider).get(f"{POSTS}{post.id}/")
    assert public.status_code == 200
    assert [h["name"] for h in public.json()["holders"]] == [world.member.user.name]
    assert public.json()["holder_count"] == 1 and public.json()["free_places"] == 0
    assert world.member.user.phone not in public.content.decode()

    assert client.post(f"{POSTS}{post.id}/claim/").json()["code"] == "post_already_claimed"
    released = client.post(f"{POSTS}{post.id}/release/")
    assert released.status_code == 200 and released.json()["released_at"]
    again = client.post(f"{POSTS}{post.id}/release/")
    assert again.status_code == 409 and again.json()["code"] == "post_not_claimed"


def test_a_full_post_gets_409(world, make_client, make_registration):
    post = f.PostFactory(community=world.community, capacity=1)
    first, second = f.MemberFactory(), f.MemberFactory()
    make_registration(member=first)
    make_registration(member=second)
    assert make_client(first.user).post(f"{POSTS}{post.id}/claim/").status_code == 201
    response = make_client(second.user).post(f"{POSTS}{post.id}/claim/")
    assert response.status_code == 409 and response.json()["code"] == "post_full"
    assert PostClaim.objects.filter(post=post).count() == 1


def test_an_unregistered_member_gets_403_not_registered_here(world, make_client, make_registration):
    make_registration(status=PENDING)
    post = f.PostFactory(community=world.community)
    response = make_client(world.member.user).post(f"{POSTS}{post.id}/claim/")
    assert response.status_code == 403 and response.json()["code"] == "not_registered_here"


def test_staff_deactivate_a_post(world, make_client):
    post = f.PostFactory(community=world.community)
    response = make_client(world.staff).post(f"{POSTS}{post.id}/deactivate/")
    assert response.status_code == 200 and response.json()["is_active"] is False
    assert make_client(world.staff).post(f"{POSTS}{post.id}/deactivate/").status_code == 409


def test_post_filters(world, make_client):
    patrol = f.PostFactory(community=world.community, kind="safety_patroller")
    other = f.PostFactory(community=world.other_community)
    retired = f.PostFactory(community=world.community, is_active=False)
    client = make_client(world.outsider)
    assert _ids(client.get(POSTS)) == {patrol.id, other.id, retired.id}
    assert _ids(client.get(POSTS, {"community": world.community.id})) == {patrol.id, retired.id}
    assert _ids(client.get(POSTS, {"kind": "safety_patroller"})) == {patrol.id}
    assert _ids(client.get(POSTS, {"active": "true"})) == {patrol.id, other.id}
    assert _ids(client.get(POSTS, {"active": "false"})) == {retired.id}
    for bad in ({"active": "maybe"}, {"kind": "pilot"}, {"community": "x"}):
        assert client.get(POSTS, bad).status_code == 400


def test_post_list_query_count_does_not_grow(world, make_client, make_registration, django_assert_max_num_queries):
    members = [f.MemberFactory() for _ in range(4)]
    for member in members:
        make_registration(member=member)
    for n in range(10):
        post = f.PostFactory(community=world.community, title=f"岗位{n}")
        for member in members:
            services.post_claim(post=post, member=member)
    client = make_client(world.outsider)
    with django_assert_max_num_queries(3):
        response = client.get(POSTS)
    assert response.json()["count"] == 10
    assert all(len(row["holders"]) == 4 for row in response.json()["results"])
    with django_assert_max_num_queries(5):
        assert client.get(CLAIMS).json()["count"] == 40


# --- post claims -----------------------------------------------------------------------------------------------------


def test_post_claims_list_and_filters(world, make_client, make_registration):
    make_registration()
    other_holder = f.MemberFactory()
    make_registration(member=other_holder, grid=world.other_grid)
    here = services.post_claim(post=f.PostFactory(community=world.community), member=world.member)
    there = services.post_claim(post=f.PostFactory(community=world.other_community), member=other_holder)
    client = make_client(world.staff)
    assert _ids(client.get(CLAIMS)) == {here.id, there.id}
    assert _ids(client.get(CLAIMS, {"community": world.community.id})) == {here.id}
    assert _ids(client.get(CLAIMS, {"post": there.post_id})) == {there.id}
    assert _ids(client.get(CLAIMS, {"member": world.member.id})) == {here.id}
    services.post_release(claim=here, actor=world.staff)
    assert _ids(client.get(CLAIMS, {"open": "false"})) == {here.id}
    assert _ids(client.get(CLAIMS, {"open": "true"})) == {there.id}


def test_staff_release_a_members_claim(world, make_client, make_registration):
    make_registration()
    claim = services.post_claim(post=f.PostFactory(community=world.community), member=world.member)
    response = make_client(world.staff).post(f"{CLAIMS}{claim.id}/release/")
    assert response.status_code == 200 and response.json()["released_at"]
    again = make_client(world.member.user).post(f"{CLAIMS}{claim.id}/release/")
    assert again.status_code == 409 and again.json()["code"] == "claim_already_released"


def test_released_claims_are_history_for_those_in_scope_only(world, outsiders, make_client, make_registration):
    make_registration()
    claim = services.post_claim(post=f.PostFactory(community=world.community), member=world.member)
    services.post_release(claim=claim, actor=world.member.user)
    for user in (world.member.user, world.staff, world.reviewer, world.secretary, world.street_admin):
        assert _ids(make_client(user).get(CLAIMS)) == {claim.id}
    for user in outsiders.all().values():
        client = make_client(user)
        assert _ids(client.get(CLAIMS)) == set()
        assert client.get(f"{CLAIMS}{claim.id}/").status_code == 404


# --- pairings --------------------------------------------------------------------------------------------------------


def test_reviewer_creates_lists_and_ends_a_pairing(world, make_client):
    client = make_client(world.reviewer)
    start = timezone.localdate() - datetime.timedelta(days=10)
    response = client.post(
        PAIRINGS,
        {"organ": world.organ.id, "community": world.community.id, "party_org": world.branch.id,
         "starts_on": start.isoformat(), "projects": "助老"},
    )  # fmt: skip
    assert response.status_code == 201, response.content
    pairing_id = response.json()["id"]
    assert response.json()["is_active"] is True and response.json()["party_org"]["id"] == world.branch.id
    again = client.post(PAIRINGS, {"organ": world.organ.id, "community": world.community.id, "starts_on": start})
    assert again.status_code == 409 and again.json()["code"] == "pairing_exists"

    ended = client.post(f"{PAIRINGS}{pairing_id}/end/", {})
    assert ended.status_code == 200 and ended.json()["ends_on"] == timezone.localdate().isoformat()
    assert Pairing.objects.get(pk=pairing_id).ends_on == timezone.localdate()


def test_pairing_dates_out_of_order_get_422(world, make_client):
    response = make_client(world.reviewer).post(
        PAIRINGS,
        {"organ": world.organ.id, "community": world.community.id, "starts_on": "2026-05-01", "ends_on": "2026-04-01"},
    )
    assert response.status_code == 422 and response.json()["code"] == "pairing_dates_invalid"
    assert not Pairing.objects.exists()


def test_pairing_filters(world, make_client):
    today = timezone.localdate()
    running = f.PairingFactory(organ=world.organ, community=world.community, starts_on=today)
    past = f.PairingFactory(
        organ=world.other_organ,
        community=world.community,
        starts_on=today - datetime.timedelta(days=400),
        ends_on=today - datetime.timedelta(days=35),
    )
    client = make_client(world.outsider)
    assert _ids(client.get(PAIRINGS)) == {running.id, past.id}
    assert _ids(client.get(PAIRINGS, {"organ": world.other_organ.id})) == {past.id}
    assert _ids(client.get(PAIRINGS, {"community": world.other_community.id})) == set()
    assert _ids(client.get(PAIRINGS, {"active_on": today.isoformat()})) == {running.id}
    earlier = (today - datetime.timedelta(days=100)).isoformat()
    assert _ids(client.get(PAIRINGS, {"active_on": earlier})) == {past.id}
    assert client.get(PAIRINGS, {"active_on": "soon"}).status_code == 400


def test_pairing_list_query_count_does_not_grow(world, make_client, django_assert_max_num_queries):
    for _ in range(12):
        f.PairingFactory(organ=world.organ, community=f.CommunityFactory(), party_org=world.branch)
    with django_assert_max_num_queries(2):
        response = make_client(world.outsider).get(PAIRINGS)
    assert response.json()["count"] == 12


def test_anonymous_users_get_nothing(api, world):
    for url in (REGISTRATIONS, POSTS, CLAIMS, PAIRINGS, f"{REGISTRATIONS}mine/"):
        response = api.get(url)
        assert response.status_code in (401, 403) and response.json()["code"] == "not_authenticated"
