"""Journeys across roles, each person in their own browser: a wish from claim to the hours it earns; the on-site
code shown on the staff screen and scanned by a member's phone."""

from datetime import timedelta

from django.utils import timezone

from apps.activities import services as activity_services
from apps.activities.models import ActivityCategory, CheckinMethod
from apps.ledger.models import RecordStatus, ServiceRecord, ServiceSource
from apps.wishes.models import Wish, WishStatus
from tests.e2e.conftest import DESKTOP
from tests.e2e.test_member_e2e import _activity, _member_neighbourhood, _wishes


def test_a_member_claims_a_wish_fulfils_it_and_the_staff_confirm_it(visit, e2e_world):
    world = e2e_world
    _home, east, _neighbour = _member_neighbourhood(world)
    wish = _wishes(world, east)

    member = visit(world.member.user)
    member.go(f"/m/wishes/{wish.pk}/")
    member.page.click("button:has-text('认领')")
    member.page.wait_for_selector(".msg-success")
    member.page.fill("#fulfil-note", "已买好电饭煲送到王奶奶家，并教会她使用。")
    member.page.click("button:has-text('标记为已完成')")
    member.page.wait_for_selector(".msg-success")
    assert Wish.objects.get(pk=wish.pk).status == WishStatus.FULFILLED

    staff = visit(world.staff, viewport=DESKTOP)
    staff.go("/staff/")
    staff.page.click("main a[href*='/staff/wishes']")  # the home page's "to confirm" count leads to the list
    staff.go(f"/staff/wishes/{wish.pk}/")
    staff.page.fill("#confirm-comment", "王奶奶很满意")
    staff.page.click("button:has-text('确认完成')")
    staff.page.wait_for_selector(".msg-success")
    staff.shot("staff-wish-confirmed-desktop")

    assert Wish.objects.get(pk=wish.pk).status == WishStatus.CONFIRMED
    record = ServiceRecord.objects.get(member=world.member, source=ServiceSource.WISH)
    assert record.status == RecordStatus.APPROVED

    # The member sees the confirmed service among their hours.
    member.go("/me/hours/")
    assert wish.title in member.page.locator("main").inner_text()


def test_the_staff_show_the_code_and_a_member_scans_it_to_check_in(visit, e2e_world):
    world = e2e_world
    _home, _east, neighbour = _member_neighbourhood(world)
    activity = _activity(
        world,
        title="社区环境卫生整治",
        starts_in=timedelta(minutes=15),
        category=ActivityCategory.CLEAN_UP,
        capacity=20,
    )
    signup = activity_services.signup_create(activity=activity, member=neighbour)

    staff = visit(world.staff, viewport=DESKTOP)
    staff.go(f"/staff/activities/{activity.pk}/checkin-code/")
    shown_code = staff.page.locator(".code-big").inner_text().replace(" ", "").strip()
    scan_url = staff.page.locator("main").inner_text()
    assert f"/m/activities/{activity.pk}/checkin/?code={shown_code}" in scan_url
    assert staff.page.locator(".qr svg").count() == 1

    # The member's camera opens the URL the QR code holds; the page asks before checking in.
    member = visit(neighbour.user)
    member.go(f"/m/activities/{activity.pk}/checkin/?code={shown_code}")
    member.page.click("main button[type=submit]:has-text('签到')")
    member.page.wait_for_selector(".msg-success")
    signup.refresh_from_db()
    assert signup.checked_in_at is not None and signup.checkin_method == CheckinMethod.CODE
    assert signup.checked_in_at <= timezone.now()

    # The staff screen counts the check-in after its refresh.
    staff.go(f"/staff/activities/{activity.pk}/checkin-code/")
    assert "1 / 1" in staff.page.locator("main").inner_text()
