"""Household pairing (结对帮扶): households in need that community staff record (only with their consent), the
members or volunteer teams paired with them, and the visits the paired volunteers register as services."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from apps.core.models import BaseModel
from apps.core.text import DESCRIPTION_MAX, REASON_MAX


class HouseholdSituation(models.TextChoices):
    ELDERLY_ALONE = "elderly_alone", _("Elderly living alone")
    SUBSISTENCE = "subsistence", _("Subsistence allowance")
    DISABILITY = "disability", _("Disability")
    CHILDREN = "children", _("Children in difficulty")
    SERIOUS_ILLNESS = "serious_illness", _("Serious illness")
    OTHER = "other", _("Other")


class HouseholdStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    CLOSED = "closed", _("Closed")


class Household(BaseModel):
    """A household in need in a community. Recorded only with its consent: who noted it and on which day."""

    community = models.ForeignKey(
        "places.Community", on_delete=models.PROTECT, related_name="households", verbose_name=_("community")
    )
    grid = models.ForeignKey(
        "places.Grid",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="households",
        verbose_name=_("grid"),
    )
    head_name = models.CharField(_("head of household"), max_length=50)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    address = models.CharField(_("address"), max_length=100)
    situation = models.CharField(_("situation"), max_length=20, choices=HouseholdSituation.choices)
    notes = models.TextField(_("notes"), max_length=DESCRIPTION_MAX, blank=True)
    consent_on = models.DateField(_("consent given on"))
    consent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("consent noted by")
    )
    status = models.CharField(
        _("status"), max_length=16, choices=HouseholdStatus.choices, default=HouseholdStatus.ACTIVE
    )
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    closed_reason = models.CharField(_("reason for closing"), max_length=REASON_MAX, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("created by"),
    )

    class Meta:
        verbose_name = _("household")
        verbose_name_plural = _("households")
        ordering = ["community_id", "status", "head_name", "id"]
        indexes = [models.Index(fields=["community", "status"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(status="active", closed_at__isnull=True) | Q(status="closed", closed_at__isnull=False),
                name="household_closed_has_date",
            ),
        ]

    def __str__(self):
        return f"{self.head_name} · {self.address}"

    @property
    def is_active(self):
        return self.status == HouseholdStatus.ACTIVE


class HouseholdPairing(BaseModel):
    """A member, or a volunteer team, paired with a household from `started_on` until `ended_on` (open: empty)."""

    household = models.ForeignKey(
        Household, on_delete=models.PROTECT, related_name="pairings", verbose_name=_("household")
    )
    member = models.ForeignKey(
        "orgs.Member",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="household_pairings",
        verbose_name=_("member"),
    )
    team = models.ForeignKey(
        "teams.Team",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="household_pairings",
        verbose_name=_("volunteer team"),
    )
    started_on = models.DateField(_("started on"))
    ended_on = models.DateField(_("ended on"), null=True, blank=True)
    end_reason = models.CharField(_("reason for ending"), max_length=REASON_MAX, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("created by"),
    )

    class Meta:
        verbose_name = _("household pairing")
        verbose_name_plural = _("household pairings")
        ordering = ["household_id", "-started_on", "id"]
        indexes = [models.Index(fields=["member", "ended_on"]), models.Index(fields=["team", "ended_on"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(member__isnull=False, team__isnull=True) | Q(member__isnull=True, team__isnull=False),
                name="household_pairing_member_or_team",
            ),
            models.UniqueConstraint(
                fields=["household", "member"],
                condition=Q(ended_on__isnull=True, member__isnull=False),
                name="one_open_pairing_per_household_member",
            ),
            models.UniqueConstraint(
                fields=["household", "team"],
                condition=Q(ended_on__isnull=True, team__isnull=False),
                name="one_open_pairing_per_household_team",
            ),
        ]

    def __str__(self):
        return f"{self.household} · {self.member or self.team}"

    @property
    def is_open(self):
        return self.ended_on is None


class HouseholdVisit(BaseModel):
    """A visit registered by the paired member (or a member of the paired team): a self-registered service
    (apps.ledger.SelfService, category care_visit) that the community's staff decide like any other."""

    pairing = models.ForeignKey(
        HouseholdPairing, on_delete=models.PROTECT, related_name="visits", verbose_name=_("household pairing")
    )
    self_service = models.OneToOneField(
        "ledger.SelfService", on_delete=models.PROTECT, related_name="household_visit", verbose_name=_("service")
    )

    class Meta:
        verbose_name = _("household visit")
        verbose_name_plural = _("household visits")
        ordering = ["-id"]

    def __str__(self):
        return f"{self.pairing} · {self.self_service_id}"
