"""The notification pages: every signed-in user reads only their own, marks one or all read; links lead to pages."""

import html
from datetime import date

import pytest
from django.test import Client
from django.urls import reverse

from apps.notifications import links
from apps.notifications.models import Notification, NotificationKind
from apps.notifications.services import notify

pytestmark = pytest.mark.django_db


def browser_for(user):
    client = Client()
    client.force_login(user)
    return client


def text_of(response):
    return html.unescape(response.content.decode())


def tell(user, title, *, kind=NotificationKind.REGISTRATION_CONFIRMED, subject=None, body=""):
    return notify(user=user, kind=kind, title=title, body=body, subject=subject, email=False)


def test_anonymous_visitors_are_sent_to_log_in():
    for url in (reverse("notifications:list"), reverse("notifications:read-all")):
        response = Client().get(url)
        assert response.status_code == 302 and response["Location"].startswith(reverse("web:login"))


@pytest.mark.parametrize("role", ["member", "staff", "reviewer", "district_admin", "outsider"])
def test_every_signed_in_user_has_a_notification_page(world, role):
    user = world.user(role)
    tell(user, "您在幸福社区的报到已确认")
    response = browser_for(user).get(reverse("notifications:list"))
    assert response.status_code == 200
    assert "您在幸福社区的报到已确认" in text_of(response)


def test_the_list_shows_only_my_notifications_with_unread_highlighted(world):
    me, other = world.member.user, world.other_member.user
    read = tell(me, "微心愿已被认领", kind=NotificationKind.WISH_CLAIMED)
    Notification.objects.filter(pk=read.pk).update(read_at=read.created_at)
    unread = tell(me, "社区夜巡即将开始", kind=NotificationKind.ACTIVITY_STARTING, body="今晚19:00在幸福社区集合")
    tell(other, "别人的通知")

    body = text_of(browser_for(me).get(reverse("notifications:list")))

    assert "微心愿已被认领" in body and "社区夜巡即将开始" in body and "今晚19:00在幸福社区集合" in body
    assert "别人的通知" not in body
    assert body.count('class="notice unread"') == 1
    assert reverse("notifications:read", args=[unread.pk]) in body
    assert reverse("notifications:read", args=[read.pk]) not in body
    assert "未读" in body


def test_unread_only_filter(world):
    me = world.member.user
    read = tell(me, "已读的通知")
    Notification.objects.filter(pk=read.pk).update(read_at=read.created_at)
    tell(me, "未读的通知")
    body = text_of(browser_for(me).get(reverse("notifications:list"), {"unread": "1"}))
    assert "未读的通知" in body and "已读的通知" not in body


def test_marking_one_read_sets_read_at_and_leaves_the_others(world):
    me = world.member.user
    first, second = tell(me, "第一条"), tell(me, "第二条")
    response = browser_for(me).post(reverse("notifications:read", args=[first.pk]))
    assert response.status_code == 302 and response["Location"] == reverse("notifications:list")
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.read_at is not None and second.read_at is None


def test_marking_someone_elses_notification_reads_as_404(world):
    theirs = tell(world.other_member.user, "别人的通知")
    response = browser_for(world.member.user).post(reverse("notifications:read", args=[theirs.pk]))
    assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_mark_read_is_post_only(world):
    mine = tell(world.member.user, "一条通知")
    response = browser_for(world.member.user).get(reverse("notifications:read", args=[mine.pk]))
    assert response.status_code == 405
    mine.refresh_from_db()
    assert mine.read_at is None


def test_mark_all_read_marks_mine_only(world):
    me = world.member.user
    mine = [tell(me, f"通知{i}") for i in range(3)]
    theirs = tell(world.other_member.user, "别人的通知")
    response = browser_for(me).post(reverse("notifications:read-all"), follow=True)
    assert response.status_code == 200
    assert "已将 3 条通知标为已读" in text_of(response)
    assert all(Notification.objects.get(pk=n.pk).read_at is not None for n in mine)
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_the_list_pages_by_twenty_with_a_pinned_query_count(world, django_assert_max_num_queries):
    me = world.member.user
    for i in range(23):
        tell(me, f"第{i}条通知", subject=links.registration())
    client = browser_for(me)
    with django_assert_max_num_queries(8):
        first = text_of(client.get(reverse("notifications:list")))
    assert first.count('<li class="notice') == 20
    second = text_of(client.get(reverse("notifications:list"), {"page": 2}))
    assert second.count('<li class="notice') == 3


def test_links_lead_each_recipient_to_the_page_they_use(world):
    page = links.page_path
    registration = tell(world.member.user, "报到已确认", subject=links.registration(5))
    assert page(registration) == reverse("profile:registration")
    # The same wish: its poster (community staff) handles it at the desk, its claimant on the member pages.
    claimed = tell(world.staff, "微心愿已被认领", kind=NotificationKind.WISH_CLAIMED, subject=links.wish(5))
    expired = tell(world.staff, "微心愿已过期", kind=NotificationKind.WISH_EXPIRED, subject=links.wish(5))
    released = tell(world.member.user, "认领已释放", kind=NotificationKind.CLAIM_RELEASED, subject=links.wish(5))
    assert page(claimed) == page(expired) == "/staff/wishes/5/"
    assert page(released) == "/m/wishes/5/"
    starting = tell(
        world.member.user, "活动即将开始", kind=NotificationKind.ACTIVITY_STARTING, subject=links.activity(7)
    )
    assert page(starting) == "/m/activities/7/"
    # A branch secretary's summary opens the dashboard's list for the branch and the quarter.
    summary = tell(
        world.secretary,
        "3 名党员本季度无服务",
        kind=NotificationKind.BRANCH_NO_SERVICE_SUMMARY,
        subject=links.zero_service(party_org_id=world.branch.pk, start=date(2026, 7, 1), end=date(2026, 9, 30)),
    )
    assert page(summary) == (
        "/dashboard/zero-service/?node=party_org%3A"
        + str(world.branch.pk)
        + "&kind=range&start=2026-07-01&end=2026-09-30"
    )
    response = browser_for(world.secretary).get(page(summary))
    assert response.status_code == 200 and not response.context["form"].errors
    quiet = tell(world.member.user, "本季度无服务", kind=NotificationKind.NO_SERVICE_QUARTER)
    assert page(quiet) == reverse("member:home")
    failed = tell(
        world.superuser,
        "任务失败",
        kind=NotificationKind.JOB_FAILED,
        subject=links.job_runs("stats_reconcile", failed_only=True),
    )
    assert page(failed) == "/admin/jobs/jobrun/?job__exact=stats_reconcile&outcome__exact=failed"
    assert browser_for(world.superuser).get(page(failed)).status_code == 200
    body = text_of(browser_for(world.member.user).get(reverse("notifications:list")))
    assert f'href="{reverse("profile:registration")}"' in body
