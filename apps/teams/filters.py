"""Query filters of the teams list (the API's and the pages'); a malformed parameter is a 400, never an unfiltered
list."""

from django_filters import rest_framework as filters

from apps.core.filters import FilterSet, IdFilter
from apps.teams.models import Team, TeamSpecialty, TeamStatus


class TeamFilter(FilterSet):
    organ = IdFilter(field_name="organ", lookup_expr="exact", help_text="The organ's id.")
    party_org = IdFilter(
        field_name="party_org", lookup_expr="exact", help_text="The id of the Party organization that formed the team."
    )
    specialty = filters.ChoiceFilter(field_name="specialty", lookup_expr="exact", choices=TeamSpecialty.choices)
    status = filters.ChoiceFilter(field_name="status", lookup_expr="exact", choices=TeamStatus.choices)
    name = filters.CharFilter(field_name="name", lookup_expr="icontains", max_length=100, help_text="Part of the name.")

    class Meta:
        model = Team
        fields = []
