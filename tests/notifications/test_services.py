"""notify / notify_many: idempotent by dedupe key (also under concurrency), e-mail only after commit, read marks."""

import logging
import threading
import time
from datetime import timedelta

import pytest
from django.core.mail.backends.base import BaseEmailBackend
from django.db import connection, connections, transaction
from django.utils import timezone

from apps.core.errors import NotFound
from apps.notifications import errors, links, selectors, services
from apps.notifications.models import Notification, NotificationKind, SubjectType
from tests import factories as f

KIND = NotificationKind.WISH_CLAIM_DUE


class Boom(Exception):
    pass


class ExplodingBackend(BaseEmailBackend):
    """An e-mail backend whose server is down."""

    def send_messages(self, email_messages):
        raise ConnectionRefusedError("smtp server unreachable")


def _notify(user, **kwargs):
    kwargs.setdefault("kind", KIND)
    kwargs.setdefault("title", "认领的微心愿即将到期")
    return services.notify(user=user, **kwargs)


# --- creating and deduplicating -------------------------------------------------------------------------------


def test_notify_creates_an_unread_notification_for_the_user(world):
    notification = _notify(world.member.user, body="请在截止前完成", subject=links.wish(1), dedupe_key="k:1")
    assert notification.pk is not None
    stored = Notification.objects.get(pk=notification.pk)
    assert stored.user == world.member.user
    assert (stored.kind, stored.body) == (KIND, "请在截止前完成")
    assert (stored.subject_type, stored.subject_id, stored.subject_params) == (SubjectType.WISH, 1, {})
    assert stored.dedupe_key == "k:1"
    assert stored.read_at is None and stored.emailed_at is None
    assert selectors.unread_count(user=world.member.user) == 1


def test_second_notify_with_the_same_key_does_nothing_and_returns_none(world):
    user = world.member.user
    first = _notify(user, dedupe_key="wish_claim_due:7")
    assert first is not None
    assert _notify(user, title="另一个标题", dedupe_key="wish_claim_due:7") is None
    assert list(Notification.objects.filter(user=user).values_list("title", flat=True)) == [first.title]


def test_a_duplicate_leaves_the_callers_transaction_usable(world):
    user = world.member.user
    with transaction.atomic():
        _notify(user, dedupe_key="k")
        assert _notify(user, dedupe_key="k") is None
        # The failed INSERT was rolled back to its savepoint: the transaction still accepts queries and writes.
        _notify(user, dedupe_key="other")
    assert Notification.objects.filter(user=user).count() == 2


def test_the_same_key_for_different_users_gives_each_their_notification(world):
    assert _notify(world.member.user, dedupe_key="k") is not None
    assert _notify(world.other_member.user, dedupe_key="k") is not None
    assert Notification.objects.filter(dedupe_key="k").count() == 2


def test_without_a_key_every_call_creates_a_notification(world):
    _notify(world.member.user)
    _notify(world.member.user)
    assert Notification.objects.filter(user=world.member.user).count() == 2


@pytest.mark.parametrize(
    "kwargs",
    [
        {"kind": "no_such_kind"},
        {"dedupe_key": "x" * 121},
        {"dedupe_key": ""},
        {"subject": links.Subject("page", 1)},
        {"title": " "},
    ],
    ids=["kind", "long-key", "empty-key", "unknown-subject", "blank-title"],
)
def test_caller_mistakes_raise_value_error_and_write_nothing(world, kwargs):
    with pytest.raises(ValueError):
        _notify(world.member.user, **kwargs)
    assert not Notification.objects.exists()


def test_an_overlong_title_is_shortened_to_fit(world):
    notification = _notify(world.member.user, title="长" * 300)
    assert len(notification.title) == 200 and notification.title.endswith("…")


def test_notify_many_creates_one_per_user_and_skips_those_who_have_the_key(world):
    users = [f.UserFactory() for _ in range(4)]
    _notify(users[0], dedupe_key="quarter:2025Q3")
    created = services.notify_many(users=[*users, users[1]], kind=KIND, title="无服务", dedupe_key="quarter:2025Q3")
    assert created == 3
    assert Notification.objects.filter(dedupe_key="quarter:2025Q3").count() == 4
    assert services.notify_many(users=users, kind=KIND, title="again", dedupe_key="quarter:2025Q3") == 0
    assert Notification.objects.count() == 4


def test_notify_many_accepts_a_queryset_and_nobody(world):
    from apps.accounts.models import User

    assert services.notify_many(users=User.objects.none(), kind=KIND, title="t") == 0
    users = User.objects.filter(pk__in=[world.member.user.pk, world.staff.pk])
    assert services.notify_many(users=users, kind=KIND, title="t") == 2


def test_notify_many_costs_a_fixed_handful_of_queries_for_fifty_users(
    world, django_assert_max_num_queries, django_capture_on_commit_callbacks, mailoutbox
):
    users = [f.UserFactory(email=f"u{i}@example.org") for i in range(50)]
    # savepoint, who already has the key, savepoint + one multi-row INSERT + release, release, and after the
    # commit one UPDATE stamping emailed_at: never one query per user.
    with django_assert_max_num_queries(7), django_capture_on_commit_callbacks(execute=True):
        created = services.notify_many(users=users, kind=KIND, title="本季度尚无服务", dedupe_key="q")
    assert created == 50
    assert len(mailoutbox) == 50
    assert Notification.objects.filter(dedupe_key="q", emailed_at__isnull=False).count() == 50


# --- e-mail ---------------------------------------------------------------------------------------------------


def test_email_leaves_only_when_the_transaction_commits(
    world, mailed_user, django_capture_on_commit_callbacks, mailoutbox, settings
):
    settings.SITE_URL = "https://sbd.example.org/"
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        notification = _notify(mailed_user, body="请在截止前完成。", subject=links.wish(5))
        assert mailoutbox == []  # not before the commit
    assert len(callbacks) == 1
    assert len(mailoutbox) == 1
    message = mailoutbox[0]
    assert message.to == ["member@example.org"]
    assert message.subject == notification.title
    # The page the member uses, never the API address: a person reads the mail.
    assert message.body == "请在截止前完成。\n\nhttps://sbd.example.org/m/wishes/5/"
    assert message.from_email == settings.DEFAULT_FROM_EMAIL
    notification.refresh_from_db()
    assert notification.emailed_at is not None


def test_no_email_when_the_transaction_rolls_back(world, mailed_user, django_capture_on_commit_callbacks, mailoutbox):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(Boom), transaction.atomic():
            _notify(mailed_user)
            raise Boom
    assert callbacks == []
    assert mailoutbox == []
    assert not Notification.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_with_real_transactions_only_the_committed_notification_is_emailed(mailoutbox):
    user = f.UserFactory(email="member@example.org")
    with pytest.raises(Boom), transaction.atomic():
        _notify(user, title="回滚的通知")
        raise Boom
    with transaction.atomic():
        _notify(user, title="提交的通知")
        assert mailoutbox == []
    assert [m.subject for m in mailoutbox] == ["提交的通知"]
    assert list(Notification.objects.values_list("title", flat=True)) == ["提交的通知"]


def test_no_email_without_an_address_for_an_inactive_user_or_when_not_wanted(
    world, django_capture_on_commit_callbacks, mailoutbox
):
    inactive = f.UserFactory(email="gone@example.org", is_active=False)
    wanted = f.UserFactory(email="member@example.org")
    with django_capture_on_commit_callbacks(execute=True):
        _notify(world.member.user)  # no e-mail address
        _notify(inactive)
        _notify(wanted, email=False)
    assert mailoutbox == []
    assert Notification.objects.count() == 3


def test_without_site_url_the_mail_carries_the_body_only(
    mailed_user, django_capture_on_commit_callbacks, mailoutbox, settings
):
    settings.SITE_URL = ""
    with django_capture_on_commit_callbacks(execute=True):
        _notify(mailed_user, title="标题\n第二行", body="正文", subject=links.wish(5))
    assert mailoutbox[0].body == "正文"
    assert mailoutbox[0].subject == "标题 第二行"  # headers cannot hold line breaks


def test_a_failing_mail_server_is_logged_never_raised(
    world, mailed_user, django_capture_on_commit_callbacks, caplog, settings
):
    settings.EMAIL_BACKEND = f"{__name__}.ExplodingBackend"
    with caplog.at_level(logging.ERROR, logger="apps.notifications.services"):
        with django_capture_on_commit_callbacks(execute=True):
            notification = _notify(mailed_user)
    failures = [r for r in caplog.records if r.name == "apps.notifications.services"]
    assert len(failures) == 1 and failures[0].exc_info is not None
    assert str(notification.pk) in failures[0].getMessage()
    notification.refresh_from_db()
    assert notification.emailed_at is None  # left visible as not mailed


def test_notify_many_mails_only_the_users_with_an_address(world, django_capture_on_commit_callbacks, mailoutbox):
    with_address = [f.UserFactory(email=f"u{i}@example.org") for i in range(2)]
    without = f.UserFactory()
    with django_capture_on_commit_callbacks(execute=True):
        services.notify_many(users=[*with_address, without], kind=KIND, title="提醒")
    assert sorted(m.to[0] for m in mailoutbox) == ["u0@example.org", "u1@example.org"]
    assert Notification.objects.filter(emailed_at__isnull=False).count() == 2
    assert Notification.objects.get(user=without).emailed_at is None


# --- read marks -----------------------------------------------------------------------------------------------


def test_mark_read_stamps_the_time_once(world, make_notification):
    notification = make_notification(user=world.member.user)
    services.notification_mark_read(user=world.member.user, notification=notification)
    first = notification.read_at
    assert first is not None
    services.notification_mark_read(user=world.member.user, notification=notification)
    notification.refresh_from_db()
    assert notification.read_at == first


def test_marking_someone_elses_notification_reads_as_not_found(world, make_notification):
    notification = make_notification(user=world.other_member.user)
    with pytest.raises(NotFound) as caught:
        services.notification_mark_read(user=world.member.user, notification=notification)
    assert caught.value.code == "not_found" and caught.value.message == errors.NOTIFICATION_NOT_FOUND
    notification.refresh_from_db()
    assert notification.read_at is None


def test_mark_all_read_counts_and_touches_only_the_users_unread(world, make_notification):
    user = world.member.user
    earlier = timezone.now() - timedelta(days=1)
    already = make_notification(user=user, read_at=earlier)
    make_notification(user=user)
    make_notification(user=user)
    others = make_notification(user=world.other_member.user)
    assert services.notifications_mark_all_read(user=user) == 2
    assert selectors.unread_count(user=user) == 0
    already.refresh_from_db()
    others.refresh_from_db()
    assert already.read_at == earlier
    assert others.read_at is None
    assert services.notifications_mark_all_read(user=user) == 0


# --- concurrency ----------------------------------------------------------------------------------------------


def _run_in_threads(targets):
    """Run each callable in its own thread (own database connection); return results, re-raise any error."""
    results, failures = [None] * len(targets), []

    def run(i, target):
        try:
            results[i] = target()
        except BaseException as exc:  # noqa: BLE001 - reported to the test below
            failures.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, t)) for i, t in enumerate(targets)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(t.is_alive() for t in threads), "a thread did not finish"
    if failures:
        raise failures[0]
    return results


def _wait_until_a_backend_waits_on_a_lock(timeout=20):
    """Poll PostgreSQL until another session is blocked on a lock (the racing INSERT), without fixed sleeps."""
    deadline = time.monotonic() + timeout
    with connections["default"].cursor() as cursor:
        while time.monotonic() < deadline:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND datname = current_database()"
            )
            if cursor.fetchone()[0]:
                return
            time.sleep(0.01)
    raise AssertionError("the second transaction never waited for the first")


def _held_open(work, inserted, release):
    """Do `work` in a transaction and keep it open (uncommitted) until `release` is set."""

    def target():
        with transaction.atomic():
            result = work()
            inserted.set()
            assert release.wait(timeout=30)
        return result

    return target


def _after(event, work):
    def target():
        assert event.wait(timeout=30)
        with transaction.atomic():
            return work()

    return target


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_racing_notify_waits_for_the_first_and_then_does_nothing():
    """The second INSERT blocks on the first's uncommitted row, then loses to the unique constraint: no error."""
    user = f.UserFactory()
    inserted, release = threading.Event(), threading.Event()

    def watcher():
        assert inserted.wait(timeout=30)
        _wait_until_a_backend_waits_on_a_lock()
        release.set()

    first, second, _ = _run_in_threads(
        [
            _held_open(lambda: _notify(user, dedupe_key="race"), inserted, release),
            _after(inserted, lambda: _notify(user, dedupe_key="race")),
            watcher,
        ]
    )
    assert first is not None
    assert second is None
    assert Notification.objects.filter(user=user, dedupe_key="race").count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_racing_notify_many_calls_tell_each_user_once_and_count_exactly():
    users = [f.UserFactory(email=f"u{i}@example.org") for i in range(4)]
    inserted, release = threading.Event(), threading.Event()

    def many(group):
        return lambda: services.notify_many(users=group, kind=KIND, title="提醒", dedupe_key="quarter")

    def watcher():
        assert inserted.wait(timeout=30)
        _wait_until_a_backend_waits_on_a_lock()
        release.set()

    first, second, _ = _run_in_threads(
        [_held_open(many(users[:3]), inserted, release), _after(inserted, many(users[1:])), watcher]
    )
    assert (first, second) == (3, 1)  # the second call found users 1 and 2 taken and told only user 3
    assert sorted(Notification.objects.filter(dedupe_key="quarter").values_list("user_id", flat=True)) == sorted(
        u.pk for u in users
    )


@pytest.mark.django_db(transaction=True)
def test_many_simultaneous_notifies_with_one_key_leave_one_row_and_raise_nothing():
    user = f.UserFactory()
    barrier = threading.Barrier(8)

    def attempt():
        barrier.wait(timeout=30)
        with transaction.atomic():
            return _notify(user, dedupe_key="stampede")

    results = _run_in_threads([attempt] * 8)
    assert sum(r is not None for r in results) == 1
    assert Notification.objects.filter(user=user).count() == 1
