"""A member on their phone: finds a wish near home and claims it; signs up for an activity and checks in on site."""

from datetime import timedelta

from django.utils import timezone

from apps.activities import checkin
from apps.activities import services as activity_services
from apps.activities.models import ActivityCategory, CheckinMethod, SignUp, SignUpStatus
from apps.wishes.models import ClaimStatus, WishCategory, WishClaim, WishForm
from tests.activities.conftest import ActivityFactory
from tests.e2e.conftest import DESKTOP, f, with_password
from tests.wishes.conftest import WishFactory


def _member_neighbourhood(world):
    """Realistic names for the screenshots, the member registered at home, and a neighbour in the same community."""
    world.community.name = "幸福里社区"
    world.community.save(update_fields=["name"])
    world.grid.name = "幸福里第一网格"
    world.grid.save(update_fields=["name"])
    f.RegistrationFactory(member=world.member, grid=world.grid, address="幸福里小区5幢2单元301室")
    neighbour = f.MemberFactory(branch=world.branch)
    f.RegistrationFactory(member=neighbour, grid=world.grid, address="幸福里小区8幢1单元102室")
    with_password(neighbour.user)
    home = (world.grid.latitude, world.grid.longitude)
    east = f.GridFactory(
        community=world.community, name="幸福里第二网格", latitude=home[0] + 0.004, longitude=home[1] + 0.003
    )
    return home, east, neighbour


def _wishes(world, east):
    deadline = timezone.now() + timedelta(days=12)
    wish = WishFactory(
        grid=world.grid,
        created_by=world.staff,
        title="给独居的王奶奶买一台电饭煲",
        story="王奶奶今年82岁，独自居住，家里的电饭煲坏了，希望有人帮忙买一台小电饭煲并教她使用。",
        category=WishCategory.ELDERLY,
        resident_name="王秀英",
        resident_phone="13905710001",
        resident_address="幸福里小区3幢1单元101室",
        estimated_value=180,
        deadline=deadline,
    )
    WishFactory(
        grid=east,
        created_by=world.staff,
        title="为留守儿童小林辅导初二数学",
        story="小林的父母在外地打工，周末希望有人辅导数学作业，每次两小时。",
        category=WishCategory.STUDY,
        form=WishForm.NON_MATERIAL,
        resident_name="林小雨",
        estimated_value=0,
        deadline=deadline + timedelta(days=5),
    )
    return wish


def _activity(world, *, title, starts_in, lat_offset=0.0, **kwargs):
    starts_at = timezone.now() + starts_in
    return ActivityFactory(
        community=world.community,
        grid=world.grid,
        created_by=world.staff,
        title=title,
        address="幸福里社区党群服务中心",
        latitude=world.grid.latitude + lat_offset,
        longitude=world.grid.longitude,
        starts_at=starts_at,
        ends_at=starts_at + timedelta(hours=2),
        signup_deadline=starts_at,
        **kwargs,
    )


def test_a_member_finds_a_wish_near_home_and_claims_it(visit, e2e_world):
    world = e2e_world
    _home, east, _neighbour = _member_neighbourhood(world)
    wish = _wishes(world, east)
    _activity(
        world,
        title="幸福里小区环境卫生整治",
        starts_in=timedelta(days=2),
        lat_offset=0.002,
        category=ActivityCategory.CLEAN_UP,
        description="清理楼道堆放杂物，整治小区绿化带垃圾。",
    )

    desktop = visit(world.member.user, viewport=DESKTOP)
    desktop.go("/m/")
    desktop.shot("member-home-desktop")
    desktop.close()

    member = visit(world.member.user)
    member.go("/m/")
    titles = member.page.locator(".nearby .row-title").all_inner_texts()
    assert len(titles) == 3
    assert wish.title in titles[0]  # at home, so nearest
    member.shot("member-home-phone")

    member.page.click(f"text={wish.title}")
    assert member.page.locator("h1").inner_text() == wish.title
    assert "王**" in member.page.content()
    assert "13905710001" not in member.page.content()
    member.shot("member-wish-phone")

    member.page.click("button:has-text('认领')")
    member.page.wait_for_load_state()
    assert member.page.locator(".msg-success").is_visible()
    assert "13905710001" in member.page.content()
    claim = WishClaim.objects.get(wish=wish)
    assert claim.member_id == world.member.pk and claim.status == ClaimStatus.ACTIVE

    member.page.click(".subnav >> text=我的认领")
    assert wish.title in member.page.locator(".list").inner_text()
    member.shot("member-claims-phone")


def test_a_member_signs_up_and_checks_in_by_position(visit, e2e_world):
    world = e2e_world
    _member_neighbourhood(world)
    # Starts in 20 minutes: sign-up still open and check-in already open (30 minutes before the start).
    activity = _activity(
        world,
        title="社区夜巡：平安幸福里",
        starts_in=timedelta(minutes=20),
        lat_offset=0.003,
        category=ActivityCategory.NIGHT_PATROL,
        capacity=8,
        description="两人一组巡查小区出入口、车棚和消防通道，发现隐患及时报告网格员。",
    )

    member = visit(world.member.user)
    member.go(f"/m/activities/{activity.pk}/")
    member.page.click("button:has-text('报名')")
    member.page.wait_for_load_state()
    signup = SignUp.objects.get(activity=activity, member=world.member)
    assert signup.status == SignUpStatus.CONFIRMED
    assert member.page.locator("#checkin-position-form").is_visible()
    member.shot("member-activity-phone")

    # Standing at the activity's place (about 50 m off), with the browser allowed to share the position.
    member.context.grant_permissions(["geolocation"], origin=member.base_url)
    member.context.set_geolocation(
        {"latitude": activity.latitude + 0.0005, "longitude": activity.longitude, "accuracy": 15}
    )
    # The sign-up's own success message is still on the page: wait for the check-in's answer, not for a message.
    with member.page.expect_navigation():
        member.page.click("[data-geo-checkin]")
    member.page.wait_for_selector(".msg-success")
    signup.refresh_from_db()
    assert signup.checked_in_at is not None and signup.checkin_method == CheckinMethod.POSITION
    assert signup.checkin_distance_m < 100
    member.shot("member-checked-in-phone")

    with member.page.expect_navigation():
        member.page.click("button:has-text('签退')")
    member.page.wait_for_selector(".msg-success")
    signup.refresh_from_db()
    assert signup.checked_out_at is not None


def test_a_member_scans_the_code_and_checks_in(visit, e2e_world):
    world = e2e_world
    _home, _east, neighbour = _member_neighbourhood(world)
    activity = _activity(
        world,
        title="垃圾分类政策宣讲",
        starts_in=timedelta(minutes=10),
        category=ActivityCategory.POLICY_TALK,
        capacity=30,
    )
    signup = activity_services.signup_create(activity=activity, member=neighbour)

    member = visit(neighbour.user)
    code = checkin.current_code(activity, now=timezone.now()).code
    member.go(f"/m/activities/{activity.pk}/checkin/?code={code}")
    assert member.page.locator("input[name=code]").input_value() == code
    signup.refresh_from_db()
    assert signup.checked_in_at is None  # opening the scanned link checks nobody in
    member.shot("member-checkin-code-phone")

    member.page.click("main button[type=submit]:has-text('签到')")
    member.page.wait_for_selector(".msg-success")
    signup.refresh_from_db()
    assert signup.checked_in_at is not None and signup.checkin_method == CheckinMethod.CODE
