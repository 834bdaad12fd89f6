"""List filters of the places API; a malformed value is a 400, never an unfiltered list."""

from django import forms
from django_filters import rest_framework as filters

from apps.places.models import Community, Grid, Street


class IdFilter(filters.NumberFilter):
    """A primary key: whole numbers only (NumberFilter alone would accept "1.5")."""

    field_class = forms.IntegerField


class StreetFilter(filters.FilterSet):
    district = IdFilter(field_name="district_id", lookup_expr="exact")

    class Meta:
        model = Street
        fields = ["district"]


class CommunityFilter(filters.FilterSet):
    street = IdFilter(field_name="street_id", lookup_expr="exact")
    district = IdFilter(field_name="street__district_id", lookup_expr="exact")
    name = filters.CharFilter(field_name="name", lookup_expr="icontains", max_length=100)

    class Meta:
        model = Community
        fields = ["street", "district", "name"]


class GridFilter(filters.FilterSet):
    community = IdFilter(field_name="community_id", lookup_expr="exact")
    street = IdFilter(field_name="community__street_id", lookup_expr="exact")
    district = IdFilter(field_name="community__street__district_id", lookup_expr="exact")

    class Meta:
        model = Grid
        fields = ["community", "street", "district"]
