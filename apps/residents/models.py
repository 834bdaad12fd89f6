"""A resident's request (居民点单): what a resident (or a neighbour for them) asked for through a community's
poster, and how the grid worker or the community's staff decided on it (选单), followed and rated by the resident
(查单, 验单)."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from apps.core.models import BaseModel
from apps.core.text import NOTE_MAX, REASON_MAX


class RequestStatus(models.TextChoices):
    RECEIVED = "received", _("Received")
    ACCEPTED = "accepted", _("Accepted into a new wish")
    MERGED = "merged", _("Merged into an existing wish")
    DECLINED = "declined", _("Declined")


# Decided into a wish: the resident follows the wish's progress from here on.
WISH_STATUSES = (RequestStatus.ACCEPTED, RequestStatus.MERGED)


class ResidentRequest(BaseModel):
    """One request, confirmed by a one-time code sent to the resident's number. Its community and grid are those of
    the address (the offline geocoder), whatever poster it came through; `token` is the secret of the tracking link."""

    community = models.ForeignKey(
        "places.Community", on_delete=models.PROTECT, related_name="+", verbose_name=_("community")
    )
    grid = models.ForeignKey(
        "places.Grid", null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("grid")
    )
    name = models.CharField(_("name"), max_length=50)
    phone = models.CharField(_("mobile number"), max_length=11)
    address = models.CharField(_("address"), max_length=200)
    # The address as the rate limit compares it (apps.places.geocoding.normalize_address).
    address_key = models.CharField(_("normalized address"), max_length=200)
    need = models.TextField(_("what is needed"), max_length=NOTE_MAX)
    photo = models.FileField(_("photo"), upload_to="residents/%Y/%m/", blank=True)
    token = models.CharField(_("tracking token"), max_length=64, unique=True)
    status = models.CharField(_("status"), max_length=16, choices=RequestStatus.choices, default=RequestStatus.RECEIVED)
    wish = models.ForeignKey(
        "wishes.Wish",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="resident_requests",
        verbose_name=_("micro-wish"),
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decline_reason = models.CharField(_("reason"), max_length=REASON_MAX, blank=True)
    resident_rating = models.PositiveSmallIntegerField(_("resident's rating"), null=True, blank=True)
    resident_comment = models.CharField(_("resident's comment"), max_length=200, blank=True)
    rated_at = models.DateTimeField(_("rated at"), null=True, blank=True)

    class Meta:
        verbose_name = _("resident request")
        verbose_name_plural = _("resident requests")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["phone", "created_at"]),
            models.Index(fields=["address_key", "created_at"]),
            models.Index(fields=["community", "status"]),
            models.Index(fields=["grid", "status"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(resident_rating__isnull=True) | Q(resident_rating__gte=1, resident_rating__lte=5),
                name="resident_request_rating_1_to_5",
            ),
            models.CheckConstraint(
                condition=Q(status__in=WISH_STATUSES, wish__isnull=False) | Q(~Q(status__in=WISH_STATUSES), wish=None),
                name="resident_request_wish_iff_accepted_or_merged",
            ),
            models.CheckConstraint(
                condition=~Q(status=RequestStatus.DECLINED) | ~Q(decline_reason=""),
                name="resident_request_declined_with_reason",
            ),
        ]

    def __str__(self):
        return f"#{self.pk} · {self.community_id} · {self.get_status_display()}"
