"""Admin for the geography tree and the gazetteer: reference data edited by platform administrators."""

from django import forms
from django.contrib import admin

from apps.places import errors
from apps.places.models import Community, District, GazetteerEntry, Grid, Street


def _clean_boundary(value):
    """A boundary the geocoder can use: at least three [longitude, latitude] pairs in range, or nothing."""
    if value in (None, "", []):
        return None
    try:
        ok = (
            isinstance(value, list)
            and len(value) >= 3
            and all(
                isinstance(p, list | tuple) and len(p) == 2 and -180 <= float(p[0]) <= 180 and -90 <= float(p[1]) <= 90
                for p in value
            )
        )
    except (TypeError, ValueError):
        ok = False
    if not ok:
        raise forms.ValidationError(errors.INVALID_POLYGON, code="invalid_polygon")
    return value


class _BoundaryForm(forms.ModelForm):
    def clean_polygon(self):
        return _clean_boundary(self.cleaned_data.get("polygon"))


class _PlaceAdmin(admin.ModelAdmin):
    search_fields = ["name", "code"]
    ordering = ["code"]


@admin.register(District)
class DistrictAdmin(_PlaceAdmin):
    list_display = ["code", "name", "latitude", "longitude"]


@admin.register(Street)
class StreetAdmin(_PlaceAdmin):
    list_display = ["code", "name", "district", "latitude", "longitude"]
    list_filter = ["district"]
    list_select_related = ["district"]
    autocomplete_fields = ["district"]


@admin.register(Community)
class CommunityAdmin(_PlaceAdmin):
    form = _BoundaryForm
    list_display = ["code", "name", "kind", "street", "contact_phone", "latitude", "longitude"]
    list_filter = ["kind", "street__district", "street"]
    list_select_related = ["street"]
    search_fields = ["name", "code", "address"]
    autocomplete_fields = ["street"]


@admin.register(Grid)
class GridAdmin(_PlaceAdmin):
    form = _BoundaryForm
    list_display = ["code", "name", "community", "grid_worker", "latitude", "longitude"]
    list_filter = ["community__street__district", "community__street"]
    list_select_related = ["community", "grid_worker"]
    search_fields = ["name", "code", "community__name"]
    autocomplete_fields = ["community"]
    # The user admin may not offer autocomplete, so pick the worker by id.
    raw_id_fields = ["grid_worker"]


@admin.register(GazetteerEntry)
class GazetteerEntryAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "community", "latitude", "longitude"]
    list_filter = ["kind", "community__street__district"]
    list_select_related = ["community"]
    search_fields = ["name", "community__name"]
    ordering = ["name"]
    autocomplete_fields = ["community"]
