"""On-site check-in rules: the rotating code staff show as a QR code, and the geofence around the activity."""

import hashlib
import hmac
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import segno
from django.conf import settings
from geopy.distance import geodesic

# How far back an old code is still recognised as "expired" rather than "invalid" (a wrong code is not told apart
# from a stale one beyond this: both are refused anyway).
_EXPIRED_LOOKBACK = timedelta(hours=24)


def window_seconds():
    return max(1, int(getattr(settings, "CHECKIN_CODE_WINDOW_S", 60)))


def radius_m():
    return int(getattr(settings, "CHECKIN_RADIUS_M", 500))


def window_index(at):
    return int(at.timestamp()) // window_seconds()


def code_for(activity, window):
    """Six digits: HMAC-SHA256 of the activity id and the window index under the activity's own secret."""
    message = f"{activity.pk}:{window}".encode()
    digest = hmac.new(activity.checkin_secret.encode(), message, hashlib.sha256).digest()
    return f"{int.from_bytes(digest[:8], 'big') % 1_000_000:06d}"


@dataclass(frozen=True)
class CurrentCode:
    code: str
    expires_at: datetime

    def qr_svg(self):
        return segno.make(self.code, error="m").svg_inline(scale=6)


def current_code(activity, *, now):
    window = window_index(now)
    expires_at = datetime.fromtimestamp((window + 1) * window_seconds(), tz=UTC)
    return CurrentCode(code=code_for(activity, window), expires_at=expires_at)


CODE_VALID = "valid"
CODE_EXPIRED = "expired"
CODE_INVALID = "invalid"


def check_code(activity, code, *, now):
    """ "valid" for the current window or the one just before (clock skew between the screen and the server),
    "expired" for an older window of the last day, "invalid" otherwise. Returns (verdict, window)."""
    code = str(code or "").strip()
    if len(code) != 6 or not code.isdigit():
        return CODE_INVALID, None
    current = window_index(now)
    for window in (current, current - 1):
        if hmac.compare_digest(code_for(activity, window), code):
            return CODE_VALID, window
    oldest = current - int(_EXPIRED_LOOKBACK.total_seconds()) // window_seconds()
    for window in range(current - 2, oldest - 1, -1):
        if hmac.compare_digest(code_for(activity, window), code):
            return CODE_EXPIRED, window
    return CODE_INVALID, None


def distance_m(activity, latitude, longitude):
    """Geodesic distance in metres from a WGS-84 point to the activity's place."""
    return geodesic((latitude, longitude), (activity.latitude, activity.longitude)).meters
