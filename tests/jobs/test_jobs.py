"""Every scheduled job with a controlled clock: its effect, its idempotence (a second run changes nothing and sends
nothing twice) and its catch-up (what fell due long ago is all handled by one late run)."""

from datetime import date, timedelta

import pytest
from django.db.models import F
from django.utils import translation
from django.utils.translation import gettext

from apps.activities.models import Activity, ActivityStatus, Attendance, SignUp, SignUpStatus
from apps.jobs import registry
from apps.jobs.models import JobOutcome, JobRun
from apps.jobs.runner import run_job
from apps.ledger.models import AuditEntry, RecordStatus, ServiceCategory, ServiceRecord, ServiceSource
from apps.ledger.services import record_create
from apps.orgs.models import Member
from apps.registrations.models import RegistrationStatus
from apps.registrations.reminders import reminder_week
from apps.stats.models import MemberDayTotal, OrganDayTotal
from apps.stats.reminders import reminder_round
from apps.wishes.models import ClaimStatus, Wish, WishClaim, WishStatus
from tests import factories as f
from tests.jobs.conftest import NOW, at, make_activity, make_claim, make_signup, make_wish, notes

pytestmark = pytest.mark.django_db


def run(job_id, now=NOW):
    result = run_job(job_id, now=now)
    assert result.outcome == JobOutcome.SUCCESS, result.error
    return result.items


def snapshot():
    """Everything a job could change: states, audit entries, ledger rows and notifications."""
    return (
        sorted(Wish.objects.values_list("pk", "status")),
        sorted(WishClaim.objects.values_list("pk", "status")),
        sorted(Activity.objects.values_list("pk", "status", "confirmed_count")),
        sorted(SignUp.objects.values_list("pk", "status", "no_show", "credited_minutes")),
        AuditEntry.objects.count(),
        ServiceRecord.objects.count(),
        sorted(notes().values_list("user_id", "kind", "dedupe_key")),
    )


def assert_second_run_changes_nothing(job_id, now=NOW):
    before = snapshot()
    assert run(job_id, now) == 0
    assert snapshot() == before


# --- wishes -----------------------------------------------------------------------------------------------------


def test_release_overdue_claims_catches_up_every_overdue_claim_in_one_run(world):
    member = world.member
    overdue = [
        make_claim(
            wish=make_wish(grid=world.grid, created_by=world.staff, deadline=NOW + timedelta(days=30)),
            member=member,
            claim_deadline=NOW - timedelta(days=days),
        )
        for days in (60, 7, 0.01)
    ]
    running = make_claim(
        wish=make_wish(grid=world.grid, created_by=world.staff, deadline=NOW + timedelta(days=30)),
        member=member,
        claim_deadline=NOW + timedelta(hours=1),
    )

    assert run("wish_release_overdue_claims") == 3

    for claim in overdue:
        claim.refresh_from_db()
        assert claim.status == ClaimStatus.RELEASED
        assert claim.wish.status == WishStatus.PUBLISHED  # offered to others again
    running.refresh_from_db()
    assert running.status == ClaimStatus.ACTIVE
    assert_second_run_changes_nothing("wish_release_overdue_claims")


def test_expire_wishes_catches_up_every_wish_past_its_deadline(world):
    past = [
        make_wish(grid=world.grid, created_by=world.staff, deadline=NOW - timedelta(days=days)) for days in (90, 1, 0)
    ]
    open_wish = make_wish(grid=world.grid, created_by=world.staff, deadline=NOW + timedelta(minutes=1))
    claimed = make_wish(
        grid=world.grid, created_by=world.staff, deadline=NOW - timedelta(days=2), status=WishStatus.CLAIMED
    )

    assert run("wish_expire") == 3

    assert {w.pk for w in Wish.objects.filter(status=WishStatus.EXPIRED)} == {w.pk for w in past}
    open_wish.refresh_from_db()
    claimed.refresh_from_db()
    assert (open_wish.status, claimed.status) == (WishStatus.PUBLISHED, WishStatus.CLAIMED)
    assert_second_run_changes_nothing("wish_expire")


def test_jobs_in_registry_order_release_an_overdue_claim_then_expire_its_past_deadline_wish(world):
    wish = make_wish(grid=world.grid, created_by=world.staff, deadline=NOW - timedelta(days=3))
    make_claim(wish=wish, member=world.member, claim_deadline=NOW - timedelta(days=1))

    for job in registry.all_jobs():
        run_job(job.id, now=NOW)

    wish.refresh_from_db()
    assert wish.status == WishStatus.EXPIRED


def test_claim_deadline_reminders_go_once_to_each_claimant_within_the_window(world):
    def claim(hours, **kwargs):
        wish = make_wish(grid=world.grid, created_by=world.staff, deadline=NOW + timedelta(days=30))
        return make_claim(wish=wish, claim_deadline=NOW + timedelta(hours=hours), **kwargs)

    soon = claim(23, member=world.member)
    group = claim(2, branch=world.branch, claimed_by=world.secretary)  # a branch's claim: its secretary is told
    later = claim(30, member=world.other_member)
    claim(-1, member=world.member)  # overdue: the release job's business, not a reminder's
    released = claim(1, member=world.other_member)
    WishClaim.objects.filter(pk=released.pk).update(status=ClaimStatus.RELEASED)

    assert run("wish_remind_claim_deadlines") == 2

    assert notes(kind="wish_claim_due").count() == 2
    reminder = notes(world.member.user, "wish_claim_due").get()
    assert reminder.dedupe_key == f"wish_claim_due:{soon.pk}"
    assert soon.wish.title in reminder.title
    assert notes(world.secretary, "wish_claim_due").get().dedupe_key == f"wish_claim_due:{group.pk}"
    assert_second_run_changes_nothing("wish_remind_claim_deadlines")

    # Seven hours later the 30-hour claim is inside the window: only it is reminded, the others not again.
    assert run("wish_remind_claim_deadlines", NOW + timedelta(hours=7)) == 1
    assert notes(world.other_member.user, "wish_claim_due").get().dedupe_key == f"wish_claim_due:{later.pk}"
    assert notes(kind="wish_claim_due").count() == 3


def test_claim_deadline_reminders_catch_up_after_downtime(world):
    # Claims that entered the window at different times while no scheduler ran: one late run tells each once.
    claims = []
    for hours in (1, 6, 12, 20):
        wish = make_wish(grid=world.grid, created_by=world.staff, deadline=NOW + timedelta(days=30))
        member = f.MemberFactory(branch=world.branch)
        claims.append(make_claim(wish=wish, member=member, claim_deadline=NOW + timedelta(hours=hours)))

    assert run("wish_remind_claim_deadlines") == 4
    assert {n.dedupe_key for n in notes(kind="wish_claim_due")} == {f"wish_claim_due:{c.pk}" for c in claims}


# --- activities -------------------------------------------------------------------------------------------------


def test_close_signups_closes_every_started_open_activity(world):
    started = [
        make_activity(community=world.community, created_by=world.staff, starts_at=NOW - timedelta(days=d))
        for d in (30, 0)
    ]
    upcoming = make_activity(community=world.community, created_by=world.staff, starts_at=NOW + timedelta(hours=1))

    assert run("activity_close_signups") == 2

    assert {a.pk for a in Activity.objects.filter(status=ActivityStatus.CLOSED)} == {a.pk for a in started}
    upcoming.refresh_from_db()
    assert upcoming.status == ActivityStatus.OPEN
    assert_second_run_changes_nothing("activity_close_signups")


def test_waitlist_promotion_fills_free_places_in_signup_order(world):
    activity = make_activity(
        community=world.community, created_by=world.staff, starts_at=NOW + timedelta(days=1), capacity=1
    )
    make_signup(activity=activity, member=world.member)
    members = [f.MemberFactory(branch=world.branch) for _ in range(3)]
    waiting = [
        make_signup(
            activity=activity,
            member=member,
            status=SignUpStatus.WAITLISTED,
            signed_up_at=NOW - timedelta(hours=10 - n),
        )
        for n, member in enumerate(members)
    ]
    # Two places more (staff raised the capacity): the first two on the waitlist get them.
    Activity.objects.filter(pk=activity.pk).update(capacity=3)
    # An activity that has ended keeps its waitlist.
    ended = make_activity(
        community=world.community,
        created_by=world.staff,
        starts_at=NOW - timedelta(hours=5),
        status=ActivityStatus.CLOSED,
        capacity=2,
    )
    stale = make_signup(activity=ended, member=members[0], status=SignUpStatus.WAITLISTED)

    assert run("waitlist_promote") == 2

    statuses = dict(SignUp.objects.filter(pk__in=[s.pk for s in waiting]).values_list("pk", "status"))
    confirmed, waitlisted = SignUpStatus.CONFIRMED, SignUpStatus.WAITLISTED
    assert [statuses[s.pk] for s in waiting] == [confirmed, confirmed, waitlisted]
    assert SignUp.objects.get(pk=waiting[0].pk).promoted_at == NOW
    activity.refresh_from_db()
    assert activity.confirmed_count == 3
    stale.refresh_from_db()
    assert stale.status == SignUpStatus.WAITLISTED
    assert_second_run_changes_nothing("waitlist_promote")


def test_waitlist_promotion_catches_up_every_activity_in_one_run(world):
    activities = []
    for days in (1, 2, 3):
        activity = make_activity(
            community=world.community, created_by=world.staff, starts_at=NOW + timedelta(days=days), capacity=1
        )
        make_signup(activity=activity, member=f.MemberFactory(branch=world.branch), status=SignUpStatus.WAITLISTED)
        activities.append(activity)

    assert run("waitlist_promote") == 3
    assert all(a.confirmed_count == 1 for a in Activity.objects.filter(pk__in=[a.pk for a in activities]))


def test_start_reminders_go_once_to_confirmed_members_within_the_window(world):
    soon = make_activity(community=world.community, created_by=world.staff, starts_at=NOW + timedelta(hours=1))
    first, second, waitlisted = (f.MemberFactory(branch=world.branch) for _ in range(3))
    confirmed = [make_signup(activity=soon, member=first), make_signup(activity=soon, member=second)]
    make_signup(activity=soon, member=waitlisted, status=SignUpStatus.WAITLISTED)
    on_site = make_signup(activity=soon, member=f.MemberFactory(branch=world.branch))
    SignUp.objects.filter(pk=on_site.pk).update(checked_in_at=NOW - timedelta(minutes=5), checkin_method="code")
    later = make_activity(community=world.community, created_by=world.staff, starts_at=NOW + timedelta(hours=3))
    later_signup = make_signup(activity=later, member=first)
    started = make_activity(
        community=world.community,
        created_by=world.staff,
        starts_at=NOW - timedelta(minutes=10),
        status=ActivityStatus.CLOSED,
    )
    make_signup(activity=started, member=second)
    cancelled = make_activity(
        community=world.community,
        created_by=world.staff,
        starts_at=NOW + timedelta(hours=1),
        status=ActivityStatus.CANCELLED,
    )
    make_signup(activity=cancelled, member=waitlisted)

    assert run("activity_remind_starts") == 2

    assert {n.dedupe_key for n in notes(kind="activity_starting")} == {f"activity_starting:{s.pk}" for s in confirmed}
    assert soon.title in notes(first.user, "activity_starting").get().title
    assert_second_run_changes_nothing("activity_remind_starts")
    # An hour and five minutes on, the later activity is within two hours; the first is not reminded again.
    assert run("activity_remind_starts", NOW + timedelta(minutes=65)) == 1
    assert notes(first.user, "activity_starting").filter(dedupe_key=f"activity_starting:{later_signup.pk}").exists()
    assert notes(kind="activity_starting").count() == 3


def test_finish_catches_up_every_ended_activity_and_marks_no_shows(world):
    long_ago = make_activity(
        community=world.community,
        created_by=world.staff,
        starts_at=NOW - timedelta(days=40),
        status=ActivityStatus.CLOSED,
    )
    attended = make_signup(activity=long_ago, member=world.member)
    SignUp.objects.filter(pk=attended.pk).update(
        checked_in_at=long_ago.starts_at, checked_out_at=long_ago.ends_at, checkin_method="position"
    )
    no_show = make_signup(activity=long_ago, member=f.MemberFactory(branch=world.branch))
    just_ended = make_activity(
        community=world.community,
        created_by=world.staff,
        starts_at=NOW - timedelta(hours=3),
        status=ActivityStatus.CLOSED,
    )
    running = make_activity(
        community=world.community,
        created_by=world.staff,
        starts_at=NOW - timedelta(hours=1),
        status=ActivityStatus.CLOSED,
    )

    assert run("activity_finish") == 2

    statuses = dict(Activity.objects.values_list("pk", "status"))
    assert statuses[long_ago.pk] == statuses[just_ended.pk] == ActivityStatus.FINISHED
    assert statuses[running.pk] == ActivityStatus.CLOSED
    no_show.refresh_from_db()
    assert no_show.no_show and no_show.attendance == Attendance.ABSENT
    attended.refresh_from_db()
    assert attended.credited_minutes == 120
    assert ServiceRecord.objects.get(pk=attended.record_id).status == RecordStatus.PENDING
    assert_second_run_changes_nothing("activity_finish")


# --- statistics -------------------------------------------------------------------------------------------------


def approved_service(world, member, started_at, minutes=60):
    return record_create(
        member=member,
        community=world.community,
        grid=world.grid,
        source=ServiceSource.MANUAL,
        source_id=None,
        category=ServiceCategory.CARE_VISIT,
        content="环境卫生整治",
        started_at=started_at,
        ended_at=started_at + timedelta(minutes=minutes),
        credited_minutes=minutes,
        recorded_by=world.staff,
        status=RecordStatus.APPROVED,
        decided_by=world.staff,
    )


def test_reconciliation_repairs_the_last_400_days_and_alerts_superusers_once(world):
    approved_service(world, world.member, NOW - timedelta(days=300))
    approved_service(world, world.other_member, NOW - timedelta(days=2))
    approved_service(world, world.member, NOW - timedelta(days=500))  # outside the window: not looked at
    MemberDayTotal.objects.update(minutes=F("minutes") + 7)  # three corrupted rows, two of them in the window
    OrganDayTotal.objects.filter(organ=world.other_organ).delete()  # one missing row, in the window

    assert run("stats_reconcile") == 3

    in_window = MemberDayTotal.objects.filter(day__gte=date(2024, 4, 1))
    assert sorted(in_window.values_list("minutes", flat=True)) == [60, 60]
    assert MemberDayTotal.objects.get(day__lt=date(2024, 4, 1)).minutes == 67  # beyond 400 days: left alone
    assert OrganDayTotal.objects.filter(organ=world.other_organ, minutes=60).exists()
    alert = notes(world.superuser, "job_failed").get()
    assert "3" in alert.title
    assert_second_run_changes_nothing("stats_reconcile")

    # New differences the same day are repaired, but the superusers were already told today.
    MemberDayTotal.objects.filter(member=world.other_member).update(points=F("points") + 1)
    assert run("stats_reconcile", NOW + timedelta(hours=1)) == 1
    assert notes(world.superuser, "job_failed").count() == 1


def test_reconciliation_without_differences_alerts_nobody(world):
    approved_service(world, world.member, NOW - timedelta(days=3))
    assert run("stats_reconcile") == 0
    assert not notes(kind="job_failed").exists()


# --- monthly: no service this quarter ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("today", "first", "last", "quarter"),
    [
        (at(2025, 5, 1, 9), date(2025, 4, 1), date(2025, 4, 30), "2025Q2"),
        (at(2025, 6, 20, 9), date(2025, 4, 1), date(2025, 5, 31), "2025Q2"),
        (at(2025, 4, 1, 9), date(2025, 1, 1), date(2025, 3, 31), "2025Q1"),  # the whole quarter that just ended
        (at(2025, 1, 1, 0, 5), date(2024, 10, 1), date(2024, 12, 31), "2024Q4"),
    ],
)
def test_a_monthly_round_looks_at_the_quarter_up_to_the_end_of_the_previous_month(today, first, last, quarter):
    rnd = reminder_round(today)
    assert (rnd.period.first_day, rnd.period.last_day, rnd.quarter) == (first, last, quarter)
    assert rnd.month == today.strftime("%Y-%m")


class NoServiceWorld:
    def __init__(self, world):
        self.served = world.member
        self.idle = world.other_member  # another organ's member
        self.idle_teammate = f.MemberFactory(branch=world.branch)
        self.retired = f.MemberFactory(branch=world.branch)
        Member.objects.filter(pk=self.retired.pk).update(is_active=False)
        approved_service(world, self.served, at(2025, 5, 10, 9))
        # Service last quarter does not count for this one.
        approved_service(world, self.idle_teammate, at(2025, 3, 10, 9))


def test_no_service_reminder_reaches_idle_members_and_their_secretary_once_a_month(world):
    nsw = NoServiceWorld(world)
    june = at(2025, 6, 1, 9)

    assert run("members_remind_no_service", june) == 3  # two members and one secretary

    reminded = set(notes(kind="no_service_quarter").values_list("user_id", flat=True))
    assert reminded == {nsw.idle.user_id, nsw.idle_teammate.user_id}
    assert notes(kind="no_service_quarter").first().dedupe_key == "no_service_quarter:2025Q2@2025-06"
    summary = notes(world.secretary, "branch_no_service_summary").get()
    assert nsw.idle_teammate.user.name in summary.body
    assert nsw.served.user.name not in summary.body
    assert nsw.idle.user.name not in summary.body  # another organ's branch, which has no secretary here
    assert "2025-04-01" in summary.body and "2025-05-31" in summary.body

    assert_second_run_changes_nothing("members_remind_no_service", june)
    # A late run in the same month (after downtime) sends nothing new either...
    assert_second_run_changes_nothing("members_remind_no_service", at(2025, 6, 9, 15))
    # ...while next month's round reminds again.
    assert run("members_remind_no_service", at(2025, 7, 1, 9)) == 3


def test_no_service_reminder_missed_on_the_first_is_sent_by_a_late_run_in_the_month(world):
    nsw = NoServiceWorld(world)
    assert run("members_remind_no_service", at(2025, 6, 12, 3)) == 3
    reminded = set(notes(kind="no_service_quarter").values_list("user_id", flat=True))
    assert reminded == {nsw.idle.user_id, nsw.idle_teammate.user_id}


def test_a_long_summary_names_the_first_members_and_counts_the_rest(world, monkeypatch, settings):
    monkeypatch.setattr("apps.stats.reminders._NAMES_SHOWN", 1)
    f.MemberFactory(branch=world.branch, user__name="甲党员")
    f.MemberFactory(branch=world.branch, user__name="乙党员")  # sorts first (by name)
    approved_service(world, world.member, at(2025, 5, 10, 9))

    run("members_remind_no_service", at(2025, 6, 1, 9))

    body = notes(world.secretary, "branch_no_service_summary").get().body
    with translation.override(settings.LANGUAGE_CODE):
        assert gettext("%(names)s and %(n)d more") % {"names": "乙党员", "n": 1} in body
    assert "甲党员" not in body


# --- weekly: not registered -------------------------------------------------------------------------------------


def test_unregistered_members_are_reminded_once_per_iso_week(world):
    f.RegistrationFactory(member=world.member, grid=world.grid)
    f.RegistrationFactory(
        member=world.other_member, grid=world.other_grid, status=RegistrationStatus.PENDING, receipt_number=None
    )
    unregistered = [f.MemberFactory(branch=world.branch) for _ in range(2)]
    moved = f.MemberFactory(branch=world.branch)
    f.RegistrationFactory(member=moved, grid=world.grid, status=RegistrationStatus.MOVED, receipt_number=None)
    unregistered.append(moved)
    inactive = f.MemberFactory(branch=world.branch)
    Member.objects.filter(pk=inactive.pk).update(is_active=False)
    monday = at(2025, 5, 5, 9, 30)

    assert run("members_remind_unregistered", monday) == 3

    reminded = set(notes(kind="unregistered").values_list("user_id", flat=True))
    assert reminded == {m.user_id for m in unregistered}
    assert notes(kind="unregistered").first().dedupe_key == "unregistered:2025-W19"
    # Later the same week (a retry, a late run): nothing again. The next week: again.
    assert_second_run_changes_nothing("members_remind_unregistered", monday + timedelta(days=6, hours=14))
    assert run("members_remind_unregistered", monday + timedelta(days=7)) == 3


def test_reminder_week_is_the_local_iso_week():
    assert reminder_week(at(2025, 5, 11, 23, 59)) == "2025-W19"  # Sunday night, Shanghai time
    assert reminder_week(at(2025, 5, 12, 0, 1)) == "2025-W20"
    assert reminder_week(at(2024, 12, 30, 9)) == "2025-W01"


# --- the job history --------------------------------------------------------------------------------------------


def test_pruning_deletes_runs_older_than_the_history_keeps(settings):
    settings.JOB_HISTORY_DAYS = 90
    old = [JobRun.objects.create(job="wish_expire", started_at=NOW - timedelta(days=d)) for d in (400, 91)]
    kept = [JobRun.objects.create(job="wish_expire", started_at=NOW - timedelta(days=d)) for d in (89, 0)]

    assert run("job_runs_prune") == 2

    remaining = set(JobRun.objects.filter(job="wish_expire").values_list("pk", flat=True))
    assert remaining == {r.pk for r in kept}
    assert not remaining & {r.pk for r in old}
    assert run("job_runs_prune") == 0


def test_a_history_of_zero_days_keeps_every_run(settings):
    settings.JOB_HISTORY_DAYS = 0
    JobRun.objects.create(job="wish_expire", started_at=NOW - timedelta(days=4000))
    assert run("job_runs_prune") == 0
    assert JobRun.objects.filter(job="wish_expire").exists()


def test_pruning_deletes_one_time_codes_sent_more_than_a_day_ago(settings):
    from apps.accounts.models import CodePurpose, OneTimeCode

    settings.OTP_TTL_MINUTES = 10

    def code(age):
        sent = NOW - age
        return OneTimeCode.objects.create(
            phone="18600000001",
            purpose=CodePurpose.SET_PASSWORD,
            code_hash="x",
            created_at=sent,
            expires_at=sent + timedelta(minutes=10),
        )

    old = [code(timedelta(days=30)), code(timedelta(days=1, seconds=1))]
    kept = [code(timedelta(hours=23)), code(timedelta(0))]  # the hourly limits still count the newest
    assert run("codes_prune") == 2
    assert set(OneTimeCode.objects.values_list("pk", flat=True)) == {c.pk for c in kept}
    assert not OneTimeCode.objects.filter(pk__in=[c.pk for c in old]).exists()
    assert run("codes_prune") == 0
    # A lifetime longer than a day keeps the code until it has run out.
    settings.OTP_TTL_MINUTES = 48 * 60
    code(timedelta(days=1, hours=1))
    assert run("codes_prune") == 0
