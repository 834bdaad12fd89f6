"""Query filters of the ledger lists (service records, the audit trail)."""

import django_filters

from apps.ledger.models import AuditEntry, RecordStatus, ServiceCategory, ServiceRecord, ServiceSource
from apps.orgs.models import Member, Organ, PartyOrg
from apps.places.models import Community, Grid


class ServiceRecordFilter(django_filters.FilterSet):
    member = django_filters.ModelChoiceFilter(field_name="member", queryset=Member.objects.all())
    # Organ and branch are those of the member at the time of service.
    organ = django_filters.ModelChoiceFilter(field_name="organ", queryset=Organ.objects.all())
    branch = django_filters.ModelChoiceFilter(field_name="branch", queryset=PartyOrg.objects.all())
    # A Party org and everything under it (a committee or general branch selects all its branches).
    party_org = django_filters.ModelChoiceFilter(
        field_name="branch", queryset=PartyOrg.objects.all(), method="filter_party_org"
    )
    community = django_filters.ModelChoiceFilter(field_name="community", queryset=Community.objects.all())
    grid = django_filters.ModelChoiceFilter(field_name="grid", queryset=Grid.objects.all())
    source = django_filters.ChoiceFilter(field_name="source", choices=ServiceSource.choices)
    category = django_filters.ChoiceFilter(field_name="category", choices=ServiceCategory.choices)
    status = django_filters.ChoiceFilter(field_name="status", choices=RecordStatus.choices)
    # Local calendar days of the start, both inclusive.
    started_from = django_filters.DateFilter(field_name="started_at", lookup_expr="date__gte")
    started_to = django_filters.DateFilter(field_name="started_at", lookup_expr="date__lte")

    class Meta:
        model = ServiceRecord
        fields = [
            "member",
            "organ",
            "branch",
            "party_org",
            "community",
            "grid",
            "source",
            "category",
            "status",
            "started_from",
            "started_to",
        ]

    def filter_party_org(self, queryset, name, value):
        return queryset.filter(branch__path__startswith=value.path)


class AuditEntryFilter(django_filters.FilterSet):
    subject_type = django_filters.CharFilter(field_name="subject_type", lookup_expr="exact")
    subject_id = django_filters.NumberFilter(field_name="subject_id", lookup_expr="exact")
    action = django_filters.CharFilter(field_name="action", lookup_expr="exact")

    class Meta:
        model = AuditEntry
        fields = ["subject_type", "subject_id", "action"]
