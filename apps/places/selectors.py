"""Read queries of the geography tree; every list is public reference data for any signed-in user."""

import math

from django.db.models import F, FloatField, Value
from django.db.models.expressions import ExpressionWrapper
from geopy.distance import geodesic

from apps.places.models import Community, District, Grid, Street


def district_list():
    return District.objects.all()


def street_list():
    return Street.objects.select_related("district")


def community_list():
    return Community.objects.select_related("street__district")


def grid_list():
    return Grid.objects.select_related("community__street__district", "grid_worker")


# The boundaries of a row's community and grid: only geocoding reads them, and a surveyed boundary holds hundreds
# of points, so lists that join the places leave them out (QuerySet.defer).
PLACE_BOUNDARIES = ("community__polygon", "grid__polygon")

METRES_PER_DEGREE = 111_195.0  # of latitude (and of longitude at the equator), on the mean Earth radius


def within_radius(queryset, *, latitude, longitude, radius_m, lat_field="latitude", lng_field="longitude"):
    """Rows whose point (`lat_field`, `lng_field`, WGS-84) lies within `radius_m` of a point, annotated with
    `distance_sq` (square metres) for ordering nearest first.

    A bounding box in SQL narrows the rows first; the radius then uses the equirectangular approximation: exact
    enough at city distances and plain arithmetic, so it runs on every database. Exact geodesic distances for the
    page shown are the caller's (geopy), if it needs them; near_distance_m gives the figure the radius used.
    """
    dlat = radius_m / METRES_PER_DEGREE
    cos_lat = max(math.cos(math.radians(latitude)), 1e-6)
    dlng = dlat / cos_lat
    dy = (F(lat_field) - Value(latitude)) * Value(METRES_PER_DEGREE)
    dx = (F(lng_field) - Value(longitude)) * Value(METRES_PER_DEGREE * cos_lat)
    return (
        queryset.filter(
            **{
                f"{lat_field}__range": (latitude - dlat, latitude + dlat),
                f"{lng_field}__range": (longitude - dlng, longitude + dlng),
            }
        )
        .annotate(distance_sq=ExpressionWrapper(dx * dx + dy * dy, output_field=FloatField()))
        .filter(distance_sq__lte=float(radius_m) ** 2)
    )


def near_distance_m(row, near, point):
    """Whole metres from the asked point `near` to `point` ((latitude, longitude), WGS-84) for a row of a "near me"
    list: the square root of the `distance_sq` within_radius annotated (the figure its radius and order used; within
    0.5 % of the geodesic at city distances, and no per-row computation in Python), or the geodesic distance when the
    row has no such annotation."""
    distance_sq = getattr(row, "distance_sq", None)
    if distance_sq is not None:
        return round(math.sqrt(distance_sq))
    return round(geodesic(near, point).meters)
