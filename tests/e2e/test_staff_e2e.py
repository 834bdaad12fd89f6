"""The desk in a real browser: staff confirm a registration, post a wish, run the check-in screen, approve hours and
rate a member at year end."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.utils import timezone

from apps.activities import checkin
from apps.activities.hours import activity_finish
from apps.activities.models import ActivityStatus, HoursStatus
from apps.ledger.models import RecordStatus
from apps.registrations.models import Evaluation, EvaluationGrade, RegistrationStatus
from apps.wishes.models import Wish, WishStatus
from tests.e2e.conftest import DESKTOP, PHONE, f
from tests.web.test_staff_pages import make_activity, make_signup

SHANGHAI = ZoneInfo("Asia/Shanghai")


def test_staff_confirm_a_registration_from_the_desk(visit, e2e_world):
    world = e2e_world
    world.member.user.name = "李建国"
    world.member.user.save(update_fields=["name"])
    registration = f.RegistrationFactory(
        member=world.member, grid=world.grid, status=RegistrationStatus.PENDING, address="幸福小区7栋302"
    )

    phone = visit(world.staff, viewport=PHONE)
    phone.go("/staff/")
    assert phone.page.locator("nav.subnav").is_visible()
    phone.shot("staff-home-phone")

    desk = visit(world.staff, viewport=DESKTOP)
    desk.go("/staff/")
    assert desk.page.locator("h1").inner_text() == "今日工作"
    desk.shot("staff-home-desktop")
    desk.page.click("text=待审核的报到")
    assert desk.page.url.endswith("/staff/registrations/")
    assert desk.page.locator("text=幸福小区7栋302").is_visible()
    desk.shot("staff-registrations-desktop")

    desk.page.click("button:has-text('确认')")
    desk.page.wait_for_load_state()
    registration.refresh_from_db()
    assert registration.status == RegistrationStatus.CONFIRMED
    assert registration.receipt_number in desk.page.locator(".msg-success").inner_text()


def test_staff_post_a_wish_through_the_form(visit, e2e_world):
    world = e2e_world
    desk = visit(world.staff, viewport=DESKTOP)
    desk.go("/staff/wishes/new/")
    page = desk.page
    deadline = timezone.localtime(timezone.now() + timedelta(days=14)).replace(hour=18, minute=0)
    page.select_option("select[name=grid]", str(world.grid.pk))
    page.fill("input[name=title]", "为独居老人代购生活用品")
    page.fill("textarea[name=story]", "王奶奶今年82岁，独自居住，腿脚不便，希望每周有人帮忙代购米面油。")
    page.select_option("select[name=category]", "elderly")
    page.select_option("select[name=wish_form]", "material")
    page.fill("input[name=estimated_value]", "150")
    page.fill("input[name=resident_name]", "王秀英")
    page.fill("input[name=resident_phone]", "13800001111")
    page.fill("input[name=resident_address]", "幸福小区5栋101")
    page.fill("input[name=deadline]", deadline.strftime("%Y-%m-%dT%H:%M"))
    page.check("input[name=publish]")
    desk.shot("staff-wish-new-desktop")
    page.click("button:has-text('保存')")
    page.wait_for_load_state()

    wish = Wish.objects.get(title="为独居老人代购生活用品")
    assert wish.status == WishStatus.PUBLISHED
    assert wish.resident_name == "王秀英"
    assert page.url.endswith(f"/staff/wishes/{wish.pk}/")
    assert page.locator("h1").inner_text() == "为独居老人代购生活用品"
    assert "已发布" in page.locator("dl.facts").inner_text()


def test_the_checkin_screen_shows_the_rotating_code_and_its_qr(visit, e2e_world):
    world = e2e_world
    activity = make_activity(world, starts_at=timezone.now() + timedelta(minutes=15), title="社区环境卫生整治")
    make_signup(activity, world.member, checked_in_at=timezone.now())
    desk = visit(world.staff, viewport=DESKTOP)
    desk.go(f"/staff/activities/{activity.pk}/")
    desk.page.click("text=现场签到屏")
    desk.page.wait_for_load_state()
    shown = desk.page.locator(".code-big").inner_text()
    assert shown in {checkin.current_code(activity, now=timezone.now() - timedelta(seconds=s)).code for s in (0, 5)}
    assert desk.page.locator(".qr svg").is_visible()
    assert f"/m/activities/{activity.pk}/checkin/?code={shown}" in desk.page.locator(".member-url").inner_text()
    assert desk.page.locator(".checkin-count strong").inner_text() == "1"
    desk.shot("staff-checkin-code-desktop")


def test_staff_approve_hours_on_the_attendance_page(visit, e2e_world):
    world = e2e_world
    world.member.user.name = "赵志刚"
    world.member.user.save(update_fields=["name"])
    starts = datetime.combine(timezone.localdate() - timedelta(days=3), datetime.min.time(), SHANGHAI).replace(hour=9)
    activity = make_activity(world, starts_at=starts, status=ActivityStatus.CLOSED, title="社区环境卫生整治")
    signup = make_signup(
        activity, world.member, checked_in_at=starts, checked_out_at=starts + timedelta(hours=1, minutes=30)
    )
    teammate = f.MemberFactory(branch=world.branch, user=f.UserFactory(name="陈晓燕"))
    other = make_signup(activity, teammate, checked_in_at=starts, checked_out_at=starts + timedelta(hours=2))
    activity_finish(activity=activity, now=starts + timedelta(hours=3))

    desk = visit(world.staff, viewport=DESKTOP)
    desk.go(f"/staff/activities/{activity.pk}/attendance/")
    desk.shot("staff-attendance-desktop")
    desk.page.locator(f"#signup-{signup.pk} button:has-text('通过')").click()
    desk.page.wait_for_load_state()
    signup.refresh_from_db()
    assert signup.hours_status == HoursStatus.APPROVED
    assert signup.record.status == RecordStatus.APPROVED
    assert "已通过 赵志刚 的服务时长" in desk.page.locator(".msg-success").inner_text()

    row = desk.page.locator(f"#signup-{other.pk}")
    row.locator("input[name=credited_minutes]").fill("100")
    row.locator("input[name=reason]").first.fill("中途离开20分钟")
    row.locator("button:has-text('调整')").click()
    desk.page.wait_for_load_state()
    other.refresh_from_db()
    assert other.credited_minutes == 100
    assert other.hours_status == HoursStatus.APPROVED


def test_staff_rate_a_member_at_year_end(visit, e2e_world):
    world = e2e_world
    world.member.user.name = "孙丽华"
    world.member.user.save(update_fields=["name"])
    f.RegistrationFactory(member=world.member, grid=world.grid)
    desk = visit(world.staff, viewport=DESKTOP)
    desk.go(f"/staff/evaluations/?year={timezone.localdate().year}")
    card = desk.page.locator(f"#member-{world.member.pk}")
    assert "孙丽华" in card.inner_text()
    card.locator("select[name=grade]").select_option(EvaluationGrade.EXCELLENT)
    card.locator("input[name=comment]").fill("积极参加社区环境整治和夜间巡逻，群众评价好。")
    desk.shot("staff-evaluations-desktop")
    card.locator("button[type=submit]").click()
    desk.page.wait_for_load_state()
    evaluation = Evaluation.objects.get(member=world.member)
    assert evaluation.grade == EvaluationGrade.EXCELLENT
    assert "优秀" in desk.page.locator(".msg-success").inner_text()
