"""A member's registration with their residential community, the community's standing posts and organ pairings."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from apps.core.models import BaseModel
from apps.core.text import DESCRIPTION_MAX


class RegistrationStatus(models.TextChoices):
    PENDING = "pending", _("Pending confirmation")
    CONFIRMED = "confirmed", _("Confirmed")
    REJECTED = "rejected", _("Rejected")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    MOVED = "moved", _("Closed after moving")


ACTIVE_REGISTRATION_STATUSES = (RegistrationStatus.PENDING, RegistrationStatus.CONFIRMED)


class Registration(BaseModel):
    member = models.ForeignKey(
        "orgs.Member", on_delete=models.PROTECT, related_name="registrations", verbose_name=_("member")
    )
    community = models.ForeignKey(
        "places.Community", on_delete=models.PROTECT, related_name="registrations", verbose_name=_("community")
    )
    grid = models.ForeignKey(
        "places.Grid",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="registrations",
        verbose_name=_("grid"),
    )
    address = models.CharField(_("residential address"), max_length=200)
    latitude = models.FloatField(_("latitude (WGS-84)"))
    longitude = models.FloatField(_("longitude (WGS-84)"))
    status = models.CharField(
        _("status"), max_length=16, choices=RegistrationStatus.choices, default=RegistrationStatus.PENDING
    )
    submitted_at = models.DateTimeField(_("submitted at"))
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    reject_reason = models.CharField(_("rejection reason"), max_length=200, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    # The receipt (回执) issued on confirmation, which the member's organ sees.
    receipt_number = models.CharField(_("receipt number"), max_length=32, null=True, blank=True, unique=True)
    # The unguessable code of the public validity page the printed certificate's QR code opens (/verify/registration/
    # <code>/), drawn on confirmation; 96 random bits, so codes cannot be enumerated.
    verification_code = models.CharField(
        _("verification code"), max_length=32, null=True, blank=True, unique=True, editable=False
    )

    class Meta:
        verbose_name = _("registration")
        verbose_name_plural = _("registrations")
        ordering = ["-submitted_at", "-id"]
        indexes = [models.Index(fields=["community", "status"]), models.Index(fields=["member", "status"])]
        constraints = [
            models.UniqueConstraint(
                fields=["member"],
                condition=Q(status__in=["pending", "confirmed"]),
                name="one_active_registration_per_member",
            ),
            models.CheckConstraint(
                condition=~Q(status="confirmed") | Q(receipt_number__isnull=False, decided_at__isnull=False),
                name="confirmed_registration_has_receipt",
            ),
            models.CheckConstraint(
                condition=~Q(status="rejected") | ~Q(reject_reason=""), name="rejected_registration_has_reason"
            ),
            models.CheckConstraint(
                condition=~Q(status="confirmed") | Q(verification_code__isnull=False),
                name="confirmed_registration_has_verification_code",
            ),
        ]

    def __str__(self):
        return f"{self.member} → {self.community}"


class PostKind(models.TextChoices):
    POLICY_PROMOTER = "policy_promoter", _("Policy promoter")
    ENVIRONMENT_MONITOR = "environment_monitor", _("Environment monitor")
    SAFETY_PATROLLER = "safety_patroller", _("Safety patroller")
    CIVILITY_GUIDE = "civility_guide", _("Civility guide")
    DISPUTE_MEDIATOR = "dispute_mediator", _("Dispute mediator")
    OTHER = "other", _("Other")


class Post(BaseModel):
    """A standing post (岗位) a community sets up for registered members to claim (设岗认岗)."""

    community = models.ForeignKey(
        "places.Community", on_delete=models.PROTECT, related_name="posts", verbose_name=_("community")
    )
    kind = models.CharField(_("kind"), max_length=32, choices=PostKind.choices)
    title = models.CharField(_("title"), max_length=100)
    description = models.TextField(_("duties"), max_length=DESCRIPTION_MAX, blank=True)
    capacity = models.PositiveIntegerField(_("capacity"), null=True, blank=True, help_text=_("Empty means no limit."))
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("standing post")
        verbose_name_plural = _("standing posts")
        ordering = ["community_id", "kind", "id"]
        constraints = [models.UniqueConstraint(fields=["community", "title"], name="post_title_unique_in_community")]

    def __str__(self):
        return self.title


class PostClaim(BaseModel):
    post = models.ForeignKey(Post, on_delete=models.PROTECT, related_name="claims", verbose_name=_("standing post"))
    member = models.ForeignKey(
        "orgs.Member", on_delete=models.PROTECT, related_name="post_claims", verbose_name=_("member")
    )
    claimed_at = models.DateTimeField(_("claimed at"))
    released_at = models.DateTimeField(_("released at"), null=True, blank=True)

    class Meta:
        verbose_name = _("post claim")
        verbose_name_plural = _("post claims")
        ordering = ["post_id", "claimed_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["post", "member"], condition=Q(released_at__isnull=True), name="one_open_claim_per_post_member"
            ),
        ]

    def __str__(self):
        return f"{self.member} · {self.post}"


class Pairing(BaseModel):
    """An organ (or one of its Party orgs) paired with a community for a period (结对共建)."""

    organ = models.ForeignKey("orgs.Organ", on_delete=models.PROTECT, related_name="pairings", verbose_name=_("organ"))
    party_org = models.ForeignKey(
        "orgs.PartyOrg",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="pairings",
        verbose_name=_("Party organization"),
    )
    community = models.ForeignKey(
        "places.Community", on_delete=models.PROTECT, related_name="pairings", verbose_name=_("community")
    )
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"), null=True, blank=True)
    projects = models.TextField(_("joint projects"), max_length=DESCRIPTION_MAX, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("created by")
    )

    class Meta:
        verbose_name = _("pairing")
        verbose_name_plural = _("pairings")
        ordering = ["-starts_on", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True) | Q(ends_on__gte=F("starts_on")), name="pairing_dates_ordered"
            ),
        ]

    def __str__(self):
        return f"{self.organ} ⇄ {self.community}"


class EvaluationGrade(models.TextChoices):
    EXCELLENT = "excellent", _("Excellent")
    COMPETENT = "competent", _("Competent")
    BASICALLY_COMPETENT = "basically_competent", _("Basically competent")
    NOT_COMPETENT = "not_competent", _("Not competent")


class Evaluation(BaseModel):
    """A community's year-end assessment (社区评价) of a member registered with it, fed back to the member's organ.

    One per member, community and year; staff may revise it (every change is audited). A member who moved during
    the year can be assessed by each community they were registered with."""

    member = models.ForeignKey(
        "orgs.Member", on_delete=models.PROTECT, related_name="evaluations", verbose_name=_("member")
    )
    community = models.ForeignKey(
        "places.Community", on_delete=models.PROTECT, related_name="evaluations", verbose_name=_("community")
    )
    year = models.PositiveSmallIntegerField(_("year"))
    grade = models.CharField(_("grade"), max_length=24, choices=EvaluationGrade.choices)
    comment = models.CharField(_("comment"), max_length=500, blank=True)
    evaluated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("evaluated by")
    )
    evaluated_at = models.DateTimeField(_("evaluated at"))

    class Meta:
        verbose_name = _("community evaluation")
        verbose_name_plural = _("community evaluations")
        ordering = ["-year", "community_id", "member_id"]
        indexes = [models.Index(fields=["year", "member"])]
        constraints = [
            models.UniqueConstraint(fields=["member", "community", "year"], name="one_evaluation_per_member_year"),
        ]

    def __str__(self):
        return f"{self.year} {self.member} · {self.get_grade_display()}"
