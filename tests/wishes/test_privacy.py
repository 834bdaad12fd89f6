"""The resident's privacy: masked name and grid before claiming, full details for the claimant after, staff always.

Every check looks at the raw response too, so a phone or address leaking through another field would fail.
"""

import pytest

from apps.wishes import services
from tests import factories as f
from tests.wishes.conftest import RESIDENT_ADDRESS, RESIDENT_NAME, RESIDENT_PHONE

pytestmark = pytest.mark.django_db

URL = "/api/v1/wishes/"
MASKED = "张**"


def _get(client, wish):
    response = client.get(f"{URL}{wish.pk}/")
    assert response.status_code == 200, response.json()
    return response


def assert_masked(response):
    data = response.json()
    assert (data["resident_name"], data["resident_phone"], data["resident_address"]) == (MASKED, None, None)
    assert data["grid_name"]
    raw = response.content.decode()
    for secret in (RESIDENT_NAME, RESIDENT_PHONE, RESIDENT_ADDRESS):
        assert secret not in raw


def assert_full(response):
    data = response.json()
    assert (data["resident_name"], data["resident_phone"], data["resident_address"]) == (
        RESIDENT_NAME,
        RESIDENT_PHONE,
        RESIDENT_ADDRESS,
    )


def test_member_sees_a_published_wish_masked_in_list_and_detail(w, make_client):
    wish = w.wish()
    client = make_client(w.member.user)
    assert_masked(_get(client, wish))
    response = client.get(URL)
    assert [r["resident_name"] for r in response.json()["results"]] == [MASKED]
    assert RESIDENT_PHONE not in response.content.decode()


def test_claimant_sees_the_resident_after_claiming(w, make_client):
    wish = w.wish()
    client = make_client(w.member.user)
    assert_full(client.post(f"{URL}{wish.pk}/claim/"))
    assert_full(_get(client, wish))


def test_claimant_keeps_seeing_after_fulfilling_and_confirmation(w, make_client):
    wish = w.fulfilled()
    assert_full(_get(make_client(w.member.user), wish))
    services.wish_confirm(wish=wish, actor=w.staff, rating=5)
    assert_full(_get(make_client(w.member.user), wish))


def test_released_claimant_sees_masked_again(w, make_client):
    wish = w.claimed()
    client = make_client(w.member.user)
    assert_masked(client.post(f"{URL}{wish.pk}/release/"))
    assert_masked(_get(client, wish))


def test_a_previous_claimant_does_not_see_the_new_claimants_resident(w, make_client):
    wish = w.claimed()
    services.wish_release(wish=wish, actor=w.member.user)
    services.wish_claim(wish=wish, actor=w.teammate.user)
    assert_masked(_get(make_client(w.member.user), wish))
    assert_full(_get(make_client(w.teammate.user), wish))


def test_other_members_do_not_see_a_claimed_wish_at_all(w, make_client):
    wish = w.claimed()
    assert make_client(w.teammate.user).get(f"{URL}{wish.pk}/").status_code == 404


@pytest.mark.parametrize("who", ["staff", "grid_worker", "superuser"])
def test_staff_and_grid_worker_always_see_the_resident(w, make_client, who):
    for wish in (w.wish(), w.claimed(), w.wish(status="draft")):
        assert_full(_get(make_client(w.user(who)), wish))


@pytest.mark.parametrize("who", ["street_admin", "district_admin"])
def test_geography_admins_see_the_wish_masked(w, make_client, who):
    assert_masked(_get(make_client(w.user(who)), w.claimed()))


def test_claimants_organ_sees_the_wish_masked(w, make_client):
    assert_masked(_get(make_client(w.reviewer), w.claimed()))


def test_another_grids_worker_of_the_same_community_sees_masked(w, make_client):
    grid2 = f.GridFactory(community=w.community)
    worker2 = f.UserFactory()
    f.RoleFactory(user=worker2, role="grid_worker", grid=grid2)
    # The second grid's worker cannot see a wish of the first grid at all; in their own grid they see everything.
    assert make_client(worker2).get(f"{URL}{w.wish().pk}/").status_code == 404
    assert_full(_get(make_client(worker2), w.wish(grid=grid2)))


def test_group_claim_shows_the_resident_to_secretary_and_participants(w, make_client):
    wish = w.group_claimed()
    assert_full(_get(make_client(w.secretary), wish))
    # Before fulfilling nobody has been named, so branch members see nothing beyond what they saw before.
    assert make_client(w.teammate.user).get(f"{URL}{wish.pk}/").status_code == 404
    services.wish_fulfil(wish=wish, actor=w.secretary, note="ok", participants=[w.teammate])
    assert_full(_get(make_client(w.teammate.user), wish))
    assert make_client(w.member.user).get(f"{URL}{wish.pk}/").status_code == 404


def test_my_claims_shows_the_resident_only_for_claims_still_held(w, make_client):
    """The list names the resident of a held claim; phone and address come only with the detail, where each
    showing is recorded (apps/wishes/contact_views.py)."""
    held = w.claimed()
    released = w.claimed()
    services.wish_release(wish=released, actor=w.member.user)
    rows = {r["wish"]["id"]: r["wish"] for r in make_client(w.member.user).get(f"{URL}my-claims/").json()["results"]}
    assert (rows[held.pk]["resident_name"], rows[held.pk]["resident_phone"]) == (RESIDENT_NAME, None)
    assert rows[held.pk]["resident_address"] is None
    assert (rows[released.pk]["resident_name"], rows[released.pk]["resident_phone"]) == (MASKED, None)
    assert rows[released.pk]["resident_address"] is None


def test_near_me_search_masks_too(w, make_client):
    w.wish()
    response = make_client(w.member.user).get(URL, {"latitude": f.CITY_LAT, "longitude": f.CITY_LNG})
    assert [r["resident_name"] for r in response.json()["results"]] == [MASKED]
    assert RESIDENT_PHONE not in response.content.decode()
