"""Query filters of the activities list; a malformed parameter is a 400, never an unfiltered list.

"Near me": `latitude` and `longitude` together (one without the other is a 400), `radius` in metres (default
5000, at most 50000) and `coord_system` (wgs84 by default; gcj02 and bd09 are converted to WGS-84 first); the result
is limited to the radius and ordered by distance. `has_places_left=true` keeps activities with a free place.
"""

from django.db.models import F
from django_filters import rest_framework as filters

from apps.activities.models import Activity, ActivityCategory, ActivityStatus, Audience, SignUp, SignUpStatus
from apps.activities.selectors import NEAR_DEFAULT_RADIUS_M, activity_near
from apps.core.filters import FilterSet, IdFilter
from apps.places.filters import NearForm, NearMeFilterSet

# Strict: anything else is a 400 (django-filter's BooleanFilter would silently ignore "maybe").
_BOOLEAN_CHOICES = [("true", "true"), ("false", "false"), ("1", "1"), ("0", "0")]


class ActivityFilter(NearMeFilterSet):
    community = IdFilter(field_name="community", lookup_expr="exact")
    grid = IdFilter(field_name="grid", lookup_expr="exact")
    category = filters.ChoiceFilter(field_name="category", lookup_expr="exact", choices=ActivityCategory.choices)
    audience = filters.ChoiceFilter(field_name="audience", lookup_expr="exact", choices=Audience.choices)
    # distinct=False: a column of the row, so no duplicates to remove (DISTINCT would compare every column).
    status = filters.MultipleChoiceFilter(
        field_name="status", lookup_expr="exact", choices=ActivityStatus.choices, distinct=False
    )
    starts_after = filters.IsoDateTimeFilter(field_name="starts_at", lookup_expr="gte")
    starts_before = filters.IsoDateTimeFilter(field_name="starts_at", lookup_expr="lt")
    date_from = filters.DateFilter(field_name="starts_at", lookup_expr="date__gte")
    date_to = filters.DateFilter(field_name="starts_at", lookup_expr="date__lte")
    has_places_left = filters.ChoiceFilter(method="filter_places_left", choices=_BOOLEAN_CHOICES)

    class Meta:
        model = Activity
        fields = []
        form = NearForm

    near_default_radius_m = NEAR_DEFAULT_RADIUS_M

    def near(self, queryset, *, latitude, longitude, radius_m):
        return activity_near(queryset, latitude=latitude, longitude=longitude, radius_m=radius_m)

    def filter_places_left(self, queryset, name, value):
        if value in ("true", "1"):
            return queryset.filter(confirmed_count__lt=F("capacity"))
        return queryset.filter(confirmed_count__gte=F("capacity"))


class SignUpFilter(FilterSet):
    activity = IdFilter(field_name="activity", lookup_expr="exact")
    # distinct=False: a column of the row, so no duplicates to remove (DISTINCT would compare every column).
    status = filters.MultipleChoiceFilter(
        field_name="status", lookup_expr="exact", choices=SignUpStatus.choices, distinct=False
    )

    class Meta:
        model = SignUp
        fields = []
