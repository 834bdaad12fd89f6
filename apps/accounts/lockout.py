"""Login throttling (django-axes): whose failed attempts count together, and what a locked-out client is told.

Attempts are counted per mobile number *and* client address: a stranger guessing one member's password is stopped,
but cannot lock that member out from their own phone. The lock lifts by itself after LOGIN_LOCKOUT_MINUTES. Each
face answers a locked-out client in its own form (apps.web.error_pages.login_locked: JSON or the login page).
"""

from django.conf import settings
from django.utils.translation import gettext as _

from apps.accounts.services import normalize_phone
from apps.core.errors import Invalid

LOCKED_CODE = "login_locked"


def lockout_username(request, credentials):
    """The mobile number an attempt was for, normalised, whichever door it came through.

    The web form sends `username`, the API login and HTTP Basic send `phone` (the user model's USERNAME_FIELD).
    """
    source = credentials or getattr(request, "POST", {}) or {}
    raw = source.get("phone") or source.get("username") or ""
    try:
        return normalize_phone(raw)
    except Invalid:  # a malformed number still counts, as typed
        return str(raw)[:32]


def client_address(request):
    """The client's address: the socket's, or with PROXY_COUNT trusted proxies the one the outermost proxy saw.

    Only the last PROXY_COUNT entries of X-Forwarded-For were written by our proxies; anything left of them was sent
    by the client and could be forged to dodge the lock.
    """
    count = settings.PROXY_COUNT
    forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
    if count > 0 and len(forwarded) >= count:
        return forwarded[-count]
    return request.META.get("REMOTE_ADDR")


def locked_message():
    """What a locked-out client is told (with LOCKED_CODE)."""
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    return _("Too many failed logins. Try again in %(minutes)s minutes.") % {"minutes": minutes}
