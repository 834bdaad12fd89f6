"""Query filters of the places lists, and "near me" for the wishes and activities lists; a malformed value is a 400,
never an unfiltered list."""

from django import forms
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters

from apps.core.filters import FilterSet, FloatFilter, IdFilter
from apps.places.coords import CoordSystem, to_wgs84
from apps.places.models import Community, CommunityKind, Grid, Street

POINT_INCOMPLETE = _("Give both latitude and longitude.")
NEAR_MAX_RADIUS_M = 50_000


class NearForm(forms.Form):
    """The form of a FilterSet with "near me": latitude and longitude come together or not at all."""

    def clean(self):
        data = super().clean()
        if (data.get("latitude") is None) != (data.get("longitude") is None):
            raise forms.ValidationError(POINT_INCOMPLETE, code="point_incomplete")
        return data


class NearMeFilterSet(FilterSet):
    """ "Near me" for a list: `latitude` + `longitude` (in `coord_system`, converted to WGS-84) and `radius` in
    metres. Subclasses set `near_default_radius_m`, implement `near()` and put `form = NearForm` in their Meta.
    After filtering, `near_point` holds the WGS-84 point searched from (None when not searching near)."""

    latitude = FloatFilter(method="filter_near", min_value=-90, max_value=90)
    longitude = FloatFilter(method="filter_near", min_value=-180, max_value=180)
    radius = IdFilter(method="filter_near", min_value=1, max_value=NEAR_MAX_RADIUS_M)
    coord_system = filters.ChoiceFilter(method="filter_near", choices=CoordSystem.choices)

    near_default_radius_m = 3000
    near_point = None

    def near(self, queryset, *, latitude, longitude, radius_m):
        raise NotImplementedError

    def filter_near(self, queryset, name, value):
        # The four parameters are one filter: it runs once, on latitude, and reads the others from the form.
        if name != "latitude":
            return queryset
        data = self.form.cleaned_data
        self.near_point = to_wgs84(data["latitude"], data["longitude"], data.get("coord_system") or CoordSystem.WGS84)
        latitude, longitude = self.near_point
        radius_m = data.get("radius") or self.near_default_radius_m
        return self.near(queryset, latitude=latitude, longitude=longitude, radius_m=radius_m)


class StreetFilter(FilterSet):
    district = IdFilter(field_name="district_id", lookup_expr="exact")

    class Meta:
        model = Street
        fields = ["district"]


class CommunityFilter(FilterSet):
    street = IdFilter(field_name="street_id", lookup_expr="exact")
    district = IdFilter(field_name="street__district_id", lookup_expr="exact")
    name = filters.CharFilter(field_name="name", lookup_expr="icontains", max_length=100)
    kind = filters.ChoiceFilter(field_name="kind", lookup_expr="exact", choices=CommunityKind.choices)

    class Meta:
        model = Community
        fields = ["street", "district", "name", "kind"]


class GridFilter(FilterSet):
    community = IdFilter(field_name="community_id", lookup_expr="exact")
    street = IdFilter(field_name="community__street_id", lookup_expr="exact")
    district = IdFilter(field_name="community__street__district_id", lookup_expr="exact")

    class Meta:
        model = Grid
        fields = ["community", "street", "district"]
