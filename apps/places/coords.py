"""Conversions between WGS-84 (GPS), GCJ-02 (Chinese map SDKs) and BD-09 (Baidu); every point is (latitude, longitude).

Browsers report WGS-84; AMap and Tencent report GCJ-02, an obfuscated datum offset by a few hundred metres inside
mainland China; Baidu adds a further offset on top of GCJ-02 (BD-09). We store WGS-84 only, so every client point
goes through `to_wgs84` before it is compared with anything.

The GCJ-02 forward transform is the published obfuscation formula (Krasovsky 1940 ellipsoid plus a sum of sines);
it has no closed-form inverse, so `gcj02_to_wgs84` inverts it by fixed-point iteration.
"""

import math
from decimal import Decimal
from numbers import Real

from django.db import models
from django.utils.translation import gettext_lazy as _

from apps.places import errors


class CoordSystem(models.TextChoices):
    WGS84 = "wgs84", _("WGS-84 (GPS, browser geolocation)")
    GCJ02 = "gcj02", _("GCJ-02 (AMap, Tencent maps)")
    BD09 = "bd09", _("BD-09 (Baidu maps)")


# Krasovsky 1940 ellipsoid, which the GCJ-02 formula is defined on.
_KRASOVSKY_A = 6378245.0
_KRASOVSKY_EE = 0.00669342162296594323
# Baidu's constant: pi scaled by 3000/180.
_BD_X_PI = math.pi * 3000.0 / 180.0

# The inverse iterations stop when a step moves the estimate by less than this (about 1 mm) or after the cap.
_CONVERGED_DEG = 1e-8
_MAX_ITERATIONS = 30

# Mainland China as a bounding box. This is deliberately coarse: it also covers Taiwan, Hong Kong, Macau, Mongolia,
# the Korean peninsula, western Japan and parts of South-East and Central Asia, where real providers do not shift.
# It is enough for this platform, whose communities are all on the mainland; a point outside the box (Tokyo,
# Singapore, Europe, ...) is certainly not shifted.
_CHINA_MIN_LAT, _CHINA_MAX_LAT = 0.8293, 55.8271
_CHINA_MIN_LNG, _CHINA_MAX_LNG = 72.004, 137.8347


def validate_point(lat, lng):
    """Return (lat, lng) as floats, or raise Invalid("invalid_coordinates") for non-numbers, NaN, inf, out of range."""
    values = []
    for value in (lat, lng):
        # bool is an int subclass but never a coordinate; strings must be parsed by the caller's input layer.
        if isinstance(value, bool) or not isinstance(value, Real | Decimal):
            raise errors.invalid_coordinates()
        number = float(value)
        if not math.isfinite(number):
            raise errors.invalid_coordinates()
        values.append(number)
    lat_f, lng_f = values
    if not (-90.0 <= lat_f <= 90.0 and -180.0 <= lng_f <= 180.0):
        raise errors.invalid_coordinates()
    return lat_f, lng_f


def in_china_bbox(lat, lng):
    """Whether GCJ-02 applies to the point (see the bounding-box caveats above)."""
    return _CHINA_MIN_LAT <= lat <= _CHINA_MAX_LAT and _CHINA_MIN_LNG <= lng <= _CHINA_MAX_LNG


def _shift_lat(x, y):
    shift = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * math.sqrt(abs(x))
    shift += (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2.0 / 3.0
    shift += (20.0 * math.sin(y * math.pi) + 40.0 * math.sin(y / 3.0 * math.pi)) * 2.0 / 3.0
    shift += (160.0 * math.sin(y / 12.0 * math.pi) + 320.0 * math.sin(y * math.pi / 30.0)) * 2.0 / 3.0
    return shift


def _shift_lng(x, y):
    shift = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * math.sqrt(abs(x))
    shift += (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2.0 / 3.0
    shift += (20.0 * math.sin(x * math.pi) + 40.0 * math.sin(x / 3.0 * math.pi)) * 2.0 / 3.0
    shift += (150.0 * math.sin(x / 12.0 * math.pi) + 300.0 * math.sin(x / 30.0 * math.pi)) * 2.0 / 3.0
    return shift


def _gcj02_offset(lat, lng):
    """The (dlat, dlng) in degrees that GCJ-02 adds to a WGS-84 point."""
    d_lat = _shift_lat(lng - 105.0, lat - 35.0)
    d_lng = _shift_lng(lng - 105.0, lat - 35.0)
    rad_lat = lat / 180.0 * math.pi
    magic = 1.0 - _KRASOVSKY_EE * math.sin(rad_lat) ** 2
    sqrt_magic = math.sqrt(magic)
    d_lat = (d_lat * 180.0) / ((_KRASOVSKY_A * (1.0 - _KRASOVSKY_EE)) / (magic * sqrt_magic) * math.pi)
    d_lng = (d_lng * 180.0) / (_KRASOVSKY_A / sqrt_magic * math.cos(rad_lat) * math.pi)
    return d_lat, d_lng


def wgs84_to_gcj02(lat, lng):
    if not in_china_bbox(lat, lng):
        return lat, lng
    d_lat, d_lng = _gcj02_offset(lat, lng)
    return lat + d_lat, lng + d_lng


def gcj02_to_wgs84(lat, lng):
    """Inverse of `wgs84_to_gcj02` to well under 0.5 m: a single step is only good to 1-2 m, so iterate."""
    if not in_china_bbox(lat, lng):
        return lat, lng
    w_lat, w_lng = lat, lng
    for _step in range(_MAX_ITERATIONS):
        g_lat, g_lng = wgs84_to_gcj02(w_lat, w_lng)
        err_lat, err_lng = g_lat - lat, g_lng - lng
        w_lat, w_lng = w_lat - err_lat, w_lng - err_lng
        if abs(err_lat) < _CONVERGED_DEG and abs(err_lng) < _CONVERGED_DEG:
            break
    return w_lat, w_lng


def gcj02_to_bd09(lat, lng):
    z = math.hypot(lng, lat) + 0.00002 * math.sin(lat * _BD_X_PI)
    theta = math.atan2(lat, lng) + 0.000003 * math.cos(lng * _BD_X_PI)
    return z * math.sin(theta) + 0.006, z * math.cos(theta) + 0.0065


def bd09_to_gcj02(lat, lng):
    """Baidu's published inverse, refined by iteration because the published one is itself approximate."""
    x, y = lng - 0.0065, lat - 0.006
    z = math.hypot(x, y) - 0.00002 * math.sin(y * _BD_X_PI)
    theta = math.atan2(y, x) - 0.000003 * math.cos(x * _BD_X_PI)
    g_lat, g_lng = z * math.sin(theta), z * math.cos(theta)
    for _step in range(_MAX_ITERATIONS):
        b_lat, b_lng = gcj02_to_bd09(g_lat, g_lng)
        err_lat, err_lng = b_lat - lat, b_lng - lng
        g_lat, g_lng = g_lat - err_lat, g_lng - err_lng
        if abs(err_lat) < _CONVERGED_DEG and abs(err_lng) < _CONVERGED_DEG:
            break
    return g_lat, g_lng


def wgs84_to_bd09(lat, lng):
    return gcj02_to_bd09(*wgs84_to_gcj02(lat, lng))


def bd09_to_wgs84(lat, lng):
    return gcj02_to_wgs84(*bd09_to_gcj02(lat, lng))


_TO_WGS84 = {
    CoordSystem.WGS84: lambda lat, lng: (lat, lng),
    CoordSystem.GCJ02: gcj02_to_wgs84,
    CoordSystem.BD09: bd09_to_wgs84,
}


def to_wgs84(lat, lng, system=CoordSystem.WGS84):
    """Validate a client's point and return it in WGS-84; `system` is a CoordSystem value."""
    lat, lng = validate_point(lat, lng)
    try:
        convert = _TO_WGS84[CoordSystem(system)]
    except ValueError:
        raise errors.invalid_coord_system() from None
    return convert(lat, lng)
