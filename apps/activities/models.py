"""Volunteer activities (志愿服务活动), members' sign-ups with a waitlist, and their attendance."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from apps.core.models import BaseModel
from apps.core.text import DESCRIPTION_MAX


class ActivityStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    OPEN = "open", _("Open for sign-up")
    CLOSED = "closed", _("Sign-up closed")
    FINISHED = "finished", _("Finished")
    CANCELLED = "cancelled", _("Cancelled")


class ActivityCategory(models.TextChoices):
    CLEAN_UP = "clean_up", _("Environment clean-up")
    NIGHT_PATROL = "night_patrol", _("Night patrol")
    CARE_VISIT = "care_visit", _("Care visits")
    POLICY_TALK = "policy_talk", _("Policy talks")
    CIVILITY = "civility", _("Civilization drive")
    OTHER = "other", _("Other")


class Audience(models.TextChoices):
    RESIDENTS = "residents", _("Members registered in the community")
    PAIRED = "paired", _("Registered members and members of paired organs")
    ANYONE = "anyone", _("Any member")


class ActivitySeries(BaseModel):
    """Activities created together as a recurring series (e.g. a weekly night patrol)."""

    title = models.CharField(_("title"), max_length=100)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("created by")
    )

    class Meta:
        verbose_name = _("activity series")
        verbose_name_plural = _("activity series")

    def __str__(self):
        return self.title


class Activity(BaseModel):
    community = models.ForeignKey(
        "places.Community", on_delete=models.PROTECT, related_name="activities", verbose_name=_("community")
    )
    grid = models.ForeignKey(
        "places.Grid", null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("grid")
    )
    series = models.ForeignKey(
        ActivitySeries,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="activities",
        verbose_name=_("activity series"),
    )
    # A branch secretary may organize for a community their organ is paired with.
    organizer_party_org = models.ForeignKey(
        "orgs.PartyOrg",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="activities",
        verbose_name=_("organizing Party organization"),
    )
    # A volunteer team organizing the activity as a group (shown on the activity; it grants no organizer rights).
    # Its organ must be paired with the community when it is chosen (services.activity_create / activity_update).
    organizer_team = models.ForeignKey(
        "teams.Team",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="organized_activities",
        verbose_name=_("organizing volunteer team"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("created by")
    )
    title = models.CharField(_("title"), max_length=100)
    description = models.TextField(_("description"), max_length=DESCRIPTION_MAX, blank=True)
    category = models.CharField(_("category"), max_length=16, choices=ActivityCategory.choices)
    address = models.CharField(_("place"), max_length=200)
    latitude = models.FloatField(_("latitude (WGS-84)"))
    longitude = models.FloatField(_("longitude (WGS-84)"))
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    signup_deadline = models.DateTimeField(_("sign-up deadline"))
    capacity = models.PositiveIntegerField(_("places"))
    # Confirmed (non-waitlisted) sign-ups, kept with every sign-up change; the check constraint makes
    # over-filling impossible even if two transactions race (SQLite has no row locks).
    confirmed_count = models.PositiveIntegerField(default=0, editable=False, verbose_name=_("confirmed sign-ups"))
    audience = models.CharField(_("who may sign up"), max_length=16, choices=Audience.choices, default=Audience.PAIRED)
    status = models.CharField(_("status"), max_length=16, choices=ActivityStatus.choices, default=ActivityStatus.DRAFT)
    residents_served = models.PositiveIntegerField(_("residents served"), default=0)
    # Secret for the rotating on-site check-in code (HMAC of the time window); never sent to members.
    checkin_secret = models.CharField(max_length=64, editable=False, verbose_name=_("check-in secret"))
    closed_reason = models.CharField(_("reason"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("activity")
        verbose_name_plural = _("activities")
        ordering = ["starts_at", "id"]
        indexes = [
            models.Index(fields=["community", "status", "starts_at"]),
            models.Index(fields=["status", "starts_at"]),
            models.Index(fields=["status", "ends_at"]),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gt=F("starts_at")), name="activity_ends_after_start"),
            models.CheckConstraint(condition=Q(capacity__gte=1), name="activity_capacity_positive"),
            models.CheckConstraint(condition=Q(confirmed_count__lte=F("capacity")), name="activity_not_overfilled"),
            models.CheckConstraint(
                condition=Q(signup_deadline__lte=F("starts_at")), name="activity_signup_closes_by_start"
            ),
        ]

    def __str__(self):
        return self.title


class SignUpStatus(models.TextChoices):
    CONFIRMED = "confirmed", _("Confirmed")
    WAITLISTED = "waitlisted", _("On the waitlist")
    CANCELLED = "cancelled", _("Cancelled")


ACTIVE_SIGNUP_STATUSES = (SignUpStatus.CONFIRMED, SignUpStatus.WAITLISTED)


class Attendance(models.TextChoices):
    PRESENT = "present", _("Present")
    LATE = "late", _("Late")
    LEAVE = "leave", _("On leave")
    ABSENT = "absent", _("Absent")


class CheckinMethod(models.TextChoices):
    POSITION = "position", _("By position")
    CODE = "code", _("By on-site code")
    STAFF = "staff", _("By staff")


class HoursStatus(models.TextChoices):
    NONE = "none", _("Not yet assessed")
    PENDING = "pending", _("Pending approval")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    DISPUTED = "disputed", _("Disputed")


class SignUp(BaseModel):
    activity = models.ForeignKey(Activity, on_delete=models.PROTECT, related_name="signups", verbose_name=_("activity"))
    member = models.ForeignKey(
        "orgs.Member", on_delete=models.PROTECT, related_name="signups", verbose_name=_("member")
    )
    status = models.CharField(_("status"), max_length=16, choices=SignUpStatus.choices)
    # The volunteer team the member was signed up with by its leader (a team sign-up), or None.
    team = models.ForeignKey(
        "teams.Team",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="signups",
        verbose_name=_("volunteer team"),
    )
    signed_up_at = models.DateTimeField(_("signed up at"))
    promoted_at = models.DateTimeField(_("promoted from the waitlist at"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    # Copies of the activity window, so overlap checks are one indexed query on the member's sign-ups.
    starts_at = models.DateTimeField(verbose_name=_("starts at"))
    ends_at = models.DateTimeField(verbose_name=_("ends at"))
    checked_in_at = models.DateTimeField(_("checked in at"), null=True, blank=True)
    checked_out_at = models.DateTimeField(_("checked out at"), null=True, blank=True)
    checkin_method = models.CharField(_("check-in method"), max_length=16, choices=CheckinMethod.choices, blank=True)
    checkin_latitude = models.FloatField(null=True, blank=True, verbose_name=_("check-in latitude"))
    checkin_longitude = models.FloatField(null=True, blank=True, verbose_name=_("check-in longitude"))
    checkin_accuracy_m = models.FloatField(null=True, blank=True, verbose_name=_("check-in accuracy (m)"))
    checkin_distance_m = models.FloatField(null=True, blank=True, verbose_name=_("check-in distance (m)"))
    checkout_missing = models.BooleanField(_("check-out missing"), default=False)
    attendance = models.CharField(_("attendance"), max_length=16, choices=Attendance.choices, blank=True)
    no_show = models.BooleanField(_("no-show"), default=False)
    credited_minutes = models.PositiveIntegerField(_("credited minutes"), null=True, blank=True)
    hours_status = models.CharField(_("hours"), max_length=16, choices=HoursStatus.choices, default=HoursStatus.NONE)
    dispute_reason = models.CharField(_("dispute reason"), max_length=200, blank=True)
    disputed_at = models.DateTimeField(_("disputed at"), null=True, blank=True)
    decision_reason = models.CharField(_("reason"), max_length=200, blank=True)
    record = models.ForeignKey(
        "ledger.ServiceRecord",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("service record"),
    )

    class Meta:
        verbose_name = _("sign-up")
        verbose_name_plural = _("sign-ups")
        ordering = ["signed_up_at", "id"]
        indexes = [
            models.Index(fields=["activity", "status", "signed_up_at"]),
            models.Index(fields=["member", "status", "starts_at"]),
            models.Index(fields=["team", "starts_at"]),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["activity", "member"],
                condition=Q(status__in=["confirmed", "waitlisted"]),
                name="one_active_signup_per_member_and_activity",
            ),
            models.CheckConstraint(
                condition=Q(checked_out_at__isnull=True) | Q(checked_in_at__isnull=False),
                name="signup_checkout_after_checkin",
            ),
        ]

    def __str__(self):
        return f"{self.member} @ {self.activity}"
