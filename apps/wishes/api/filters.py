"""Query filters of the wishes list; a malformed parameter is a 400, never an unfiltered list.

"Near me": `latitude` and `longitude` together (one without the other is a 400), `radius` in metres (default
3000, at most 50000) and `coord_system` (wgs84 by default; gcj02 and bd09 are converted to WGS-84 first). The
result is limited to the radius and ordered by distance.
"""

from django import forms
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters

from apps.places.coords import CoordSystem, to_wgs84
from apps.wishes.models import Beneficiary, Wish, WishCategory, WishForm, WishStatus
from apps.wishes.selectors import NEAR_DEFAULT_RADIUS_M, NEAR_MAX_RADIUS_M, wish_near

POINT_INCOMPLETE = _("Give both latitude and longitude.")


class IdFilter(filters.NumberFilter):
    """Whole numbers only; as a primary key an unknown one simply matches nothing (no existence leak)."""

    field_class = forms.IntegerField


class FloatFilter(filters.NumberFilter):
    field_class = forms.FloatField  # rejects NaN and infinities


class NearForm(forms.Form):
    def clean(self):
        data = super().clean()
        has_lat = data.get("latitude") is not None
        has_lng = data.get("longitude") is not None
        if has_lat != has_lng:
            raise forms.ValidationError(POINT_INCOMPLETE, code="point_incomplete")
        return data


class WishFilter(filters.FilterSet):
    community = IdFilter(field_name="community", lookup_expr="exact")
    grid = IdFilter(field_name="grid", lookup_expr="exact")
    category = filters.ChoiceFilter(field_name="category", lookup_expr="exact", choices=WishCategory.choices)
    form = filters.ChoiceFilter(field_name="form", lookup_expr="exact", choices=WishForm.choices)
    beneficiary = filters.ChoiceFilter(field_name="beneficiary", lookup_expr="exact", choices=Beneficiary.choices)
    status = filters.MultipleChoiceFilter(field_name="status", lookup_expr="exact", choices=WishStatus.choices)
    deadline_after = filters.DateFilter(field_name="deadline", lookup_expr="date__gte")
    deadline_before = filters.DateFilter(field_name="deadline", lookup_expr="date__lte")
    latitude = FloatFilter(method="filter_near", min_value=-90, max_value=90)
    longitude = FloatFilter(method="filter_near", min_value=-180, max_value=180)
    radius = IdFilter(method="filter_near", min_value=1, max_value=NEAR_MAX_RADIUS_M)
    coord_system = filters.ChoiceFilter(method="filter_near", choices=CoordSystem.choices)

    class Meta:
        model = Wish
        fields = []
        form = NearForm

    # The WGS-84 point searched from, for the serializer's exact distances; None when not searching near.
    near_point = None

    def filter_near(self, queryset, name, value):
        # The four parameters are one filter: it runs once, on latitude, and reads the others from the form.
        if name != "latitude":
            return queryset
        data = self.form.cleaned_data
        self.near_point = to_wgs84(data["latitude"], data["longitude"], data.get("coord_system") or CoordSystem.WGS84)
        latitude, longitude = self.near_point
        return wish_near(
            queryset, latitude=latitude, longitude=longitude, radius_m=data.get("radius") or NEAR_DEFAULT_RADIUS_M
        )
