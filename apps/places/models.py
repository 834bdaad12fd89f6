"""The geography tree district → street → community → grid, with WGS-84 centre points, and gazetteer entries."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from apps.core.models import BaseModel


def _valid_point(prefix=""):
    return Q(**{f"{prefix}latitude__gte": -90, f"{prefix}latitude__lte": 90}) & Q(
        **{f"{prefix}longitude__gte": -180, f"{prefix}longitude__lte": 180}
    )


class PlaceBase(BaseModel):
    """Name, code and a centre point in WGS-84 (latitude, longitude in degrees)."""

    name = models.CharField(_("name"), max_length=100)
    code = models.CharField(_("code"), max_length=32, unique=True)
    latitude = models.FloatField(_("latitude (WGS-84)"))
    longitude = models.FloatField(_("longitude (WGS-84)"))

    class Meta:
        abstract = True

    def __str__(self):
        return self.name


class District(PlaceBase):
    class Meta:
        verbose_name = _("district")
        verbose_name_plural = _("districts")
        ordering = ["code"]
        constraints = [models.CheckConstraint(condition=_valid_point(), name="district_point_valid")]


class Street(PlaceBase):
    district = models.ForeignKey(District, on_delete=models.PROTECT, related_name="streets", verbose_name=_("district"))

    class Meta:
        verbose_name = _("street")
        verbose_name_plural = _("streets")
        ordering = ["code"]
        constraints = [models.CheckConstraint(condition=_valid_point(), name="street_point_valid")]


class CommunityKind(models.TextChoices):
    """What kind of place a "community" (the third level of the tree) is. Members live in residential communities and
    villages, so only those take registrations (个人报到); activities and wishes may be in any kind of place."""

    RESIDENTIAL = "residential", _("Residential community")
    VILLAGE = "village", _("Village")
    ENTERPRISE = "enterprise", _("Enterprise")
    OTHER = "other", _("Other place")


# The kinds of place members live in: the only ones an address or a point is matched to for a registration.
RESIDENTIAL_KINDS = (CommunityKind.RESIDENTIAL, CommunityKind.VILLAGE)


class Community(PlaceBase):
    street = models.ForeignKey(Street, on_delete=models.PROTECT, related_name="communities", verbose_name=_("street"))
    kind = models.CharField(
        _("kind of place"), max_length=16, choices=CommunityKind.choices, default=CommunityKind.RESIDENTIAL
    )
    address = models.CharField(_("office address"), max_length=200, blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=20, blank=True)
    # Optional boundary: a list of [longitude, latitude] pairs (WGS-84), closed or not.
    polygon = models.JSONField(_("boundary"), null=True, blank=True)

    class Meta:
        verbose_name = _("community")
        verbose_name_plural = _("communities")
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(condition=_valid_point(), name="community_point_valid"),
            models.CheckConstraint(
                condition=Q(kind__in=["residential", "village", "enterprise", "other"]), name="community_kind_valid"
            ),
        ]


class Grid(PlaceBase):
    community = models.ForeignKey(
        Community, on_delete=models.PROTECT, related_name="grids", verbose_name=_("community")
    )
    polygon = models.JSONField(_("boundary"), null=True, blank=True)
    grid_worker = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="grids_worked",
        verbose_name=_("grid worker"),
    )

    class Meta:
        verbose_name = _("grid")
        verbose_name_plural = _("grids")
        ordering = ["code"]
        constraints = [models.CheckConstraint(condition=_valid_point(), name="grid_point_valid")]


class GazetteerKind(models.TextChoices):
    COMPOUND = "compound", _("Residential compound")
    ROAD = "road", _("Road")
    BUILDING = "building", _("Building")
    LANDMARK = "landmark", _("Landmark")


class GazetteerEntry(BaseModel):
    """A named place the offline geocoder knows (compound, road, building), with its WGS-84 point."""

    name = models.CharField(_("name"), max_length=100, db_index=True)
    kind = models.CharField(_("kind"), max_length=20, choices=GazetteerKind.choices, default=GazetteerKind.COMPOUND)
    latitude = models.FloatField(_("latitude (WGS-84)"))
    longitude = models.FloatField(_("longitude (WGS-84)"))
    community = models.ForeignKey(
        Community, null=True, blank=True, on_delete=models.CASCADE, related_name="+", verbose_name=_("community")
    )

    class Meta:
        verbose_name = _("gazetteer entry")
        verbose_name_plural = _("gazetteer entries")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["name"], name="gazetteer_name_unique"),
            models.CheckConstraint(condition=_valid_point(), name="gazetteer_point_valid"),
        ]

    def __str__(self):
        return self.name
