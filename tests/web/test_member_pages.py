"""The member's pages: near-home lists, wish and activity detail with their buttons, on-site check-in, my lists."""

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from geopy.distance import geodesic

from apps.accounts.models import Role
from apps.activities import checkin
from apps.activities import services as activity_services
from apps.activities.models import ActivityStatus, Audience, CheckinMethod, SignUp, SignUpStatus
from apps.places.selectors import METRES_PER_DEGREE
from apps.web.member.views import POSITION_NEEDED
from apps.wishes import services as wish_services
from apps.wishes.models import ClaimStatus, Wish, WishCategory, WishClaim, WishStatus
from tests import factories as f
from tests.activities.conftest import ActivityFactory
from tests.wishes.conftest import RESIDENT_ADDRESS, RESIDENT_NAME, RESIDENT_PHONE, WishFactory

pytestmark = pytest.mark.django_db

# Degrees of latitude for a few distances north of the member's home (1° ≈ 111.2 km).
M600 = 0.0054
KM1_1 = 0.01
KM2_2 = 0.02
KM11 = 0.1


def browser_for(user):
    client = Client()
    client.force_login(user)
    return client


class MemberWorld:
    """The shared world with both members registered where they live, a teammate living in the same community, and
    grids of the member's community at known distances north of the member's home."""

    def __init__(self, world):
        self.world = world
        f.RegistrationFactory(member=world.member, grid=world.grid)
        f.RegistrationFactory(member=world.other_member, grid=world.other_grid)
        self.teammate = f.MemberFactory(branch=world.branch)
        f.RegistrationFactory(member=self.teammate, grid=world.grid)
        self.home = (world.grid.latitude, world.grid.longitude)

    def __getattr__(self, name):
        return getattr(self.world, name)

    def grid_north(self, degrees, community=None):
        community = community or self.world.community
        return f.GridFactory(community=community, latitude=self.home[0] + degrees, longitude=self.home[1])

    def wish(self, north=0.0, **kwargs):
        kwargs.setdefault("grid", self.grid_north(north) if north else self.world.grid)
        kwargs.setdefault("created_by", self.world.staff)
        return WishFactory(**kwargs)

    def activity(self, north=0.0, **kwargs):
        kwargs.setdefault("community", self.world.community)
        kwargs.setdefault("grid", self.world.grid)
        kwargs.setdefault("created_by", self.world.staff)
        kwargs.setdefault("latitude", self.home[0] + north)
        kwargs.setdefault("longitude", self.home[1])
        return ActivityFactory(**kwargs)

    def running_activity(self, member=None, **kwargs):
        """An activity that started ten minutes ago (check-in open) with `member` holding a confirmed place."""
        now = timezone.now()
        kwargs.setdefault("starts_at", now - timedelta(minutes=10))
        kwargs.setdefault("ends_at", now + timedelta(hours=2))
        kwargs.setdefault("signup_deadline", kwargs["starts_at"])
        activity = self.activity(**kwargs)
        signup = activity_services.signup_create(
            activity=activity, member=member or self.world.member, now=kwargs["starts_at"] - timedelta(hours=1)
        )
        return activity, signup


@pytest.fixture
def mw(world):
    return MemberWorld(world)


@pytest.fixture
def member(mw):
    return browser_for(mw.member.user)


def messages_of(response):
    return [(str(m), m.extra_tags) for m in response.context["messages"]]


# --- gates ------------------------------------------------------------------------------------------------------


def _member_urls(mw):
    wish = mw.wish()
    activity = mw.activity()
    return [
        reverse("member:home"),
        reverse("member:claims"),
        reverse("member:activities"),
        reverse("member:wish", args=[wish.pk]),
        reverse("member:activity", args=[activity.pk]),
        reverse("member:checkin", args=[activity.pk]),
    ]


def test_anonymous_visitors_are_sent_to_log_in(mw):
    for url in _member_urls(mw):
        response = Client().get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("web:login"))


@pytest.mark.parametrize("role", ["staff", "reviewer", "grid_worker", "street_admin"])
def test_other_roles_are_refused_the_member_pages(mw, role):
    client = browser_for(mw.user(role))
    for url in _member_urls(mw):
        assert client.get(url).status_code == 403, url


def test_other_roles_cannot_press_member_buttons(mw):
    wish = mw.wish()
    response = browser_for(mw.staff).post(reverse("member:wish_claim", args=[wish.pk]))
    assert response.status_code == 403
    assert not WishClaim.objects.filter(wish=wish).exists()


def test_buttons_refuse_get(mw, member):
    wish = mw.wish()
    assert member.get(reverse("member:wish_claim", args=[wish.pk])).status_code == 405
    assert not WishClaim.objects.exists()


# --- home ---------------------------------------------------------------------------------------------------------


def test_a_member_without_a_confirmed_registration_is_sent_to_register(world):
    response = browser_for(world.member.user).get(reverse("member:home"))
    assert response.status_code == 200
    body = response.content.decode()
    assert gettext("You have not reported to a residential community yet") in body
    assert 'href="/me/registration/"' in body or 'href="' + response.context["registration_url"] + '"' in body


def test_home_lists_open_wishes_and_activities_near_home_nearest_first(mw, member):
    far_wish = mw.wish(KM2_2, title="给孤寡老人送米面油")
    near_wish = mw.wish(M600, title="帮助留守儿童辅导功课", category=WishCategory.STUDY)
    activity = mw.activity(KM1_1, title="幸福小区环境卫生整治")
    # Not shown: claimed by someone else, a draft, past its deadline, too far, another community, a cancelled activity.
    taken = mw.wish(M600, title="已被认领的心愿")
    wish_services.wish_claim(wish=taken, actor=mw.teammate.user)
    mw.wish(M600, title="草稿心愿", status=WishStatus.DRAFT)
    mw.wish(KM11, title="十一公里外的心愿")
    mw.wish(0.0, title="别的社区的心愿", grid=mw.other_grid)
    mw.activity(M600, title="已取消的活动", status=ActivityStatus.CANCELLED)

    response = member.get(reverse("member:home"))
    assert response.status_code == 200
    body = response.content.decode()
    titles = [near_wish.title, activity.title, far_wish.title]
    positions = [body.index(t) for t in titles]
    assert positions == sorted(positions)
    for hidden in ("已被认领的心愿", "草稿心愿", "十一公里外的心愿", "别的社区的心愿", "已取消的活动"):
        assert hidden not in body
    distances = [item["distance"] for item in response.context["items"]]
    # The list's distance is the figure its radius used (equirectangular), within 0.5 % of the geodesic one.
    metres = round(abs(near_wish.grid.latitude - mw.home[0]) * METRES_PER_DEGREE)
    exact = geodesic(mw.home, (near_wish.grid.latitude, mw.home[1])).meters
    assert abs(metres - exact) <= 0.005 * exact
    km = gettext("%(km)s km")
    assert distances == [gettext("%(m)s m") % {"m": metres}, km % {"km": "1.1"}, km % {"km": "2.2"}]
    assert f'href="{reverse("member:wish", args=[near_wish.pk])}"' in body
    assert '<option value="5000" selected>' in body  # the default distance, shown as chosen


def test_home_filters_by_kind_category_and_radius(mw, member):
    study = mw.wish(M600, title="帮助留守儿童辅导功课", category=WishCategory.STUDY)
    elderly = mw.wish(M600, title="给孤寡老人送米面油", category=WishCategory.ELDERLY)
    activity = mw.activity(M600, title="社区夜巡")
    far = mw.wish(KM11, title="十一公里外的心愿")

    def titles(**params):
        response = member.get(reverse("member:home"), params)
        assert response.status_code == 200
        return {item["obj"].title for item in response.context["items"]}

    assert titles(kind="wishes") == {study.title, elderly.title}
    assert titles(kind="activities") == {activity.title}
    assert titles(category="wish.study") == {study.title}
    assert titles(category="activity.clean_up") == {activity.title}
    assert titles(kind="wishes", radius="20000") == {study.title, elderly.title, far.title}


def test_home_shows_claimed_wishes_only_when_asked(mw, member):
    mine = mw.wish(M600, title="我认领的心愿")
    wish_services.wish_claim(wish=mine, actor=mw.member.user)
    assert mine.title not in member.get(reverse("member:home")).content.decode()
    assert mine.title in member.get(reverse("member:home"), {"status": "all"}).content.decode()


@pytest.mark.parametrize(
    "params",
    [{"radius": "abc"}, {"radius": "999999"}, {"kind": "cats"}, {"kind": "activities", "category": "wish.study"}],
)
def test_bad_filters_give_a_message_not_an_error(mw, member, params):
    mw.wish(M600)
    response = member.get(reverse("member:home"), params)
    assert response.status_code == 200
    assert response.context["form"].errors
    assert "has-error" in response.content.decode()
    assert "items" not in response.context


def test_home_pages_long_lists(mw, member):
    grid = mw.grid_north(M600)
    for n in range(25):
        mw.wish(grid=grid, title=f"心愿{n:02d}")
    first = member.get(reverse("member:home"))
    assert len(first.context["items"]) == 20
    second = member.get(reverse("member:home"), {"page": 2})
    assert len(second.context["items"]) == 5


def test_home_query_count_does_not_grow_with_rows(mw, member, django_assert_max_num_queries):
    def fill(n):
        grid = mw.grid_north(M600)
        for i in range(n):
            mw.wish(grid=grid, title=f"心愿{n}-{i}")
            mw.activity(M600, title=f"活动{n}-{i}")

    fill(2)
    with django_assert_max_num_queries(14) as small:
        member.get(reverse("member:home"))
    fill(15)
    with django_assert_max_num_queries(len(small.captured_queries)):
        response = member.get(reverse("member:home"))
    assert len(response.context["items"]) == 20


# --- wishes -------------------------------------------------------------------------------------------------------


def test_the_wish_page_masks_the_resident_until_the_member_claims(mw, member):
    wish = mw.wish(M600)
    body = member.get(reverse("member:wish", args=[wish.pk])).content.decode()
    assert "张**" in body
    assert RESIDENT_NAME not in body and RESIDENT_PHONE not in body and RESIDENT_ADDRESS not in body
    assert reverse("member:wish_claim", args=[wish.pk]) in body


def test_claiming_a_wish_creates_the_claim_and_shows_the_resident(mw, member):
    wish = mw.wish(M600)
    response = member.post(reverse("member:wish_claim", args=[wish.pk]), follow=True)
    assert response.redirect_chain[-1][0] == reverse("member:wish", args=[wish.pk])
    claim = WishClaim.objects.get(wish=wish)
    assert claim.member == mw.member and claim.status == ClaimStatus.ACTIVE
    wish.refresh_from_db()
    assert wish.status == WishStatus.CLAIMED
    body = response.content.decode()
    assert RESIDENT_NAME in body and RESIDENT_PHONE in body and RESIDENT_ADDRESS in body
    assert reverse("member:wish_release", args=[wish.pk]) in body


def test_a_second_claim_shows_wish_already_claimed(mw, member):
    wish = mw.wish(M600)
    wish_services.wish_claim(wish=wish, actor=mw.teammate.user)
    response = member.post(reverse("member:wish_claim", args=[wish.pk]), follow=True)
    assert response.status_code == 200
    assert "wish_already_claimed" in response.content.decode()
    assert (str(gettext("Someone has already claimed this wish.")), "code:wish_already_claimed") in messages_of(
        response
    )
    assert WishClaim.objects.filter(wish=wish).count() == 1


def test_releasing_gives_the_wish_back(mw, member):
    wish = mw.wish(M600)
    wish_services.wish_claim(wish=wish, actor=mw.member.user)
    member.post(reverse("member:wish_release", args=[wish.pk]), {"reason": "临时出差"})
    wish.refresh_from_db()
    claim = WishClaim.objects.get(wish=wish)
    assert wish.status == WishStatus.PUBLISHED
    assert claim.status == ClaimStatus.RELEASED and claim.release_reason == "临时出差"


def test_someone_else_cannot_release_my_claim(mw):
    wish = mw.wish(M600)
    wish_services.wish_claim(wish=wish, actor=mw.member.user)
    response = browser_for(mw.teammate.user).post(reverse("member:wish_release", args=[wish.pk]))
    assert response.status_code == 404
    assert Wish.objects.get(pk=wish.pk).status == WishStatus.CLAIMED


def test_marking_fulfilled_needs_a_note(mw, member):
    wish = mw.wish(M600)
    wish_services.wish_claim(wish=wish, actor=mw.member.user)
    response = member.post(reverse("member:wish_fulfil", args=[wish.pk]), {"note": "  "}, follow=True)
    assert "note_required" in response.content.decode()
    assert Wish.objects.get(pk=wish.pk).status == WishStatus.CLAIMED
    member.post(reverse("member:wish_fulfil", args=[wish.pk]), {"note": "米和油已送到老人家中。"})
    wish.refresh_from_db()
    assert wish.status == WishStatus.FULFILLED and wish.fulfil_note == "米和油已送到老人家中。"


def test_a_member_who_is_branch_secretary_claims_for_the_branch_and_names_who_took_part(mw, member):
    f.RoleFactory(user=mw.member.user, role=Role.BRANCH_SECRETARY, party_org=mw.branch)
    wish = mw.wish(M600)
    page = member.get(reverse("member:wish", args=[wish.pk])).content.decode()
    assert f'<option value="{mw.branch.pk}">{mw.branch.name}</option>' in page
    member.post(reverse("member:wish_claim", args=[wish.pk]), {"as_branch": mw.branch.pk})
    claim = WishClaim.objects.get(wish=wish)
    assert claim.branch == mw.branch and claim.member is None

    page = member.get(reverse("member:wish", args=[wish.pk])).content.decode()
    assert f'name="participants" value="{mw.teammate.pk}"' in page
    outsider = member.post(
        reverse("member:wish_fulfil", args=[wish.pk]),
        {"note": "支部党员一起把米送到了老人家中。", "participants": [mw.other_member.pk]},
        follow=True,
    )
    assert "participant_not_in_branch" in outsider.content.decode()
    member.post(
        reverse("member:wish_fulfil", args=[wish.pk]),
        {"note": "支部党员一起把米送到了老人家中。", "participants": [mw.member.pk, mw.teammate.pk]},
    )
    wish.refresh_from_db()
    assert wish.status == WishStatus.FULFILLED
    assert set(claim.participants.values_list("member_id", flat=True)) == {mw.member.pk, mw.teammate.pk}


def test_claiming_for_a_branch_one_is_not_secretary_of_is_refused(mw, member):
    wish = mw.wish(M600)
    response = member.post(reverse("member:wish_claim", args=[wish.pk]), {"as_branch": mw.branch.pk}, follow=True)
    assert "not_branch_secretary" in response.content.decode()
    assert not WishClaim.objects.exists()


@pytest.mark.parametrize("as_branch", ["999999999", "x", " "])
def test_claiming_for_an_unknown_branch_is_refused_as_invalid_branch(mw, member, as_branch):
    wish = mw.wish(M600)
    response = member.post(reverse("member:wish_claim", args=[wish.pk]), {"as_branch": as_branch}, follow=True)
    assert [tags for _text, tags in messages_of(response)] == ["code:invalid_branch"]
    assert not WishClaim.objects.exists()


def test_wishes_outside_the_members_scope_are_404(mw, member):
    other = mw.wish(0.0, grid=mw.other_grid)
    draft = mw.wish(M600, status=WishStatus.DRAFT)
    for wish in (other, draft):
        assert member.get(reverse("member:wish", args=[wish.pk])).status_code == 404
        assert member.post(reverse("member:wish_claim", args=[wish.pk])).status_code == 404
    assert not WishClaim.objects.exists()


# --- activities ---------------------------------------------------------------------------------------------------


def test_signing_up_and_cancelling(mw, member):
    activity = mw.activity(M600, title="幸福小区环境卫生整治")
    page = member.get(reverse("member:activity", args=[activity.pk])).content.decode()
    assert reverse("member:signup", args=[activity.pk]) in page
    member.post(reverse("member:signup", args=[activity.pk]))
    signup = SignUp.objects.get(activity=activity, member=mw.member)
    assert signup.status == SignUpStatus.CONFIRMED
    page = member.get(reverse("member:activity", args=[activity.pk])).content.decode()
    assert reverse("member:signup_cancel", args=[activity.pk]) in page
    assert (
        activity_services.cancel_deadline(activity)
        .astimezone(timezone.get_current_timezone())
        .strftime("%Y-%m-%d %H:%M")
        in page
    )
    member.post(reverse("member:signup_cancel", args=[activity.pk]))
    signup.refresh_from_db()
    assert signup.status == SignUpStatus.CANCELLED


def test_the_cancel_button_goes_once_the_cancellation_deadline_passed(mw, member):
    activity, signup = mw.running_activity()
    page = member.get(reverse("member:activity", args=[activity.pk])).content.decode()
    assert reverse("member:signup_cancel", args=[activity.pk]) not in page
    response = member.post(reverse("member:signup_cancel", args=[activity.pk]), follow=True)
    assert "cancel_too_late" in response.content.decode()
    signup.refresh_from_db()
    assert signup.status == SignUpStatus.CONFIRMED


def test_a_full_activity_puts_the_member_on_the_waitlist_and_shows_the_place(mw, member):
    activity = mw.activity(M600, capacity=1)
    activity_services.signup_create(activity=activity, member=mw.teammate)
    response = member.post(reverse("member:signup", args=[activity.pk]), follow=True)
    signup = SignUp.objects.get(activity=activity, member=mw.member)
    assert signup.status == SignUpStatus.WAITLISTED
    assert response.context["signup"].waitlist_rank == 1
    body = response.content.decode()
    assert (
        gettext("You are number %(n)s on the waitlist; you get a place automatically when one frees up.") % {"n": 1}
        in body
    )


def test_signing_up_twice_shows_the_error_code(mw, member):
    activity = mw.activity(M600)
    member.post(reverse("member:signup", args=[activity.pk]))
    response = member.post(reverse("member:signup", args=[activity.pk]), follow=True)
    assert "already_signed_up" in response.content.decode()
    assert SignUp.objects.filter(activity=activity).count() == 1


def test_activities_outside_the_members_scope_are_404(mw, member):
    other = mw.activity(0.0, community=mw.other_community, grid=mw.other_grid, audience=Audience.RESIDENTS)
    draft = mw.activity(M600, status=ActivityStatus.DRAFT)
    for activity in (other, draft):
        assert member.get(reverse("member:activity", args=[activity.pk])).status_code == 404
        assert member.get(reverse("member:checkin", args=[activity.pk])).status_code == 404
        assert member.post(reverse("member:signup", args=[activity.pk])).status_code == 404
    assert not SignUp.objects.exists()


def test_check_in_by_position_inside_the_fence(mw, member):
    activity, signup = mw.running_activity()
    page = member.get(reverse("member:activity", args=[activity.pk])).content.decode()
    assert reverse("member:checkin_position", args=[activity.pk]) in page
    assert "web/member.js" in page
    member.post(
        reverse("member:checkin_position", args=[activity.pk]),
        {"latitude": activity.latitude + 0.001, "longitude": activity.longitude, "coord_system": "wgs84"},
    )
    signup.refresh_from_db()
    assert signup.checked_in_at is not None and signup.checkin_method == CheckinMethod.POSITION
    assert 100 < signup.checkin_distance_m < 120


def test_check_in_by_position_outside_the_fence_shows_the_distance(mw, member):
    activity, signup = mw.running_activity()
    response = member.post(
        reverse("member:checkin_position", args=[activity.pk]),
        {"latitude": activity.latitude + KM1_1, "longitude": activity.longitude, "coord_system": "wgs84"},
        follow=True,
    )
    signup.refresh_from_db()
    assert signup.checked_in_at is None
    body = response.content.decode()
    assert "too_far_from_activity" in body
    distance = round(
        geodesic((activity.latitude + KM1_1, activity.longitude), (activity.latitude, activity.longitude)).m
    )
    assert (
        gettext("You are %(distance)s m from the activity; check-in is accepted within %(radius)s m.")
        % {
            "distance": distance,
            "radius": 500,
        }
        in body
    )


def test_check_in_by_position_without_a_position_says_what_is_needed(mw, member):
    activity, signup = mw.running_activity()
    response = member.post(
        reverse("member:checkin_position", args=[activity.pk]), {"latitude": "", "longitude": ""}, follow=True
    )
    assert (str(POSITION_NEEDED), "code:position_needed") in messages_of(response)
    signup.refresh_from_db()
    assert signup.checked_in_at is None


@pytest.mark.parametrize(
    "extra",
    [{"latitude": "91"}, {"longitude": "nan"}, {"coord_system": "utm"}, {"accuracy_m": "-1"}],
)
def test_check_in_by_position_with_an_impossible_position_says_what_is_needed(mw, member, extra):
    activity, signup = mw.running_activity()
    data = {"latitude": activity.latitude, "longitude": activity.longitude, "coord_system": "wgs84", **extra}
    response = member.post(reverse("member:checkin_position", args=[activity.pk]), data, follow=True)
    assert (str(POSITION_NEEDED), "code:position_needed") in messages_of(response)
    signup.refresh_from_db()
    assert signup.checked_in_at is None


def test_check_in_by_position_without_a_system_reads_wgs84_and_keeps_the_accuracy(mw, member):
    activity, signup = mw.running_activity()
    member.post(
        reverse("member:checkin_position", args=[activity.pk]),
        {"latitude": activity.latitude, "longitude": activity.longitude, "coord_system": " ", "accuracy_m": "12.5"},
    )
    signup.refresh_from_db()
    assert signup.checkin_method == CheckinMethod.POSITION and signup.checkin_accuracy_m == 12.5
    assert signup.checkin_distance_m < 1


def test_check_in_by_code_right_and_wrong(mw, member):
    activity, signup = mw.running_activity()
    wrong = member.post(reverse("member:checkin_code", args=[activity.pk]), {"code": "12345x"}, follow=True)
    assert "checkin_code_invalid" in wrong.content.decode()
    signup.refresh_from_db()
    assert signup.checked_in_at is None
    code = checkin.current_code(activity, now=timezone.now()).code
    member.post(reverse("member:checkin_code", args=[activity.pk]), {"code": code})
    signup.refresh_from_db()
    assert signup.checked_in_at is not None and signup.checkin_method == CheckinMethod.CODE


def test_checking_out_after_checking_in(mw, member):
    activity, signup = mw.running_activity()
    code = checkin.current_code(activity, now=timezone.now()).code
    activity_services.checkin_by_code(signup=signup, actor=mw.member.user, code=code)
    page = member.get(reverse("member:activity", args=[activity.pk])).content.decode()
    assert reverse("member:checkout", args=[activity.pk]) in page
    member.post(reverse("member:checkout", args=[activity.pk]))
    signup.refresh_from_db()
    assert signup.checked_out_at is not None


def test_the_scanned_code_url_only_shows_a_confirm_page(mw, member):
    activity, signup = mw.running_activity()
    code = checkin.current_code(activity, now=timezone.now()).code
    response = member.get(reverse("member:checkin", args=[activity.pk]), {"code": code})
    assert response.status_code == 200
    body = response.content.decode()
    assert f'value="{code}"' in body
    assert reverse("member:checkin_code", args=[activity.pk]) in body
    signup.refresh_from_db()
    assert signup.checked_in_at is None


def test_the_scan_page_tells_a_member_without_a_place(mw, member):
    activity = mw.activity(M600)
    response = member.get(reverse("member:checkin", args=[activity.pk]), {"code": "123456"})
    assert gettext("You have no place in this activity.") in response.content.decode()
    assert not SignUp.objects.exists()


# --- my lists -----------------------------------------------------------------------------------------------------


def test_my_claims_lists_the_members_claims_only(mw, member):
    mine = mw.wish(M600, title="我认领的心愿")
    wish_services.wish_claim(wish=mine, actor=mw.member.user)
    theirs = mw.wish(M600, title="队友认领的心愿")
    wish_services.wish_claim(wish=theirs, actor=mw.teammate.user)
    body = member.get(reverse("member:claims")).content.decode()
    assert mine.title in body and theirs.title not in body


def test_my_activities_lists_sign_ups_with_the_waitlist_place(mw, member):
    full = mw.activity(M600, title="社区夜巡", capacity=1)
    activity_services.signup_create(activity=full, member=mw.teammate)
    activity_services.signup_create(activity=full, member=mw.member)
    other = mw.activity(M600, title="政策宣讲", starts_at=timezone.now() + timedelta(days=5))
    activity_services.signup_create(activity=other, member=mw.member)
    response = member.get(reverse("member:activities"))
    body = response.content.decode()
    assert full.title in body and other.title in body
    assert gettext("number %(n)s on the waitlist") % {"n": 1} in body


def test_my_lists_query_counts_are_pinned(mw, member, django_assert_max_num_queries):
    for n in range(12):
        wish = mw.wish(M600, title=f"心愿{n}")
        wish_services.wish_claim(wish=wish, actor=mw.member.user)
        wish_services.wish_release(wish=wish, actor=mw.member.user)
        start = timezone.now() + timedelta(days=2 + n)
        activity = mw.activity(M600, title=f"活动{n}", starts_at=start, ends_at=start + timedelta(hours=2))
        activity_services.signup_create(activity=activity, member=mw.member)
    with django_assert_max_num_queries(10):
        response = member.get(reverse("member:claims"))
    assert len(response.context["object_list"]) == 12
    with django_assert_max_num_queries(10):
        response = member.get(reverse("member:activities"))
    assert len(response.context["object_list"]) == 12
