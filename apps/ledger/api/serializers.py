"""Serializers of the ledger API (small, one per purpose)."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from apps.core.serializers import InputSerializer
from apps.ledger.models import AuditEntry, SelfService, ServiceCategory, ServiceRecord, ServiceSource
from apps.ledger.self_services import PLACE_MAX
from apps.orgs.models import Member
from apps.places.models import Community, Grid
from apps.teams.models import Team

# The model's limits, so that the schema documents them and an overlong text is a 400 naming the field; the services
# check the same limits for every other caller (422 content_invalid / reason_too_long).
CONTENT_MAX = ServiceRecord._meta.get_field("content").max_length
REASON_MAX = ServiceRecord._meta.get_field("decision_reason").max_length


class AmendmentOutputSerializer(serializers.ModelSerializer):
    """A correction: its minutes and residents are deltas added to the original."""

    decided_by_name = serializers.CharField(source="decided_by.name", default=None, allow_null=True)
    reason = serializers.CharField(source="decision_reason")

    class Meta:
        model = ServiceRecord
        fields = ["id", "credited_minutes", "residents_served", "decided_by", "decided_by_name", "decided_at", "reason"]
        read_only_fields = fields


class RecordOutputSerializer(serializers.ModelSerializer):
    """An original record with its effective figures (expects selectors.record_list's annotations)."""

    member_name = serializers.CharField(source="member.user.name")
    organ_name = serializers.CharField(source="organ.name")
    branch_name = serializers.CharField(source="branch.name")
    community_name = serializers.CharField(source="community.name")
    grid_name = serializers.CharField(source="grid.name", default=None)
    recorded_by_name = serializers.CharField(source="recorded_by.name", default=None, allow_null=True)
    decided_by_name = serializers.CharField(source="decided_by.name", default=None, allow_null=True)
    effective_minutes = serializers.IntegerField()
    effective_residents_served = serializers.IntegerField()

    class Meta:
        model = ServiceRecord
        fields = [
            "id",
            "member",
            "member_name",
            "organ",
            "organ_name",
            "branch",
            "branch_name",
            "community",
            "community_name",
            "grid",
            "grid_name",
            "team",
            "source",
            "source_id",
            "category",
            "content",
            "started_at",
            "ended_at",
            "credited_minutes",
            "residents_served",
            "effective_minutes",
            "effective_residents_served",
            "status",
            "recorded_by",
            "recorded_by_name",
            "decided_by",
            "decided_by_name",
            "decided_at",
            "decision_reason",
        ]
        read_only_fields = fields


# What RecordOutputSerializer writes of a record read by selectors.record_list (QuerySet.only): the record's own
# columns and the names of what it points at, no other column of those.
RECORD_OUTPUT_COLUMNS = (
    *(name for name in RecordOutputSerializer.Meta.fields if not name.endswith("_name") and "effective" not in name),
    "member__user__name",
    "organ__name",
    "branch__name",
    "community__name",
    "grid__name",
    "recorded_by__name",
    "decided_by__name",
)


class SelfServiceOutputSerializer(serializers.ModelSerializer):
    """What a member said about a service they registered themself: where, and the photo they took."""

    photo = serializers.SerializerMethodField()

    class Meta:
        model = SelfService
        fields = ["place", "photo"]
        read_only_fields = fields

    def get_photo(self, self_service) -> str | None:
        return self_service.photo.url if self_service.photo else None


class RecordDetailOutputSerializer(RecordOutputSerializer):
    """The record and its corrections (expects selectors.record_detail_list's prefetch); for a self-registered
    service, its place and photo."""

    amendments = AmendmentOutputSerializer(many=True)
    self_service = serializers.SerializerMethodField()

    class Meta(RecordOutputSerializer.Meta):
        fields = [*RecordOutputSerializer.Meta.fields, "amendments", "self_service"]
        read_only_fields = fields

    @extend_schema_field(SelfServiceOutputSerializer(allow_null=True))
    def get_self_service(self, record):
        if record.source != ServiceSource.SELF:
            return None
        self_service = SelfService.objects.filter(pk=record.source_id).first()
        return SelfServiceOutputSerializer(self_service).data if self_service else None


class ManualRecordInputSerializer(InputSerializer):
    """Domain rules (times, minutes, reason, scope) are checked by the service; this only parses."""

    member = serializers.PrimaryKeyRelatedField(queryset=Member.objects.filter(is_active=True))
    community = serializers.PrimaryKeyRelatedField(queryset=Community.objects.all())
    grid = serializers.PrimaryKeyRelatedField(queryset=Grid.objects.all(), required=False, allow_null=True)
    category = serializers.ChoiceField(
        choices=ServiceCategory.choices, help_text=_("What the service was (patrol, clean-up, care visit ...).")
    )
    content = serializers.CharField(max_length=CONTENT_MAX)
    started_at = serializers.DateTimeField()
    ended_at = serializers.DateTimeField()
    credited_minutes = serializers.IntegerField()
    residents_served = serializers.IntegerField(required=False, default=0)
    reason = serializers.CharField(max_length=REASON_MAX, required=False, allow_blank=True, default="")


class SelfServiceInputSerializer(InputSerializer):
    """A service the member did and registers: the checks (times, overlap, daily maximum, photo) are the service's."""

    community = serializers.PrimaryKeyRelatedField(
        queryset=Community.objects.all(), help_text=_("The community where the service was done; its staff decide.")
    )
    grid = serializers.PrimaryKeyRelatedField(queryset=Grid.objects.all(), required=False, allow_null=True)
    place = serializers.CharField(max_length=PLACE_MAX, help_text=_("Where exactly the service was done."))
    category = serializers.ChoiceField(choices=ServiceCategory.choices)
    content = serializers.CharField(max_length=CONTENT_MAX, help_text=_("What was done."))
    started_at = serializers.DateTimeField()
    ended_at = serializers.DateTimeField(help_text=_("Not in the future: a service is registered once it is over."))
    residents_served = serializers.IntegerField(required=False, default=0)
    team = serializers.PrimaryKeyRelatedField(
        queryset=Team.objects.all(),
        required=False,
        allow_null=True,
        help_text=_("The volunteer team you served as, if any: you must have been in it on that day."),
    )
    photo = serializers.FileField(
        required=False, allow_empty_file=False, help_text=_("Optional: a JPEG, PNG or WebP photo of the service.")
    )


class RejectInputSerializer(InputSerializer):
    reason = serializers.CharField(max_length=REASON_MAX, required=False, allow_blank=True, default="")


class AmendInputSerializer(InputSerializer):
    credited_minutes = serializers.IntegerField()
    residents_served = serializers.IntegerField()
    reason = serializers.CharField(max_length=REASON_MAX, required=False, allow_blank=True, default="")


class PeriodInputSerializer(InputSerializer):
    """Whole days, both inclusive."""

    start = serializers.DateField(required=False)
    end = serializers.DateField(required=False)


class TotalsOutputSerializer(serializers.Serializer):
    start = serializers.DateField(allow_null=True)
    end = serializers.DateField(allow_null=True)
    minutes = serializers.IntegerField()
    hours = serializers.FloatField()
    services = serializers.IntegerField()
    wish_services = serializers.IntegerField()
    points = serializers.IntegerField()


class AuditEntryOutputSerializer(serializers.ModelSerializer):
    actor_name = serializers.CharField(source="actor.name", default=None, allow_null=True)

    class Meta:
        model = AuditEntry
        fields = [
            "id",
            "at",
            "actor",
            "actor_name",
            "subject_type",
            "subject_id",
            "action",
            "before",
            "after",
            "reason",
        ]
        read_only_fields = fields
