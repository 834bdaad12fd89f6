"""Errors of imports."""

from django.utils.translation import gettext_lazy as _

from apps.core.errors import Conflict, Forbidden, Invalid

NOT_ALLOWED = _("Your role may not import this kind of file.")
NOT_READY = _("This import cannot be applied: it is not checked, has errors, or was applied already.")
NOT_CHECKING = _("This import is not being checked any more.")
FILE_TOO_LARGE = _("The file is larger than %(mb)s MB; split it into several files.")
FILE_REQUIRED = _("Choose a file to upload.")
ROW_FAILED = _("Row %(row)s: %(message)s")
UNLISTED_FAILED = _("%(name)s (not in the file): %(message)s")


def not_allowed():
    return Forbidden("import_not_allowed", NOT_ALLOWED)


def not_ready():
    return Conflict("import_not_ready", NOT_READY)


def file_too_large(limit_bytes):
    return Invalid("import_file_too_large", FILE_TOO_LARGE % {"mb": round(limit_bytes / (1 << 20), 1)})


def file_required():
    return Invalid("import_file_required", FILE_REQUIRED)


def row_failed(row, error):
    """A service refused one row while applying: the whole import is undone and the row is named (a member missing
    from a full roster has no row: their name is given)."""
    if row.row_number == 0:
        return Invalid(error.code, UNLISTED_FAILED % {"name": row.data.get("name", ""), "message": error.message})
    return Invalid(error.code, ROW_FAILED % {"row": row.row_number, "message": error.message})
