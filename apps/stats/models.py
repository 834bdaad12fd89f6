"""Roll-up tables of the approved ledger (kept in the ledger's own transaction) and the star-level rules.

The roll-ups hold nothing the ledger does not: `apps.stats.rollups` adds every approved record's figures to them
when it is written, and `reconcile_stats` recomputes them from the ledger and reports (or fixes) any difference.
Every table is keyed by the local day of the service's start, the same day a period filter on the ledger uses.
"""

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

# The figures every roll-up row carries, all sums over approved records (amendments included). Residents served are
# not among them: they are counted once per service at every node, which no sum over rows can do (apps.stats.counting).
MEASURES = ("person_times", "minutes", "wish_services", "points")


class DayTotal(models.Model):
    """person_times: approved services (original records); minutes: their effective minutes;
    wish_services: those services written by confirmed wishes; points: the points rule applied per service."""

    day = models.DateField(_("day"))
    person_times = models.IntegerField(_("person-times"), default=0)
    minutes = models.IntegerField(_("minutes"), default=0)
    wish_services = models.IntegerField(_("wish services"), default=0)
    points = models.IntegerField(_("points"), default=0)

    class Meta:
        abstract = True

    def __str__(self):
        return f"{self.day} · {self.minutes} min"


class MemberDayTotal(DayTotal):
    """One member's approved service on one day, for the organ and branch of the time and the place served.

    `grid_key` is the grid's id, or 0 for a service recorded without a grid: a plain integer so that the row's key
    has no NULL in it (a unique key with NULLs would not merge rows)."""

    member = models.ForeignKey("orgs.Member", on_delete=models.PROTECT, related_name="+", verbose_name=_("member"))
    organ = models.ForeignKey("orgs.Organ", on_delete=models.PROTECT, related_name="+", verbose_name=_("organ"))
    branch = models.ForeignKey("orgs.PartyOrg", on_delete=models.PROTECT, related_name="+", verbose_name=_("branch"))
    community = models.ForeignKey(
        "places.Community", on_delete=models.PROTECT, related_name="+", verbose_name=_("community")
    )
    grid_key = models.PositiveBigIntegerField(_("grid"), default=0)

    KEY = ("day", "member_id", "organ_id", "branch_id", "community_id", "grid_key")

    class Meta:
        verbose_name = _("member day total")
        verbose_name_plural = _("member day totals")
        constraints = [
            models.UniqueConstraint(
                fields=["day", "member", "organ", "branch", "community", "grid_key"], name="member_day_total_key"
            ),
        ]
        indexes = [
            models.Index(fields=["organ", "day"]),
            models.Index(fields=["branch", "day"]),
            models.Index(fields=["member", "day"]),
            models.Index(fields=["community", "day"]),
        ]


class OrganDayTotal(DayTotal):
    """An organ's approved service on one day: what city-wide organ rankings read."""

    organ = models.ForeignKey("orgs.Organ", on_delete=models.PROTECT, related_name="+", verbose_name=_("organ"))

    KEY = ("day", "organ_id")

    class Meta:
        verbose_name = _("organ day total")
        verbose_name_plural = _("organ day totals")
        constraints = [models.UniqueConstraint(fields=["day", "organ"], name="organ_day_total_key")]
        indexes = [models.Index(fields=["organ", "day"])]


class CommunityDayTotal(DayTotal):
    """The approved service done in one community on one day: what street and district figures read."""

    community = models.ForeignKey(
        "places.Community", on_delete=models.PROTECT, related_name="+", verbose_name=_("community")
    )

    KEY = ("day", "community_id")

    class Meta:
        verbose_name = _("community day total")
        verbose_name_plural = _("community day totals")
        constraints = [models.UniqueConstraint(fields=["day", "community"], name="community_day_total_key")]
        indexes = [models.Index(fields=["community", "day"])]


class TeamDayTotal(DayTotal):
    """One member's approved service on one day as a member of a volunteer team (records with a team only): what a
    team's figures read, as a branch's read MemberDayTotal."""

    team = models.ForeignKey("teams.Team", on_delete=models.PROTECT, related_name="+", verbose_name=_("volunteer team"))
    member = models.ForeignKey("orgs.Member", on_delete=models.PROTECT, related_name="+", verbose_name=_("member"))

    KEY = ("day", "team_id", "member_id")

    class Meta:
        verbose_name = _("team day total")
        verbose_name_plural = _("team day totals")
        constraints = [models.UniqueConstraint(fields=["day", "team", "member"], name="team_day_total_key")]
        indexes = [models.Index(fields=["team", "day"])]


ROLLUP_MODELS = (MemberDayTotal, OrganDayTotal, CommunityDayTotal, TeamDayTotal)


class StarSubject(models.TextChoices):
    MEMBER = "member", _("Member")
    BRANCH = "branch", _("Party branch")


class StarRule(models.Model):
    """The points a member (their year's points) or a branch (its members' average points in the year) needs for
    one to five stars (星级) in one year. A year without a rule uses the STAR_POINTS_* settings."""

    year = models.PositiveSmallIntegerField(_("year"))
    subject = models.CharField(_("applies to"), max_length=16, choices=StarSubject.choices)
    one_star = models.PositiveIntegerField(_("one star from"))
    two_stars = models.PositiveIntegerField(_("two stars from"))
    three_stars = models.PositiveIntegerField(_("three stars from"))
    four_stars = models.PositiveIntegerField(_("four stars from"))
    five_stars = models.PositiveIntegerField(_("five stars from"))

    class Meta:
        verbose_name = _("star-level rule")
        verbose_name_plural = _("star-level rules")
        ordering = ["-year", "subject"]
        constraints = [
            models.UniqueConstraint(fields=["year", "subject"], name="one_star_rule_per_year_and_subject"),
            models.CheckConstraint(
                condition=Q(one_star__gt=0)
                & Q(two_stars__gt=F("one_star"))
                & Q(three_stars__gt=F("two_stars"))
                & Q(four_stars__gt=F("three_stars"))
                & Q(five_stars__gt=F("four_stars")),
                name="star_thresholds_ascending",
            ),
        ]

    def __str__(self):
        return f"{self.year} {self.get_subject_display()}"

    @property
    def thresholds(self):
        return (self.one_star, self.two_stars, self.three_stars, self.four_stars, self.five_stars)
