"""A team's claims on the member pages: "claim for my team" on a wish for the teams one leads, the team's members
on the fulfil form, the team's current claims on its page; refusals come back as a message with their code."""

import pytest
from django.test import Client
from django.urls import reverse

from apps.teams import services as team_services
from apps.wishes import services as wish_services
from apps.wishes.models import ClaimStatus, WishClaim, WishStatus
from tests.wishes.conftest import RESIDENT_PHONE, WishWorld

pytestmark = pytest.mark.django_db


def browser_for(user):
    client = Client()
    client.force_login(user)
    return client


def codes_of(response):
    return [m.extra_tags for m in response.context["messages"]]


@pytest.fixture
def w(world):
    return WishWorld(world)


@pytest.fixture
def team(w):
    return w.team(members=[w.teammate])


@pytest.fixture
def leader(w):
    return browser_for(w.member.user)


def test_the_leader_claims_for_the_team_and_names_who_took_part(w, team, leader):
    wish = w.wish()
    page = leader.get(reverse("member:wish", args=[wish.pk])).content.decode()
    assert 'id="claim-for-team"' in page and f'<option value="{team.pk}">{team.name}</option>' in page

    response = leader.post(reverse("member:wish_claim", args=[wish.pk]), {"as_team": team.pk}, follow=True)
    assert codes_of(response) == [""]  # a success message, no error code
    claim = WishClaim.objects.get(wish=wish)
    assert (claim.team, claim.member, claim.branch) == (team, None, None)

    page = leader.get(reverse("member:wish", args=[wish.pk])).content.decode()
    assert RESIDENT_PHONE in page  # the leader sees the resident once the team holds the wish
    assert 'id="team-participants"' in page
    assert f'name="participants" value="{w.teammate.pk}"' in page
    assert f'name="participants" value="{w.member.pk}"' in page

    outsider = leader.post(
        reverse("member:wish_fulfil", args=[wish.pk]),
        {"note": "服务队上门送米。", "participants": [w.other_member.pk]},
        follow=True,
    )
    assert codes_of(outsider) == ["code:participant_not_in_team"]
    wish.refresh_from_db()
    assert wish.status == WishStatus.CLAIMED

    leader.post(
        reverse("member:wish_fulfil", args=[wish.pk]),
        {"note": "服务队上门送米。", "participants": [w.member.pk, w.teammate.pk]},
    )
    wish.refresh_from_db()
    assert wish.status == WishStatus.FULFILLED
    assert set(claim.participants.values_list("member_id", flat=True)) == {w.member.pk, w.teammate.pk}


def test_only_the_teams_the_member_leads_are_offered(w, team):
    wish = w.wish()
    page = browser_for(w.teammate.user).get(reverse("member:wish", args=[wish.pk])).content.decode()
    assert 'id="claim-for-team"' not in page
    team_services.team_dissolve(actor=w.reviewer, team=team, reason="人员调整")
    page = browser_for(w.member.user).get(reverse("member:wish", args=[wish.pk])).content.decode()
    assert 'id="claim-for-team"' not in page


def test_a_team_member_who_is_not_the_leader_is_refused(w, team):
    wish = w.wish()
    response = browser_for(w.teammate.user).post(
        reverse("member:wish_claim", args=[wish.pk]), {"as_team": team.pk}, follow=True
    )
    assert codes_of(response) == ["code:not_team_leader"]
    assert not WishClaim.objects.exists()


@pytest.mark.parametrize("as_team", ["999999999", "x"])
def test_an_unknown_team_is_refused_as_invalid_team(w, leader, as_team):
    wish = w.wish()
    response = leader.post(reverse("member:wish_claim", args=[wish.pk]), {"as_team": as_team}, follow=True)
    assert codes_of(response) == ["code:invalid_team"]
    assert not WishClaim.objects.exists()


def test_a_team_at_its_limit_is_refused_on_the_page(w, team, leader, settings):
    settings.WISH_MAX_OPEN_CLAIMS = 1
    w.team_claimed(team)
    wish = w.wish()
    response = leader.post(reverse("member:wish_claim", args=[wish.pk]), {"as_team": team.pk}, follow=True)
    assert codes_of(response) == ["code:claim_limit_reached"]
    assert not WishClaim.objects.filter(wish=wish).exists()


def test_the_team_page_lists_the_teams_current_claims(w, team, leader):
    held = w.team_claimed(team)
    fulfilled = w.team_claimed(team)
    wish_services.wish_fulfil(wish=fulfilled, actor=w.member.user, note="ok", participants=[w.teammate])
    released = w.team_claimed(team)
    wish_services.wish_release(wish=released, actor=w.member.user)
    mine = w.claimed(w.teammate)

    page = leader.get(reverse("member:team", args=[team.pk])).content.decode()
    assert 'id="team-claims"' in page
    assert f'data-wish="{held.pk}"' in page and f'data-wish="{fulfilled.pk}"' in page
    assert f'data-wish="{released.pk}"' not in page and f'data-wish="{mine.pk}"' not in page
    assert reverse("member:wish", args=[held.pk]) in page  # the leader opens them
    assert RESIDENT_PHONE not in page

    # A member of the team sees the list, without links to wishes that are the leader's to open.
    page = browser_for(w.teammate.user).get(reverse("member:team", args=[team.pk])).content.decode()
    assert f'data-wish="{held.pk}"' in page
    assert reverse("member:wish", args=[held.pk]) not in page
    assert WishClaim.objects.get(wish=released).status == ClaimStatus.RELEASED


def test_the_leader_releases_a_team_claim_on_the_page(w, team, leader):
    wish = w.team_claimed(team)
    page = leader.get(reverse("member:wish", args=[wish.pk])).content.decode()
    assert reverse("member:wish_release", args=[wish.pk]) in page
    leader.post(reverse("member:wish_release", args=[wish.pk]), {"reason": "人手不够"})
    wish.refresh_from_db()
    assert wish.status == WishStatus.PUBLISHED
