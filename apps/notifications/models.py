"""The in-app notification centre: one row per message to one user; e-mail is a second channel recorded here."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class NotificationKind(models.TextChoices):
    # The values are a contract shared with the scheduler's jobs (apps/jobs): never rename one.
    WISH_CLAIM_DUE = "wish_claim_due", _("Wish claim due soon")
    ACTIVITY_STARTING = "activity_starting", _("Activity starting soon")
    NO_SERVICE_QUARTER = "no_service_quarter", _("No service this quarter")
    BRANCH_NO_SERVICE_SUMMARY = "branch_no_service_summary", _("Branch members without service")
    UNREGISTERED = "unregistered", _("Not registered with a community")
    WISH_CLAIMED = "wish_claimed", _("Wish claimed")
    SIGNUP_PROMOTED = "signup_promoted", _("Promoted from the waitlist")
    RECORD_APPROVED = "record_approved", _("Service record approved")
    REGISTRATION_CONFIRMED = "registration_confirmed", _("Registration confirmed")
    JOB_FAILED = "job_failed", _("Scheduled job failed")
    # Beyond the fixed list: the scheduler's "release overdue claims" and "expire wishes" jobs may tell people.
    CLAIM_RELEASED = "claim_released", _("Wish claim released")
    WISH_EXPIRED = "wish_expired", _("Wish expired")
    # A resident's request (居民点单) came in: to the worker of its grid, or the community's staff.
    RESIDENT_REQUEST_RECEIVED = "resident_request_received", _("Resident request received")
    # A household pairing (结对帮扶) without a visit: to the paired member (a team: its leader), later to the staff.
    HOUSEHOLD_VISIT_DUE = "household_visit_due", _("Household visit due")
    HOUSEHOLD_VISIT_OVERDUE = "household_visit_overdue", _("Household visit overdue")
    # Volunteer teams: a member signed up by the team's leader, or whose team sign-up was cancelled with the team;
    # the team's managers when its leader left it (the team claims and signs up nothing until a new one is set).
    TEAM_SIGNED_UP = "team_signed_up", _("Signed up by the team's leader")
    TEAM_SIGNUP_CANCELLED = "team_signup_cancelled", _("Team sign-up cancelled")
    TEAM_NEEDS_LEADER = "team_needs_leader", _("Volunteer team needs a leader")
    # The latest seal of the ledger, every morning to the district administrators and the superusers: a copy of it
    # outside the database (docs/ledger-seals.md).
    LEDGER_SEAL = "ledger_seal", _("Daily ledger seal")


class SubjectType(models.TextChoices):
    """What a notification is about. With `subject_id` (and `subject_params` where one object is not enough) it lets
    each face lead the recipient to its own address of the thing: apps/notifications/links.py."""

    WISH = "wish", _("Micro-wish")
    ACTIVITY = "activity", _("Activity")
    REGISTRATION = "registration", _("Registration")
    # A party organization's members without service over a period (params: start, end).
    ZERO_SERVICE = "zero_service", _("Zero-service members")
    # A scheduled job's runs (params: job, and outcome when only the failed runs matter).
    JOB_RUNS = "job_runs", _("Job runs")
    RESIDENT_REQUEST = "resident_request", _("Resident request")
    # A household pairing (params: household, the household's id, for the staff's page).
    HOUSEHOLD_PAIRING = "household_pairing", _("Household pairing")
    TEAM = "team", _("Volunteer team")


class Notification(models.Model):
    """A message to one user. Created only through apps.notifications.services.notify / notify_many."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications", verbose_name=_("user")
    )
    kind = models.CharField(_("kind"), max_length=40, choices=NotificationKind.choices)
    title = models.CharField(_("title"), max_length=200)
    # System-written (the events' and reminders' sentences, a branch's list of up to 100 names): longer is cut, "…".
    body = models.TextField(_("body"), max_length=10_000, blank=True)
    # What the message is about: no URL is stored, each face builds its own (apps/notifications/links.py).
    subject_type = models.CharField(_("subject type"), max_length=20, choices=SubjectType.choices, blank=True)
    subject_id = models.PositiveBigIntegerField(_("subject id"), null=True, blank=True)
    subject_params = models.JSONField(_("subject parameters"), default=dict, blank=True)
    # One event, one message: a second notify with the same (user, dedupe_key) is a no-op.
    dedupe_key = models.CharField(_("deduplication key"), max_length=120, null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    emailed_at = models.DateTimeField(_("e-mailed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "read_at", "created_at"], name="notification_inbox")]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "dedupe_key"],
                condition=Q(dedupe_key__isnull=False),
                name="notification_unique_dedupe_key_per_user",
            ),
        ]

    def __str__(self):
        return f"{self.user_id} · {self.kind} · {self.title}"

    @property
    def is_read(self):
        return self.read_at is not None
