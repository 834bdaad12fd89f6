"""Scope of every wishes endpoint and action: out of scope reads as 404, seen but not allowed is 403."""

from datetime import timedelta

import pytest
from django.utils import timezone

from apps.accounts.models import Role
from apps.wishes import services
from apps.wishes.models import Wish, WishStatus
from tests import factories as f

pytestmark = pytest.mark.django_db

URL = "/api/v1/wishes/"

# Each action with a body that would pass the input serializer.
ACTIONS = {
    "submit": {},
    "verify": {},
    "publish": {},
    "claim": {},
    "release": {},
    "revoke": {"reason": "x"},
    "fulfil": {"note": "x"},
    "confirm": {"rating": 5},
    "cancel": {"reason": "x"},
}


class Scene:
    """One wish in each interesting place and state, named by what it is."""

    def __init__(self, w):
        self.draft = w.wish(status=WishStatus.DRAFT)
        self.published = w.wish()
        self.mine = w.claimed()  # claimed by w.member
        self.teammates = w.claimed(w.teammate)
        self.elsewhere = w.wish(grid=w.other_grid)
        self.elsewhere_claimed = w.claimed(w.other_member, grid=w.other_grid)
        self.other_grid_here = w.wish(grid=f.GridFactory(community=w.community))
        self.overdue_published = w.wish()
        Wish.objects.filter(pk=self.overdue_published.pk).update(deadline=timezone.now() - timedelta(hours=1))

    def ids(self, *names):
        return {getattr(self, n).pk for n in names}


@pytest.fixture
def scene(w):
    return Scene(w)


ALL = (
    "draft",
    "published",
    "mine",
    "teammates",
    "elsewhere",
    "elsewhere_claimed",
    "other_grid_here",
    "overdue_published",
)
HERE = ("draft", "published", "mine", "teammates", "other_grid_here", "overdue_published")

VISIBLE = {
    "superuser": ALL,
    "staff": HERE,
    "grid_worker": ("draft", "published", "mine", "teammates", "overdue_published"),
    "street_admin": HERE,
    "district_admin": HERE,
    # Published and still open in the communities they may claim in, plus their own claims.
    "member": ("published", "mine", "other_grid_here"),
    "other_member": ("elsewhere", "elsewhere_claimed"),
    # The branch is eligible in the community (its members are registered there); claims by its members.
    "secretary": ("published", "other_grid_here", "mine", "teammates"),
    "reviewer": ("mine", "teammates"),
    "outsider": (),
}


@pytest.mark.parametrize("who", sorted(VISIBLE))
def test_list_shows_exactly_the_users_scope(w, make_client, scene, who):
    response = make_client(w.user(who)).get(URL, {"page_size": 100})
    assert response.status_code == 200
    assert {r["id"] for r in response.json()["results"]} == scene.ids(*VISIBLE[who])


@pytest.mark.parametrize("who", sorted(VISIBLE))
def test_detail_is_404_outside_scope(w, make_client, scene, who):
    client = make_client(w.user(who))
    for name in ALL:
        expected = 200 if name in VISIBLE[who] else 404
        assert client.get(f"{URL}{getattr(scene, name).pk}/").status_code == expected, name


@pytest.mark.parametrize("action", sorted(ACTIONS))
def test_every_action_is_404_outside_scope(w, make_client, scene, action):
    # Staff of another community, and a member on a wish neither visible nor claimable for them.
    for user, wish in ((w.other_staff, scene.published), (w.member.user, scene.draft), (w.outsider, scene.mine)):
        response = make_client(user).post(f"{URL}{wish.pk}/{action}/", ACTIONS[action], format="json")
        assert response.status_code == 404, (action, user, response.json())
    assert Wish.objects.get(pk=scene.published.pk).status == WishStatus.PUBLISHED


@pytest.mark.parametrize(
    ("who", "action", "wish", "code"),
    [
        ("member", "publish", "published", "not_community_staff"),
        ("member", "cancel", "published", "not_community_staff"),
        ("member", "revoke", "mine", "not_community_staff"),
        ("member", "confirm", "mine", "not_community_staff"),
        ("member", "submit", "published", "not_wish_poster"),
        ("grid_worker", "verify", "draft", "not_community_staff"),
        ("grid_worker", "publish", "draft", "not_community_staff"),
        ("grid_worker", "cancel", "published", "not_community_staff"),
        ("grid_worker", "revoke", "mine", "not_community_staff"),
        ("grid_worker", "claim", "published", "not_a_member"),
        ("street_admin", "publish", "draft", "not_community_staff"),
        ("street_admin", "cancel", "published", "not_community_staff"),
        ("district_admin", "revoke", "mine", "not_community_staff"),
        ("reviewer", "cancel", "mine", "not_community_staff"),
        ("reviewer", "release", "mine", "not_claimant"),
        ("reviewer", "fulfil", "mine", "not_claimant"),
        ("secretary", "release", "mine", "not_claimant"),
        ("secretary", "fulfil", "teammates", "not_claimant"),
        ("staff", "release", "mine", "not_claimant"),
        ("staff", "fulfil", "mine", "not_claimant"),
        ("staff", "claim", "published", "not_a_member"),
    ],
)
def test_seen_but_not_allowed_is_403(w, make_client, scene, who, action, wish, code):
    target = getattr(scene, wish)
    before = Wish.objects.get(pk=target.pk).status
    response = make_client(w.user(who)).post(f"{URL}{target.pk}/{action}/", ACTIONS[action], format="json")
    assert (response.status_code, response.json()["code"]) == (403, code)
    assert Wish.objects.get(pk=target.pk).status == before


def test_claim_of_a_claimed_wish_in_an_eligible_community_is_409_not_404(w, make_client, scene):
    # The member does not see the teammate's claimed wish, but a claim request tells why it failed.
    client = make_client(w.member.user)
    assert client.get(f"{URL}{scene.teammates.pk}/").status_code == 404
    response = client.post(f"{URL}{scene.teammates.pk}/claim/")
    assert (response.status_code, response.json()["code"]) == (409, "wish_already_claimed")
    response = client.post(f"{URL}{scene.overdue_published.pk}/claim/")
    assert (response.status_code, response.json()["code"]) == (409, "wish_deadline_passed")


def test_claim_outside_eligible_communities_is_404(w, make_client, scene):
    response = make_client(w.member.user).post(f"{URL}{scene.elsewhere.pk}/claim/")
    assert response.status_code == 404


def test_city_scope_widens_what_members_see_and_claim(w, make_client, scene, settings):
    settings.WISH_CLAIM_SCOPE = "city"
    client = make_client(w.member.user)
    ids = {r["id"] for r in client.get(URL, {"page_size": 100}).json()["results"]}
    assert ids == scene.ids("published", "mine", "other_grid_here", "elsewhere")
    assert client.post(f"{URL}{scene.elsewhere.pk}/claim/").status_code == 201


def test_paired_organ_members_see_and_claim(w, make_client, scene):
    f.PairingFactory(organ=w.other_organ, community=w.community)
    client = make_client(w.other_member.user)
    ids = {r["id"] for r in client.get(URL, {"page_size": 100}).json()["results"]}
    assert scene.published.pk in ids and scene.draft.pk not in ids
    assert client.post(f"{URL}{scene.published.pk}/claim/").status_code == 201


def test_create_is_scoped_to_the_posters_community_and_grid(w, make_client):
    body = {
        "grid": w.other_grid.pk,
        "title": "t",
        "category": "daily",
        "resident_name": "李四",
        "deadline": (timezone.now() + timedelta(days=3)).isoformat(),
    }
    for user in (w.staff, w.grid_worker, w.member.user, w.street_admin, w.outsider):
        response = make_client(user).post(URL, body, format="json")
        assert (response.status_code, response.json()["code"]) == (403, "not_wish_poster")
    assert make_client(w.other_staff).post(URL, body, format="json").status_code == 201


def test_staff_of_two_communities_act_in_both(w, make_client, scene):
    f.RoleFactory(user=w.staff, role=Role.COMMUNITY_STAFF, community=w.other_community)
    response = make_client(w.staff).post(f"{URL}{scene.elsewhere.pk}/cancel/", {"reason": "x"}, format="json")
    assert response.status_code == 200


def test_my_claims_is_per_user(w, make_client, scene):
    rows = make_client(w.reviewer).get(f"{URL}my-claims/").json()["results"]
    assert rows == []
    rows = make_client(w.other_member.user).get(f"{URL}my-claims/").json()["results"]
    assert [r["wish"]["id"] for r in rows] == [scene.elsewhere_claimed.pk]


def test_fulfilled_group_claim_visible_to_participants_only_among_members(w, make_client):
    wish = w.group_claimed()
    services.wish_fulfil(wish=wish, actor=w.secretary, note="ok", participants=[w.member])
    assert make_client(w.member.user).get(f"{URL}{wish.pk}/").status_code == 200
    assert make_client(w.teammate.user).get(f"{URL}{wish.pk}/").status_code == 404
    assert make_client(w.reviewer).get(f"{URL}{wish.pk}/").status_code == 200
