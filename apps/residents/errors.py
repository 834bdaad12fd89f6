"""Errors of residents' requests: stable codes, the translated messages tests reuse, and their constructors.

An action on a request that is no longer waiting for a decision answers 409 `request_not_received` with the request's
status in the body, as the wishes' transitions do. The address errors are the geocoder's own
(apps.places.errors: `address_required`, `address_not_found`, `address_outside_service_area`), the code errors the
one-time codes' (apps.accounts.errors: `code_invalid`, `code_expired`, `code_used`, `code_attempts_exceeded`), the
photo errors apps.core.images' (`invalid_image`, `image_too_large`).
"""

from django.utils.translation import gettext_lazy as _

from apps.core.errors import Conflict, Forbidden, Invalid

NAME_REQUIRED = _("Enter the name of the resident who needs help.")
NEED_REQUIRED = _("Describe what is needed.")
REQUEST_DUPLICATE = _("This request was already received and is still open: follow it with the link sent to you.")
REQUEST_RATE_LIMITED_NUMBER = _("Too many requests from this mobile number today. Please try again tomorrow.")
REQUEST_RATE_LIMITED_ADDRESS = _("Too many requests for this address today. Please try again tomorrow.")
REQUEST_NOT_RECEIVED = _("This request has already been decided.")
NOT_REQUEST_DECIDER = _("Only the worker of the request's grid or the community's staff can decide on it.")
WISH_NOT_MERGEABLE = _("A request can only be merged into an open wish that is not fulfilled yet.")
WISH_ELSEWHERE = _("The wish must be in the request's community, and in your grid if you are its grid worker.")
REASON_REQUIRED = _("Give the reason the resident will read.")
GRID_REQUIRED = _("Choose the grid the wish belongs to.")
RATING_INVALID = _("The rating must be a whole number from 1 to 5.")
REQUEST_NOT_DONE = _("You can rate the service once the wish has been fulfilled.")
REQUEST_ALREADY_RATED = _("You have already rated this service.")


def request_duplicate(existing):
    """The same need from the same number while the first is open: the existing request rides on the error (the
    pages show its tracking link to whoever just proved the number), its id in the body."""
    error = Conflict("request_duplicate", REQUEST_DUPLICATE, extra={"request": existing.pk})
    error.existing = existing
    return error


def request_rate_limited(*, by_address):
    message = REQUEST_RATE_LIMITED_ADDRESS if by_address else REQUEST_RATE_LIMITED_NUMBER
    return Conflict("request_rate_limited", message, extra={"limit": "address" if by_address else "number"})


def request_not_received(status):
    return Conflict("request_not_received", REQUEST_NOT_RECEIVED, extra={"status": str(status)})


def not_request_decider():
    return Forbidden("not_request_decider", NOT_REQUEST_DECIDER)


def wish_not_mergeable(status):
    return Conflict("wish_not_mergeable", WISH_NOT_MERGEABLE, extra={"status": str(status)})


def wish_elsewhere():
    return Invalid("wish_elsewhere", WISH_ELSEWHERE)


def rating_invalid():
    return Invalid("rating_invalid", RATING_INVALID)


def request_not_done():
    return Conflict("request_not_done", REQUEST_NOT_DONE)


def request_already_rated():
    return Conflict("request_already_rated", REQUEST_ALREADY_RATED)
