"""`my-claims/?active=true`: open claims only, those the claimant still has to fulfil (docs/api.md, "Micro-wishes").

A claim reported fulfilled waits for the community's confirmation, but the claimant's part is done: like a
confirmed, released or revoked one it is not open (and does not count against WISH_MAX_OPEN_CLAIMS either).
"""

import pytest
from django.test import Client
from django.urls import reverse

from apps.core.errors import Conflict
from apps.wishes import selectors, services
from apps.wishes.models import ClaimStatus, WishStatus

pytestmark = pytest.mark.django_db

URL = "/api/v1/wishes/my-claims/"


@pytest.fixture
def claims(w):
    """One wish of the member's in each stage a claim goes through."""
    claimed = w.claimed()
    fulfilled = w.fulfilled()
    confirmed = services.wish_confirm(wish=w.fulfilled(), actor=w.staff, rating=5)
    released = services.wish_release(wish=w.claimed(), actor=w.member.user)
    revoked = services.wish_revoke(wish=w.claimed(), actor=w.staff, reason="长期出差")
    assert {wish.status for wish in (fulfilled, confirmed, released, revoked)} == {
        WishStatus.FULFILLED,
        WishStatus.CONFIRMED,
        WishStatus.PUBLISHED,
    }
    return {
        "claimed": claimed,
        "fulfilled": fulfilled,
        "confirmed": confirmed,
        "released": released,
        "revoked": revoked,
    }


def _wish_ids(response):
    assert response.status_code == 200, response.json()
    return [row["wish"]["id"] for row in response.json()["results"]]


@pytest.mark.parametrize("value", ["true", "1"])
def test_active_lists_only_the_claim_still_to_be_fulfilled(w, make_client, claims, value):
    rows = make_client(w.member.user).get(URL, {"active": value}).json()["results"]
    assert [r["wish"]["id"] for r in rows] == [claims["claimed"].pk]
    assert [r["status"] for r in rows] == [ClaimStatus.ACTIVE]


@pytest.mark.parametrize("stage", ["fulfilled", "confirmed", "released", "revoked"])
def test_a_claim_past_its_open_stage_is_not_listed_as_active(w, make_client, claims, stage):
    assert claims[stage].pk not in _wish_ids(make_client(w.member.user).get(URL, {"active": "true"}))


@pytest.mark.parametrize("params", [{}, {"active": "false"}, {"active": "0"}])
def test_without_active_every_claim_is_listed(w, make_client, claims, params):
    listed = _wish_ids(make_client(w.member.user).get(URL, params))
    assert sorted(listed) == sorted(wish.pk for wish in claims.values())


def test_a_value_that_is_not_a_boolean_is_400_not_an_unfiltered_list(w, make_client, claims):
    response = make_client(w.member.user).get(URL, {"active": "maybe"})
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_input" and list(response.json()["fields"]) == ["active"]


def test_the_open_claims_are_those_the_claim_limit_counts(w, claims, settings):
    # One open claim (the claimed wish): with a limit of two, one more claim is allowed, then none.
    settings.WISH_MAX_OPEN_CLAIMS = 2
    open_claims = selectors.my_claims(user=w.member.user, active_only=True)
    assert open_claims.count() == 1
    services.wish_claim(wish=w.wish(), actor=w.member.user)
    assert selectors.my_claims(user=w.member.user, active_only=True).count() == 2
    with pytest.raises(Conflict) as exc:
        services.wish_claim(wish=w.wish(), actor=w.member.user)
    assert exc.value.code == "claim_limit_reached"


def test_the_member_page_lists_every_claim_like_the_api_without_active(w, claims):
    browser = Client()
    browser.force_login(w.member.user)
    response = browser.get(reverse("member:claims"))
    assert response.status_code == 200
    listed = [claim.wish_id for claim in response.context["object_list"]]
    assert sorted(listed) == sorted(wish.pk for wish in claims.values())
