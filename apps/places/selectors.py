"""Read queries of the geography tree; every list is public reference data for any signed-in user."""

import math

from django.db.models import F, FloatField, Func
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


class SquaredDistance(Func):
    """Square metres from a fixed point to a row's point (`lat_field`, `lng_field`), equirectangular:
    ((lng - lng0) * kx)² + ((lat - lat0) * ky)², with ky metres a degree of latitude and kx of longitude at the
    point. One expression node over the two columns (the SQL spells the arithmetic out): a "near me" list builds and
    compiles it on every request, where the same arithmetic as nested expressions costs a few dozen nodes."""

    output_field = FloatField()

    def __init__(self, lat_field, lng_field, *, latitude, longitude):
        super().__init__(F(lat_field), F(lng_field))
        self.point = (float(latitude), float(longitude))

    def as_sql(self, compiler, connection, **extra_context):
        (lat_sql, lat_params), (lng_sql, lng_params) = (compiler.compile(e) for e in self.source_expressions)
        latitude, longitude = self.point
        ky = METRES_PER_DEGREE
        kx = METRES_PER_DEGREE * max(math.cos(math.radians(latitude)), 1e-6)
        dx = f"(({lng_sql} - %s) * %s)"
        dy = f"(({lat_sql} - %s) * %s)"
        sql = f"(({dx} * {dx}) + ({dy} * {dy}))"
        dx_params = [*lng_params, longitude, kx]
        dy_params = [*lat_params, latitude, ky]
        return sql, [*dx_params, *dx_params, *dy_params, *dy_params]


def within_radius(queryset, *, latitude, longitude, radius_m, lat_field="latitude", lng_field="longitude"):
    """Rows whose point (`lat_field`, `lng_field`, WGS-84) lies within `radius_m` of a point, annotated with
    `distance_sq` (square metres, SquaredDistance) for ordering nearest first.

    A bounding box in SQL narrows the rows first; the radius then uses the equirectangular approximation: exact
    enough at city distances and plain arithmetic, so it runs on every database. Exact geodesic distances for the
    page shown are the caller's (geopy), if it needs them; near_distance_m gives the figure the radius used.
    """
    dlat = radius_m / METRES_PER_DEGREE
    dlng = dlat / max(math.cos(math.radians(latitude)), 1e-6)
    return (
        queryset.filter(
            **{
                f"{lat_field}__range": (latitude - dlat, latitude + dlat),
                f"{lng_field}__range": (longitude - dlng, longitude + dlng),
            }
        )
        .annotate(distance_sq=SquaredDistance(lat_field, lng_field, latitude=latitude, longitude=longitude))
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
