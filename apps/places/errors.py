"""Errors of places, coordinates and geocoding: stable codes and their translated messages."""

from django.utils.translation import gettext_lazy as _

from apps.core.errors import DomainError, Invalid

INVALID_COORDINATES = _("The coordinates are not a valid latitude and longitude.")
INVALID_COORD_SYSTEM = _("Unknown coordinate system; use wgs84, gcj02 or bd09.")
ADDRESS_REQUIRED = _("An address is required.")
ADDRESS_NOT_FOUND = _("This address could not be found. Add the residential compound or community name.")
ADDRESS_OUTSIDE_SERVICE_AREA = _("This address is outside every community served by the platform.")
GEOCODER_UNAVAILABLE = _("The address lookup service is unavailable. Please try again later.")
INVALID_POLYGON = _("A boundary must be a list of at least three [longitude, latitude] points.")


class GeocodingUnavailable(DomainError):
    """The configured external geocoder could not be reached or refused the request (503)."""

    status_code = 503
    default_code = "geocoder_unavailable"
    default_message = GEOCODER_UNAVAILABLE


def invalid_coordinates():
    return Invalid("invalid_coordinates", INVALID_COORDINATES)


def invalid_coord_system():
    return Invalid("invalid_coord_system", INVALID_COORD_SYSTEM)


def address_required():
    return Invalid("address_required", ADDRESS_REQUIRED)


def address_not_found():
    return Invalid("address_not_found", ADDRESS_NOT_FOUND)


def address_outside_service_area():
    return Invalid("address_outside_service_area", ADDRESS_OUTSIDE_SERVICE_AREA)


def geocoder_unavailable():
    return GeocodingUnavailable()


NOT_YOUR_AREA = _("This place is outside the area you administer.")
DISTRICT_FIELDS_REQUIRED = _("A district needs a code and a name.")
PLACE_CODE_TAKEN = _("Another place already has this code.")
PLACE_KIND_INVALID = _("Choose a kind of place: residential community, village, enterprise or other.")


def not_your_area():
    from apps.core.errors import Forbidden

    return Forbidden("place_not_in_your_area", NOT_YOUR_AREA)


def place_kind_invalid():
    return Invalid("place_kind_invalid", PLACE_KIND_INVALID)
