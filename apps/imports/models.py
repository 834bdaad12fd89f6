"""Import batches (one uploaded file, its check, preview and application) and their rows, kept as history."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from apps.core.models import BaseModel


class ImportKind(models.TextChoices):
    GEOGRAPHY = "geography", _("Streets, communities and grids")
    GAZETTEER = "gazetteer", _("Place names for address lookup")
    ORGANIZATIONS = "organizations", _("Organs and Party organizations")
    MEMBERS = "members", _("Member roster")
    STAFF = "staff", _("Staff and roles")
    BOUNDARIES = "boundaries", _("Community and grid boundaries (GeoJSON)")


class ImportStatus(models.TextChoices):
    CHECKING = "checking", _("Checking")
    READY = "ready", _("Ready to apply")
    INVALID = "invalid", _("Has errors")
    APPLIED = "applied", _("Applied")
    FAILED = "failed", _("Failed")
    CANCELLED = "cancelled", _("Cancelled")


class RowAction(models.TextChoices):
    CREATE = "create", _("Create")
    UPDATE = "update", _("Update")
    MOVE = "move", _("Move")
    DEACTIVATE = "deactivate", _("Deactivate")
    UNCHANGED = "unchanged", _("Unchanged")
    ERROR = "error", _("Error")


def import_upload_to(batch, filename):
    return f"imports/{batch.kind}/{filename}"


class ImportBatch(BaseModel):
    """One uploaded file: checked in steps (so long files show progress), previewed, then applied all at once."""

    kind = models.CharField(_("kind"), max_length=20, choices=ImportKind.choices)
    status = models.CharField(_("status"), max_length=12, choices=ImportStatus.choices, default=ImportStatus.CHECKING)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("uploaded by")
    )
    file = models.FileField(_("file"), upload_to=import_upload_to)
    file_name = models.CharField(_("file name"), max_length=200)
    # Members missing from a full roster are deactivated only when the uploader ticked this.
    deactivate_missing = models.BooleanField(_("deactivate members missing from the roster"), default=False)
    rows_total = models.PositiveIntegerField(_("rows"), null=True, blank=True)
    rows_checked = models.PositiveIntegerField(_("rows checked"), default=0)
    # Counts by RowAction value, filled when the check ends and again when the batch is applied.
    counts = models.JSONField(_("counts"), default=dict, blank=True)
    # A problem with the file as a whole (wrong type, missing columns, too many rows), shown instead of row errors.
    file_error = models.TextField(_("file error"), blank=True)
    checked_at = models.DateTimeField(_("checked at"), null=True, blank=True)
    applied_at = models.DateTimeField(_("applied at"), null=True, blank=True)
    applied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("applied by"),
    )

    class Meta:
        verbose_name = _("import")
        verbose_name_plural = _("imports")
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"{self.get_kind_display()} · {self.file_name}"

    @property
    def progress_percent(self):
        if not self.rows_total:
            return 0
        return min(100, round(100 * self.rows_checked / self.rows_total))


class ImportRow(BaseModel):
    """One row of the file as checked: what applying it will do, the values read, and what is wrong with it."""

    batch = models.ForeignKey(ImportBatch, on_delete=models.CASCADE, related_name="rows", verbose_name=_("import"))
    row_number = models.PositiveIntegerField(_("row"))  # as the spreadsheet numbers it (the header is row 1)
    # What identifies the row's object inside the file (a code, a mobile number): duplicates are found by it.
    key = models.CharField(_("key"), max_length=64, blank=True)
    action = models.CharField(_("action"), max_length=12, choices=RowAction.choices)
    data = models.JSONField(_("values"), default=dict)
    # What will change, for the preview: {field label: [before, after]}.
    changes = models.JSONField(_("changes"), default=dict, blank=True)
    # [{"column": header, "message": text}, ...]
    errors = models.JSONField(_("errors"), default=list, blank=True)
    target_id = models.PositiveBigIntegerField(_("object id"), null=True, blank=True)

    class Meta:
        verbose_name = _("import row")
        verbose_name_plural = _("import rows")
        ordering = ["batch_id", "row_number", "id"]
        indexes = [
            models.Index(fields=["batch", "action", "row_number"]),
            models.Index(fields=["batch", "key"]),
        ]

    def __str__(self):
        return f"{self.batch_id}:{self.row_number}"
