"""Domain errors: a stable machine code, a translated message and the HTTP status they map to."""

from django.utils.translation import gettext_lazy as _


class DomainError(Exception):
    """Base class. Subclasses fix the HTTP status; instances carry a stable `code` and a translated `message`."""

    status_code = 409
    default_code = "conflict"
    default_message = _("The request conflicts with the current state.")

    def __init__(self, code=None, message=None, *, extra=None):
        self.code = code or self.default_code
        self.message = message if message is not None else self.default_message
        self.extra = extra or {}
        super().__init__(f"{self.code}: {self.message}")


class Conflict(DomainError):
    """The object's current state does not allow the action (409)."""


class Invalid(DomainError):
    """The input is well-formed but not acceptable (422)."""

    status_code = 422
    default_code = "invalid"
    default_message = _("The input is not acceptable.")


class Forbidden(DomainError):
    """The user may see the object but not do this to it (403)."""

    status_code = 403
    default_code = "permission_denied"
    default_message = _("You do not have permission to perform this action.")


class NotFound(DomainError):
    """The object does not exist or is outside the user's scope (404)."""

    status_code = 404
    default_code = "not_found"
    default_message = _("Not found.")
