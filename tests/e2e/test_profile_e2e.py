"""A member's own pages in a real browser: registering with the community (address → community and grid before
submitting), the year's standing, the hours list and the notifications."""

from datetime import datetime, timedelta

from django.utils import timezone

from apps.ledger import services as ledger_services
from apps.ledger.models import RecordStatus, ServiceCategory, ServiceSource
from apps.notifications.models import Notification
from apps.places.models import Community, Grid
from apps.registrations.models import Registration, RegistrationStatus
from apps.registrations.services import registration_confirm
from tests.e2e.conftest import DESKTOP, f


def _realistic_names(world):
    """The shared world's names ("测试社区3") read like a test; screenshots should show a real-looking city."""
    Community.objects.filter(pk=world.community.pk).update(name="幸福社区")
    Grid.objects.filter(pk=world.grid.pk).update(name="幸福社区第一网格")
    world.member.user.name = "王建国"
    world.member.user.save(update_fields=["name"])
    f.GazetteerEntryFactory(name="幸福小区", latitude=world.grid.latitude, longitude=world.grid.longitude)


def _served(world, content, month, minutes, source=ServiceSource.MANUAL, source_id=None):
    start = timezone.make_aware(datetime(timezone.localdate().year, month, 12, 9))
    return ledger_services.record_create(
        member=world.member,
        community=world.community,
        grid=world.grid,
        source=source,
        source_id=source_id,
        category=ServiceCategory.CARE_VISIT,
        content=content,
        started_at=start,
        ended_at=start + timedelta(minutes=minutes),
        credited_minutes=minutes,
        residents_served=12,
        status=RecordStatus.APPROVED,
        decided_by=world.staff,
    )


def test_a_member_registers_then_reads_standing_hours_and_notifications(visit, e2e_world):
    world = e2e_world
    _realistic_names(world)
    member = visit(world.member.user)

    # Register: type the address, see the community and grid, then submit.
    member.go("/me/registration/")
    member.page.fill("input[name=address]", "幸福小区3栋2单元101")
    member.page.get_by_role("button", name="查看所属社区").click()
    member.page.wait_for_load_state()
    assert member.page.locator(".preview-community").inner_text() == "幸福社区"
    assert member.page.locator(".preview-grid").inner_text() == "幸福社区第一网格"
    assert not Registration.objects.exists()
    member.shot("profile-registration-phone")
    member.page.get_by_role("button", name="提交报到").click()
    member.page.wait_for_load_state()
    assert "等待社区确认" in member.page.locator(".msg-success").inner_text()
    registration = Registration.objects.get(member=world.member)
    assert registration.status == RegistrationStatus.PENDING

    # The community confirms; the member has served this year.
    registration = registration_confirm(registration=registration, actor=world.staff)
    records = [
        _served(world, "社区环境卫生整治", 3, 150),
        _served(world, "关爱帮扶独居老人", 4, 120),
        _served(world, "为张奶奶送助听器（微心愿）", 5, 90, source=ServiceSource.WISH, source_id=1),
        _served(world, "政策宣讲进小区", 6, 60),
    ]
    minutes = sum(r.credited_minutes for r in records)

    member.go("/me/")
    assert registration.receipt_number in member.page.content()
    assert member.page.locator(".stat .value").first.inner_text() == f"{minutes / 60:.1f}"
    member.shot("profile-overview-phone")
    wide = visit(world.member.user, viewport=DESKTOP)
    wide.go("/me/")
    wide.shot("profile-overview-desktop")

    member.go("/me/hours/")
    assert member.page.locator("li.record").count() == len(records)
    assert member.page.locator("#total-hours").inner_text() == f"{minutes / 60:.1f}"
    member.shot("profile-hours-phone")

    # The confirmation arrived as a notification: open the list, mark it read.
    member.go("/notifications/")
    assert member.page.locator("li.notice.unread").count() == 1
    member.shot("notifications-phone")
    member.page.get_by_role("button", name="标为已读", exact=True).click()
    member.page.wait_for_load_state()
    assert member.page.locator("li.notice.unread").count() == 0
    assert Notification.objects.get(user=world.member.user).read_at is not None
