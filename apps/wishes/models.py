"""Residents' micro-wishes (微心愿), their claims and the members who fulfilled a group claim."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from apps.core.models import BaseModel
from apps.core.text import DESCRIPTION_MAX, NOTE_MAX


class WishStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PENDING_REVIEW = "pending_review", _("Pending verification")
    PUBLISHED = "published", _("Published")
    CLAIMED = "claimed", _("Claimed")
    FULFILLED = "fulfilled", _("Fulfilled")
    CONFIRMED = "confirmed", _("Confirmed")
    EXPIRED = "expired", _("Expired")
    CANCELLED = "cancelled", _("Cancelled")


OPEN_WISH_STATUSES = (
    WishStatus.DRAFT,
    WishStatus.PENDING_REVIEW,
    WishStatus.PUBLISHED,
    WishStatus.CLAIMED,
    WishStatus.FULFILLED,
)


class WishCategory(models.TextChoices):
    STUDY = "study", _("Study support")
    ELDERLY = "elderly", _("Elderly care")
    DISABILITY = "disability", _("Disability support")
    DAILY = "daily", _("Daily needs")
    OTHER = "other", _("Other")


class WishForm(models.TextChoices):
    MATERIAL = "material", _("Material")
    NON_MATERIAL = "non_material", _("Non-material (e.g. a visit)")


class Beneficiary(models.TextChoices):
    INDIVIDUAL = "individual", _("One resident")
    GROUP = "group", _("A group of residents")


class Wish(BaseModel):
    community = models.ForeignKey(
        "places.Community", on_delete=models.PROTECT, related_name="wishes", verbose_name=_("community")
    )
    grid = models.ForeignKey("places.Grid", on_delete=models.PROTECT, related_name="wishes", verbose_name=_("grid"))
    title = models.CharField(_("title"), max_length=100)
    story = models.TextField(_("story"), max_length=DESCRIPTION_MAX, blank=True)
    category = models.CharField(_("category"), max_length=16, choices=WishCategory.choices)
    form = models.CharField(_("form"), max_length=16, choices=WishForm.choices, default=WishForm.MATERIAL)
    beneficiary = models.CharField(_("for"), max_length=16, choices=Beneficiary.choices, default=Beneficiary.INDIVIDUAL)
    residents_count = models.PositiveIntegerField(_("residents served"), default=1)
    estimated_value = models.DecimalField(_("estimated value (yuan)"), max_digits=8, decimal_places=2, default=0)
    resident_name = models.CharField(_("resident's name"), max_length=50)
    resident_phone = models.CharField(_("resident's phone"), max_length=20, blank=True)
    resident_address = models.CharField(_("resident's address"), max_length=200, blank=True)
    deadline = models.DateTimeField(_("deadline"))
    photo = models.FileField(_("photo"), upload_to="wishes/%Y/%m/", blank=True)
    status = models.CharField(_("status"), max_length=16, choices=WishStatus.choices, default=WishStatus.DRAFT)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("created by")
    )
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("verified by"),
    )
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    fulfilled_at = models.DateTimeField(_("fulfilled at"), null=True, blank=True)
    fulfil_note = models.TextField(_("fulfilment note"), max_length=NOTE_MAX, blank=True)
    fulfil_photo = models.FileField(_("fulfilment photo"), upload_to="wishes/%Y/%m/", blank=True)
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("confirmed by"),
    )
    rating = models.PositiveSmallIntegerField(_("rating"), null=True, blank=True)
    rating_comment = models.CharField(_("comment"), max_length=200, blank=True)
    closed_reason = models.CharField(_("reason"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("micro-wish")
        verbose_name_plural = _("micro-wishes")
        ordering = ["deadline", "id"]
        indexes = [
            models.Index(fields=["community", "status", "deadline"]),
            models.Index(fields=["grid", "status"]),
            models.Index(fields=["status", "deadline"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(rating__isnull=True) | Q(rating__gte=1, rating__lte=5), name="wish_rating_1_to_5"
            ),
            models.CheckConstraint(condition=Q(estimated_value__gte=0), name="wish_value_not_negative"),
        ]

    def __str__(self):
        return self.title


class ClaimStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    RELEASED = "released", _("Released")
    COMPLETED = "completed", _("Completed")


# An open claim is one the claimant still has to fulfil: active (the wish is claimed). Reporting the wish fulfilled
# completes the claim, which stays completed once the community confirms; giving it back, having it revoked or letting
# its deadline pass releases it. Open claims are what WISH_MAX_OPEN_CLAIMS counts and what `my-claims/?active=true`
# lists.
OPEN_CLAIM_STATUSES = (ClaimStatus.ACTIVE,)


class WishClaim(BaseModel):
    """A claim on a wish by one member, or as a group by a branch or a volunteer team (exactly one of the three). At
    most one active claim per wish (DB-enforced)."""

    wish = models.ForeignKey(Wish, on_delete=models.PROTECT, related_name="claims", verbose_name=_("micro-wish"))
    member = models.ForeignKey(
        "orgs.Member", null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("member")
    )
    branch = models.ForeignKey(
        "orgs.PartyOrg", null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("branch")
    )
    team = models.ForeignKey(
        "teams.Team",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="wish_claims",
        verbose_name=_("volunteer team"),
    )
    claimed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("claimed by")
    )
    claimed_at = models.DateTimeField(_("claimed at"))
    claim_deadline = models.DateTimeField(_("fulfil by"))
    status = models.CharField(_("status"), max_length=16, choices=ClaimStatus.choices, default=ClaimStatus.ACTIVE)
    released_at = models.DateTimeField(_("released at"), null=True, blank=True)
    release_reason = models.CharField(_("release reason"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("wish claim")
        verbose_name_plural = _("wish claims")
        ordering = ["-claimed_at", "-id"]
        indexes = [
            models.Index(fields=["member", "status"]),
            models.Index(fields=["team", "status"]),
            models.Index(fields=["status", "claim_deadline"]),
        ]
        constraints = [
            models.UniqueConstraint(fields=["wish"], condition=Q(status="active"), name="one_active_claim_per_wish"),
            models.CheckConstraint(
                condition=Q(member__isnull=False, branch__isnull=True, team__isnull=True)
                | Q(member__isnull=True, branch__isnull=False, team__isnull=True)
                | Q(member__isnull=True, branch__isnull=True, team__isnull=False),
                name="claim_by_member_branch_or_team",
            ),
        ]

    def __str__(self):
        return f"{self.wish} · {self.member or self.branch or self.team}"

    @property
    def is_group(self):
        """Claimed by a branch or a team: the members who took part are named when it is reported fulfilled."""
        return self.member_id is None


class WishParticipant(models.Model):
    """A member who took part in fulfilling a group (branch or team) claim; each gets a service record on
    confirmation."""

    claim = models.ForeignKey(
        WishClaim, on_delete=models.CASCADE, related_name="participants", verbose_name=_("wish claim")
    )
    member = models.ForeignKey("orgs.Member", on_delete=models.PROTECT, related_name="+", verbose_name=_("member"))

    class Meta:
        verbose_name = _("wish participant")
        verbose_name_plural = _("wish participants")
        constraints = [models.UniqueConstraint(fields=["claim", "member"], name="participant_once_per_claim")]

    def __str__(self):
        return f"{self.member} @ {self.claim_id}"
