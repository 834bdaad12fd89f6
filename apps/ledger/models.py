"""The hours ledger (ServiceRecord, append-only once approved) and the audit trail of every state change."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from apps.core.models import BaseModel
from apps.ledger.audit_labels import action_label, subject_type_label


class AuditEntry(models.Model):
    """One state change of a wish, sign-up, record, registration...: who, when, before, after, why. Append-only."""

    at = models.DateTimeField(_("at"), db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("actor"),
    )  # null: the system (a scheduled job)
    subject_type = models.CharField(_("subject type"), max_length=40)
    subject_id = models.PositiveBigIntegerField(_("subject id"))
    action = models.CharField(_("action"), max_length=40)
    before = models.JSONField(_("before"), null=True, blank=True)
    after = models.JSONField(_("after"), null=True, blank=True)
    # Longer than any reason a service accepts (200): the services refuse a longer one before it gets here.
    reason = models.CharField(_("reason"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit entries")
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["subject_type", "subject_id", "at"])]

    def __str__(self):
        return f"{subject_type_label(self.subject_type)} #{self.subject_id} · {action_label(self.action)}"


class ServiceSource(models.TextChoices):
    WISH = "wish", _("Micro-wish")
    ACTIVITY = "activity", _("Volunteer activity")
    MANUAL = "manual", _("Manual entry by staff")
    SELF = "self", _("Self-registered service")


# Sources whose every original record is a service of its own (a lone manual entry, a member's self-registered
# service); a manual entry for several members shares an `occasion`, a wish's or an activity's records their source.
LONE_SOURCES = (ServiceSource.MANUAL, ServiceSource.SELF)


class ServiceCategory(models.TextChoices):
    """What a service was, whatever its source: the categories of activities (apps.activities.models.ActivityCategory)
    and of micro-wishes (apps.wishes.models.WishCategory) together, with their labels, so a record takes its
    activity's or wish's category as it is; a manual entry is given one by the staff who enter it."""

    CLEAN_UP = "clean_up", _("Environment clean-up")
    NIGHT_PATROL = "night_patrol", _("Night patrol")
    CARE_VISIT = "care_visit", _("Care visits")
    POLICY_TALK = "policy_talk", _("Policy talks")
    CIVILITY = "civility", _("Civilization drive")
    STUDY = "study", _("Study support")
    ELDERLY = "elderly", _("Elderly care")
    DISABILITY = "disability", _("Disability support")
    DAILY = "daily", _("Daily needs")
    OTHER = "other", _("Other")


class RecordStatus(models.TextChoices):
    PENDING = "pending", _("Pending approval")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")


class ServiceRecord(BaseModel):
    """One member's service. Keeps the member's organ and branch *at the time of service*.

    An approved record is never edited: a correction is a new row with `amends` set, whose minutes and residents
    are deltas (may be negative) added to the original. Statistics count services as rows with `amends` null (the
    records of one manual `occasion` as one) and sum minutes and residents over all approved rows.
    """

    member = models.ForeignKey(
        "orgs.Member", on_delete=models.PROTECT, related_name="service_records", verbose_name=_("member")
    )
    organ = models.ForeignKey("orgs.Organ", on_delete=models.PROTECT, related_name="+", verbose_name=_("organ"))
    branch = models.ForeignKey("orgs.PartyOrg", on_delete=models.PROTECT, related_name="+", verbose_name=_("branch"))
    community = models.ForeignKey(
        "places.Community", on_delete=models.PROTECT, related_name="+", verbose_name=_("community")
    )
    grid = models.ForeignKey(
        "places.Grid", null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("grid")
    )
    # The volunteer team (志愿服务队) the member served as, when the service was the team's: a wish the team claimed,
    # an activity the team signed up for, a service registered for the team. The member was in the team that day.
    # An amendment carries its original's.
    team = models.ForeignKey(
        "teams.Team",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="service_records",
        verbose_name=_("volunteer team"),
    )
    source = models.CharField(_("source"), max_length=16, choices=ServiceSource.choices)
    source_id = models.PositiveBigIntegerField(_("source id"), null=True, blank=True)
    # What the service was (its activity's or wish's category; chosen by staff for a manual entry); an amendment
    # carries its original's.
    category = models.CharField(_("category"), max_length=16, choices=ServiceCategory.choices)
    content = models.CharField(_("service content"), max_length=200)
    started_at = models.DateTimeField(_("started at"))
    ended_at = models.DateTimeField(_("ended at"))
    credited_minutes = models.IntegerField(_("credited minutes"))
    residents_served = models.IntegerField(_("residents served"), default=0)
    status = models.CharField(_("status"), max_length=16, choices=RecordStatus.choices, default=RecordStatus.PENDING)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True, db_index=True)  # sealing follows it
    decision_reason = models.CharField(_("reason"), max_length=200, blank=True)
    amends = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="amendments", verbose_name=_("amends")
    )
    # One occasion entered for several members together (record_create_manual_group) carries the same value on each
    # of their records, so that the statistics count it as one service; null on a record entered alone, on wish and
    # activity records (their source_id groups them) and on amendments (they are no services).
    occasion = models.UUIDField(_("occasion"), null=True, blank=True, db_index=True)

    class Meta:
        verbose_name = _("service record")
        verbose_name_plural = _("service records")
        ordering = ["-started_at", "-id"]
        indexes = [
            models.Index(fields=["member", "status", "started_at"]),
            models.Index(fields=["organ", "status", "started_at"]),
            models.Index(fields=["community", "status", "started_at"]),
            models.Index(fields=["source", "source_id"]),
            models.Index(fields=["team", "status", "started_at"]),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(ended_at__gte=F("started_at")), name="record_ends_after_start"),
            models.CheckConstraint(
                condition=Q(amends__isnull=False) | Q(credited_minutes__gte=0, residents_served__gte=0),
                name="record_original_figures_not_negative",
            ),
            # One live original record per member per source object (a wish or a sign-up credits once); a
            # rejected record does not block a corrected one, e.g. after the member's dispute.
            models.UniqueConstraint(
                fields=["member", "source", "source_id"],
                condition=Q(amends__isnull=True, source_id__isnull=False) & ~Q(status="rejected"),
                name="one_record_per_member_and_source",
            ),
        ]

    def __str__(self):
        return f"{self.member} · {self.content} · {self.credited_minutes} min"


class SelfService(BaseModel):
    """A service a member registered themself (服务登记): where it was done and an optional photo. Its service
    record (source "self", source_id this row) holds the times, content, category and residents, and waits for the
    staff of the community where it was done, who approve, adjust or reject it as any record."""

    member = models.ForeignKey(
        "orgs.Member", on_delete=models.PROTECT, related_name="self_services", verbose_name=_("member")
    )
    place = models.CharField(_("place"), max_length=100)
    photo = models.FileField(_("photo"), upload_to="services/%Y/%m/", blank=True)
    # The volunteer team the member served as, if any (its record carries it too).
    team = models.ForeignKey(
        "teams.Team",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="self_services",
        verbose_name=_("volunteer team"),
    )

    class Meta:
        verbose_name = _("self-registered service")
        verbose_name_plural = _("self-registered services")
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"{self.member} · {self.place}"


class Certificate(BaseModel):
    """A volunteer service certificate (志愿服务证明) issued for a member's approved service in a period.

    The figures are a snapshot at issue time; anyone can check the certificate by its verification code. A revoked
    certificate keeps its row (and its figures): the check then says it is revoked, when and why.
    """

    number = models.CharField(_("certificate number"), max_length=32, unique=True)
    verification_code = models.CharField(_("verification code"), max_length=32, unique=True)
    member = models.ForeignKey("orgs.Member", on_delete=models.PROTECT, related_name="certificates")
    period_start = models.DateField(_("from"))
    period_end = models.DateField(_("until"))
    issued_at = models.DateTimeField(_("issued at"))
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    issuer_name = models.CharField(_("issuer"), max_length=100)
    issuer_contact = models.CharField(_("issuer contact"), max_length=100, blank=True)
    total_minutes = models.PositiveIntegerField(_("total minutes"))
    record_count = models.PositiveIntegerField(_("services"))
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("revoked by"),
    )
    revocation_reason = models.CharField(_("reason for revocation"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("service certificate")
        verbose_name_plural = _("service certificates")
        ordering = ["-issued_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(period_end__gte=F("period_start")), name="certificate_period_ordered"),
            models.CheckConstraint(
                condition=Q(revoked_at__isnull=True) | ~Q(revocation_reason=""),
                name="certificate_revocation_has_reason",
            ),
        ]

    def __str__(self):
        return self.number

    @property
    def is_revoked(self):
        return self.revoked_at is not None
