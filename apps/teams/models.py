"""Volunteer teams (志愿服务队): formed by an organ (or one of its Party organizations) around a specialty, led by one
of their members; members apply and the leader accepts. Memberships keep when a member joined and left, so that a
service can later be attributed to the teams its member served in at that moment."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from apps.core.models import BaseModel
from apps.core.text import DESCRIPTION_MAX, REASON_MAX


class TeamSpecialty(models.TextChoices):
    MEDICAL = "medical", _("Medical and health")
    LEGAL = "legal", _("Legal advice")
    REPAIRS = "repairs", _("Repairs")
    TUTORING = "tutoring", _("Tutoring")
    ELDERLY_CARE = "elderly_care", _("Elderly care")
    CULTURE = "culture", _("Culture and sports")
    ENVIRONMENT = "environment", _("Environment and clean-up")
    OTHER = "other", _("Other")


class TeamStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    DISSOLVED = "dissolved", _("Dissolved")


class Team(BaseModel):
    organ = models.ForeignKey("orgs.Organ", on_delete=models.PROTECT, related_name="teams", verbose_name=_("organ"))
    # The Party organization that formed the team (a branch, or any Party org of the organ); empty: the organ itself.
    party_org = models.ForeignKey(
        "orgs.PartyOrg",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="teams",
        verbose_name=_("formed by"),
    )
    name = models.CharField(_("name"), max_length=100)
    specialty = models.CharField(_("specialty"), max_length=20, choices=TeamSpecialty.choices)
    description = models.TextField(_("description"), max_length=DESCRIPTION_MAX, blank=True)
    # An active member of the team (the services keep it so), or empty: the leader left the organ or the service
    # (apps.teams.services.team_memberships_end) and the team waits for its managers to set a new one; until then it
    # claims no wishes and signs nobody up, for only its leader does.
    leader = models.ForeignKey(
        "orgs.Member", null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("leader")
    )
    status = models.CharField(_("status"), max_length=16, choices=TeamStatus.choices, default=TeamStatus.ACTIVE)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("created by"),
    )
    dissolved_at = models.DateTimeField(_("dissolved at"), null=True, blank=True)
    dissolved_reason = models.CharField(_("reason for dissolving"), max_length=REASON_MAX, blank=True)

    class Meta:
        verbose_name = _("volunteer team")
        verbose_name_plural = _("volunteer teams")
        ordering = ["organ_id", "name", "id"]
        indexes = [models.Index(fields=["organ", "status"])]
        constraints = [
            models.UniqueConstraint(fields=["organ", "name"], name="team_name_unique_in_organ"),
            models.CheckConstraint(
                condition=Q(status="active", dissolved_at__isnull=True)
                | Q(status="dissolved", dissolved_at__isnull=False),
                name="team_dissolved_has_date",
            ),
        ]

    def __str__(self):
        return self.name

    @property
    def is_active(self):
        return self.status == TeamStatus.ACTIVE

    @property
    def needs_leader(self):
        """An active team whose leader left it (see `leader`)."""
        return self.is_active and self.leader_id is None


class MembershipStatus(models.TextChoices):
    APPLIED = "applied", _("Applied")
    ACTIVE = "active", _("Member")
    DECLINED = "declined", pgettext_lazy("team application", "Declined")
    LEFT = "left", _("Left")
    REMOVED = "removed", _("Removed")
    ENDED = "ended", _("Team dissolved")


# A membership still open: an application waiting for the leader, or a member in the team. One per team and member.
OPEN_MEMBERSHIP_STATUSES = (MembershipStatus.APPLIED, MembershipStatus.ACTIVE)


class TeamMembership(BaseModel):
    """One member's application to and time in a team. A new application after leaving is a new row, so the rows of
    a member and team are their history; `joined_at` / `left_at` say when they were an active member."""

    team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="memberships", verbose_name=_("team"))
    member = models.ForeignKey(
        "orgs.Member", on_delete=models.PROTECT, related_name="team_memberships", verbose_name=_("member")
    )
    status = models.CharField(_("status"), max_length=16, choices=MembershipStatus.choices)
    applied_at = models.DateTimeField(_("applied at"), null=True, blank=True)  # empty: made a member (the leader)
    joined_at = models.DateTimeField(_("joined at"), null=True, blank=True)
    left_at = models.DateTimeField(_("left at"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    reason = models.CharField(_("reason"), max_length=REASON_MAX, blank=True)

    class Meta:
        verbose_name = _("team membership")
        verbose_name_plural = _("team memberships")
        ordering = ["team_id", "-joined_at", "id"]
        indexes = [models.Index(fields=["member", "status"]), models.Index(fields=["team", "status"])]
        constraints = [
            models.UniqueConstraint(
                fields=["team", "member"],
                condition=Q(status__in=["applied", "active"]),
                name="one_open_membership_per_team_member",
            ),
            # Active: joined and not left. Applied or declined: never joined. Left: joined and left, or an
            # application withdrawn (never joined). Removed or ended with the team: joined and left.
            models.CheckConstraint(
                condition=Q(status="active", joined_at__isnull=False, left_at__isnull=True)
                | Q(status__in=["applied", "declined"], joined_at__isnull=True, left_at__isnull=True)
                | Q(status="left", joined_at__isnull=True, left_at__isnull=True)
                | Q(status__in=["left", "removed", "ended"], joined_at__isnull=False, left_at__isnull=False),
                name="team_membership_dates_match_status",
            ),
            models.CheckConstraint(
                condition=Q(left_at__isnull=True) | Q(left_at__gte=F("joined_at")),
                name="team_membership_dates_ordered",
            ),
        ]

    def __str__(self):
        return f"{self.team} · {self.member}"
