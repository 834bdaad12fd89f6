"""Query filters of the organizations lists (organs, Party organizations, members)."""

import django_filters
from django.db.models import Exists, OuterRef

from apps.orgs.models import Member, Organ, PartyOrg, PartyOrgKind


class OrganFilter(django_filters.FilterSet):
    name = django_filters.CharFilter(field_name="name", lookup_expr="icontains", max_length=100)
    category = django_filters.CharFilter(field_name="category", lookup_expr="exact", max_length=20)

    class Meta:
        model = Organ
        fields = ["name", "category"]


class PartyOrgFilter(django_filters.FilterSet):
    organ = django_filters.ModelChoiceFilter(field_name="organ", queryset=Organ.objects.all())
    parent = django_filters.ModelChoiceFilter(field_name="parent", queryset=PartyOrg.objects.all())
    kind = django_filters.ChoiceFilter(field_name="kind", choices=PartyOrgKind.choices)

    class Meta:
        model = PartyOrg
        fields = ["organ", "parent", "kind"]


class MemberFilter(django_filters.FilterSet):
    organ = django_filters.ModelChoiceFilter(field_name="organ", queryset=Organ.objects.all())
    branch = django_filters.ModelChoiceFilter(field_name="branch", queryset=PartyOrg.objects.all())
    # A Party org and everything under it (a committee or general branch selects all its branches).
    party_org = django_filters.ModelChoiceFilter(
        field_name="branch", queryset=PartyOrg.objects.all(), method="filter_party_org"
    )
    name = django_filters.CharFilter(field_name="user__name", lookup_expr="icontains", max_length=50)
    registered = django_filters.BooleanFilter(method="filter_registered", label="has a confirmed registration")
    community = django_filters.NumberFilter(method="filter_community", label="confirmed registration in community")

    class Meta:
        model = Member
        fields = ["organ", "branch", "party_org", "name", "registered", "community"]

    def filter_party_org(self, queryset, name, value):
        return queryset.filter(branch__path__startswith=value.path)

    def _confirmed(self):
        from apps.registrations.models import Registration, RegistrationStatus

        return Registration.objects.filter(member=OuterRef("pk"), status=RegistrationStatus.CONFIRMED)

    def filter_registered(self, queryset, name, value):
        exists = Exists(self._confirmed())
        return queryset.filter(exists) if value else queryset.exclude(exists)

    def filter_community(self, queryset, name, value):
        return queryset.filter(Exists(self._confirmed().filter(community_id=value)))
