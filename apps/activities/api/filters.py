"""Query filters of the activities list; a malformed parameter is a 400, never an unfiltered list.

"Near me": `latitude` and `longitude` together (one without the other is a 400), `radius` in metres (default
5000, at most 50000) and `coord_system` (wgs84 by default; gcj02 and bd09 are converted to WGS-84 first); the result
is limited to the radius and ordered by distance. `has_places_left=true` keeps activities with a free place.
"""

from django import forms
from django.db.models import F
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters

from apps.activities.models import Activity, ActivityCategory, ActivityStatus, Audience, SignUp, SignUpStatus
from apps.activities.selectors import NEAR_DEFAULT_RADIUS_M, NEAR_MAX_RADIUS_M, activity_near
from apps.places.coords import CoordSystem, to_wgs84

POINT_INCOMPLETE = _("Give both latitude and longitude.")
# Strict: anything else is a 400 (django-filter's BooleanFilter would silently ignore "maybe").
_BOOLEAN_CHOICES = [("true", "true"), ("false", "false"), ("1", "1"), ("0", "0")]


class IdFilter(filters.NumberFilter):
    """Whole numbers only; an unknown primary key simply matches nothing."""

    field_class = forms.IntegerField


class FloatFilter(filters.NumberFilter):
    field_class = forms.FloatField


class NearForm(forms.Form):
    def clean(self):
        data = super().clean()
        if (data.get("latitude") is None) != (data.get("longitude") is None):
            raise forms.ValidationError(POINT_INCOMPLETE, code="point_incomplete")
        return data


class ActivityFilter(filters.FilterSet):
    community = IdFilter(field_name="community", lookup_expr="exact")
    grid = IdFilter(field_name="grid", lookup_expr="exact")
    category = filters.ChoiceFilter(field_name="category", lookup_expr="exact", choices=ActivityCategory.choices)
    audience = filters.ChoiceFilter(field_name="audience", lookup_expr="exact", choices=Audience.choices)
    status = filters.MultipleChoiceFilter(field_name="status", lookup_expr="exact", choices=ActivityStatus.choices)
    starts_after = filters.IsoDateTimeFilter(field_name="starts_at", lookup_expr="gte")
    starts_before = filters.IsoDateTimeFilter(field_name="starts_at", lookup_expr="lt")
    date_from = filters.DateFilter(field_name="starts_at", lookup_expr="date__gte")
    date_to = filters.DateFilter(field_name="starts_at", lookup_expr="date__lte")
    has_places_left = filters.ChoiceFilter(method="filter_places_left", choices=_BOOLEAN_CHOICES)
    latitude = FloatFilter(method="filter_near", min_value=-90, max_value=90)
    longitude = FloatFilter(method="filter_near", min_value=-180, max_value=180)
    radius = IdFilter(method="filter_near", min_value=1, max_value=NEAR_MAX_RADIUS_M)
    coord_system = filters.ChoiceFilter(method="filter_near", choices=CoordSystem.choices)

    class Meta:
        model = Activity
        fields = []
        form = NearForm

    near_point = None

    def filter_places_left(self, queryset, name, value):
        if value in ("true", "1"):
            return queryset.filter(confirmed_count__lt=F("capacity"))
        return queryset.filter(confirmed_count__gte=F("capacity"))

    def filter_near(self, queryset, name, value):
        # The four parameters are one filter: it runs once, on latitude, and reads the others from the form.
        if name != "latitude":
            return queryset
        data = self.form.cleaned_data
        self.near_point = to_wgs84(data["latitude"], data["longitude"], data.get("coord_system") or CoordSystem.WGS84)
        latitude, longitude = self.near_point
        return activity_near(
            queryset, latitude=latitude, longitude=longitude, radius_m=data.get("radius") or NEAR_DEFAULT_RADIUS_M
        )


class SignUpFilter(filters.FilterSet):
    activity = IdFilter(field_name="activity", lookup_expr="exact")
    status = filters.MultipleChoiceFilter(field_name="status", lookup_expr="exact", choices=SignUpStatus.choices)

    class Meta:
        model = SignUp
        fields = []
