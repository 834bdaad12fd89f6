"""Query filters of the wishes list; a malformed parameter is a 400, never an unfiltered list.

"Near me": `latitude` and `longitude` together (one without the other is a 400), `radius` in metres (default
3000, at most 50000) and `coord_system` (wgs84 by default; gcj02 and bd09 are converted to WGS-84 first). The
result is limited to the radius and ordered by distance.
"""

from django_filters import rest_framework as filters

from apps.core.filters import IdFilter
from apps.places.filters import NearForm, NearMeFilterSet
from apps.wishes.models import Beneficiary, Wish, WishCategory, WishForm, WishStatus
from apps.wishes.selectors import NEAR_DEFAULT_RADIUS_M, wish_near


class WishFilter(NearMeFilterSet):
    community = IdFilter(field_name="community", lookup_expr="exact")
    grid = IdFilter(field_name="grid", lookup_expr="exact")
    category = filters.ChoiceFilter(field_name="category", lookup_expr="exact", choices=WishCategory.choices)
    form = filters.ChoiceFilter(field_name="form", lookup_expr="exact", choices=WishForm.choices)
    beneficiary = filters.ChoiceFilter(field_name="beneficiary", lookup_expr="exact", choices=Beneficiary.choices)
    # distinct=False: a column of the row, so no duplicates to remove (DISTINCT would compare every column).
    status = filters.MultipleChoiceFilter(
        field_name="status", lookup_expr="exact", choices=WishStatus.choices, distinct=False
    )
    deadline_after = filters.DateFilter(field_name="deadline", lookup_expr="date__gte")
    deadline_before = filters.DateFilter(field_name="deadline", lookup_expr="date__lte")

    class Meta:
        model = Wish
        fields = []
        form = NearForm

    near_default_radius_m = NEAR_DEFAULT_RADIUS_M

    def near(self, queryset, *, latitude, longitude, radius_m):
        return wish_near(queryset, latitude=latitude, longitude=longitude, radius_m=radius_m)
