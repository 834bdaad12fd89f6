"""Organs, their Party organization tree (committee / general branch / branch) and in-service Party members."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from apps.core.models import BaseModel


class OrganCategory(models.TextChoices):
    CONGRESS = "congress", _("People's congress standing committee")
    GOVERNMENT = "government", _("Government bureau")
    INSTITUTION = "institution", _("Public institution")
    OTHER = "other", _("Other")


def _code_unique_when_set(name):
    """Codes are optional (organs created before imports have none) but unique once given."""
    return models.UniqueConstraint(fields=["code"], condition=~Q(code=""), name=name)


class Organ(BaseModel):
    name = models.CharField(_("name"), max_length=100, unique=True)
    # The organ's own code (e.g. its unified social credit code or the district's numbering); imports match on it.
    code = models.CharField(_("code"), max_length=32, blank=True, default="")
    short_name = models.CharField(_("short name"), max_length=30, blank=True)
    category = models.CharField(
        _("category"), max_length=20, choices=OrganCategory.choices, default=OrganCategory.GOVERNMENT
    )
    address = models.CharField(_("address"), max_length=200, blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=20, blank=True)

    class Meta:
        verbose_name = _("organ")
        verbose_name_plural = _("organs")
        ordering = ["name"]
        constraints = [_code_unique_when_set("organ_code_unique")]

    def __str__(self):
        return self.name


class PartyOrgKind(models.TextChoices):
    COMMITTEE = "committee", _("Organ Party committee")
    GENERAL_BRANCH = "general_branch", _("General Party branch")
    BRANCH = "branch", _("Party branch")


class PartyOrg(BaseModel):
    """A node of an organ's Party organization tree. `path` ("/1/5/9/") makes subtree queries one LIKE."""

    organ = models.ForeignKey(Organ, on_delete=models.PROTECT, related_name="party_orgs", verbose_name=_("organ"))
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children", verbose_name=_("parent")
    )
    kind = models.CharField(_("kind"), max_length=20, choices=PartyOrgKind.choices)
    name = models.CharField(_("name"), max_length=100)
    code = models.CharField(_("code"), max_length=32, blank=True, default="")
    path = models.CharField(max_length=255, db_index=True, editable=False, default="", verbose_name=_("tree path"))

    class Meta:
        verbose_name = _("Party organization")
        verbose_name_plural = _("Party organizations")
        ordering = ["path"]
        constraints = [
            models.UniqueConstraint(fields=["organ", "name"], name="party_org_name_unique_in_organ"),
            _code_unique_when_set("party_org_code_unique"),
            models.CheckConstraint(
                condition=Q(kind="committee", parent__isnull=True) | (~Q(kind="committee") & Q(parent__isnull=False)),
                name="party_org_committee_is_root",
            ),
        ]

    def __str__(self):
        return self.name


class Member(BaseModel):
    """An in-service Party member (在职党员): the user's Party profile. `organ` always equals `branch.organ`."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="member", verbose_name=_("user")
    )
    organ = models.ForeignKey(Organ, on_delete=models.PROTECT, related_name="members", verbose_name=_("organ"))
    branch = models.ForeignKey(PartyOrg, on_delete=models.PROTECT, related_name="members", verbose_name=_("branch"))
    id_number = models.CharField(_("ID card number"), max_length=18, blank=True)
    job_title = models.CharField(_("job title"), max_length=50, blank=True)
    # Where the member lives; the registration (个人报到) resolves it to a community and grid.
    home_address = models.CharField(_("home address"), max_length=200, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("member")
        verbose_name_plural = _("members")
        ordering = ["organ_id", "branch_id", "id"]
        indexes = [models.Index(fields=["organ", "branch"])]

    def __str__(self):
        return self.user.name


class MemberAffiliation(BaseModel):
    """History of a member's branch (and so organ): one open row (ended_on is null) per member."""

    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="affiliations", verbose_name=_("member"))
    organ = models.ForeignKey(Organ, on_delete=models.PROTECT, related_name="+", verbose_name=_("organ"))
    branch = models.ForeignKey(PartyOrg, on_delete=models.PROTECT, related_name="+", verbose_name=_("branch"))
    started_on = models.DateField(_("from"))
    ended_on = models.DateField(_("until"), null=True, blank=True)
    reason = models.CharField(_("reason"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("affiliation")
        verbose_name_plural = _("affiliations")
        ordering = ["member_id", "started_on", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["member"], condition=Q(ended_on__isnull=True), name="one_open_affiliation_per_member"
            ),
            models.CheckConstraint(
                condition=Q(ended_on__isnull=True) | Q(ended_on__gte=F("started_on")), name="affiliation_dates_ordered"
            ),
        ]

    def __str__(self):
        return f"{self.member} · {self.branch}"
