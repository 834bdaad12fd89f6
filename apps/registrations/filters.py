"""Query filters of the registrations lists; a malformed parameter is a 400, never an unfiltered list."""

from django import forms
from django_filters import rest_framework as filters

from apps.core.filters import FilterSet, IdFilter
from apps.registrations.models import (
    Evaluation,
    EvaluationGrade,
    Pairing,
    Post,
    PostClaim,
    PostKind,
    Registration,
    RegistrationStatus,
)
from apps.registrations.selectors import pairing_active_q


class StrictBooleanFilter(filters.TypedChoiceFilter):
    """true/false (or 1/0); anything else is rejected instead of being silently ignored."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("choices", [("true", "true"), ("false", "false"), ("1", "1"), ("0", "0")])
        kwargs.setdefault("coerce", lambda value: value in ("true", "1"))
        super().__init__(*args, **kwargs)


class RegistrationFilter(FilterSet):
    community = IdFilter(field_name="community", lookup_expr="exact")
    grid = IdFilter(field_name="grid", lookup_expr="exact")
    status = filters.ChoiceFilter(field_name="status", lookup_expr="exact", choices=RegistrationStatus.choices)
    organ = IdFilter(field_name="member__organ", lookup_expr="exact")
    branch = IdFilter(field_name="member__branch", lookup_expr="exact")
    submitted_from = filters.DateFilter(field_name="submitted_at", lookup_expr="date__gte")
    submitted_to = filters.DateFilter(field_name="submitted_at", lookup_expr="date__lte")

    class Meta:
        model = Registration
        fields = []


class PostFilter(FilterSet):
    community = IdFilter(field_name="community", lookup_expr="exact")
    kind = filters.ChoiceFilter(field_name="kind", lookup_expr="exact", choices=PostKind.choices)
    active = StrictBooleanFilter(field_name="is_active", lookup_expr="exact")

    class Meta:
        model = Post
        fields = []


class PostClaimFilter(FilterSet):
    post = IdFilter(field_name="post", lookup_expr="exact")
    community = IdFilter(field_name="post__community", lookup_expr="exact")
    member = IdFilter(field_name="member", lookup_expr="exact")
    open = StrictBooleanFilter(field_name="released_at", lookup_expr="isnull")

    class Meta:
        model = PostClaim
        fields = []


class PairingFilter(FilterSet):
    organ = IdFilter(field_name="organ", lookup_expr="exact")
    party_org = IdFilter(field_name="party_org", lookup_expr="exact")
    community = IdFilter(field_name="community", lookup_expr="exact")
    # Two columns decide whether a pairing runs on a day, which one field_name cannot express.
    active_on = filters.DateFilter(method="filter_active_on")

    class Meta:
        model = Pairing
        fields = []

    def filter_active_on(self, queryset, name, value):
        return queryset.filter(pairing_active_q(value))


class WholeNumberFilter(filters.NumberFilter):
    field_class = forms.IntegerField


class EvaluationFilter(FilterSet):
    year = WholeNumberFilter(field_name="year", lookup_expr="exact")
    community = IdFilter(field_name="community", lookup_expr="exact")
    member = IdFilter(field_name="member", lookup_expr="exact")
    organ = IdFilter(field_name="member__organ", lookup_expr="exact")
    branch = IdFilter(field_name="member__branch", lookup_expr="exact")
    grade = filters.ChoiceFilter(field_name="grade", lookup_expr="exact", choices=EvaluationGrade.choices)

    class Meta:
        model = Evaluation
        fields = []
