"""Serializers of the household pairing API (small, one per purpose). Staff of the household's community read the
whole record; the paired member and team members read it with the head's name and phone masked."""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from apps.core.masking import mask_name, mask_phone
from apps.core.serializers import InputSerializer
from apps.core.text import DESCRIPTION_MAX, REASON_MAX
from apps.households.models import Household, HouseholdPairing, HouseholdSituation, HouseholdVisit
from apps.ledger.models import ServiceRecord
from apps.ledger.self_services import RESIDENTS_MAX
from apps.orgs.models import Member
from apps.places.models import Community, Grid
from apps.teams.models import Team

CONTENT_MAX = ServiceRecord._meta.get_field("content").max_length


class HouseholdOutputSerializer(serializers.ModelSerializer):
    """The whole record, for the staff of the household's community."""

    community_name = serializers.CharField(source="community.name", read_only=True)
    grid_name = serializers.CharField(source="grid.name", read_only=True, allow_null=True, default=None)
    consent_by_name = serializers.CharField(source="consent_by.name", read_only=True)

    class Meta:
        model = Household
        fields = [
            "id",
            "community",
            "community_name",
            "grid",
            "grid_name",
            "head_name",
            "phone",
            "address",
            "situation",
            "notes",
            "consent_on",
            "consent_by",
            "consent_by_name",
            "status",
            "closed_at",
            "closed_reason",
            "created_at",
        ]


class HouseholdPairedOutputSerializer(serializers.ModelSerializer):
    """What the paired member and team members read: the head's name and phone masked, the address in full."""

    community_name = serializers.CharField(source="community.name", read_only=True)
    head_name = serializers.SerializerMethodField(help_text=_("Masked: the family name only."))
    phone = serializers.SerializerMethodField(help_text=_("Masked."))

    class Meta:
        model = Household
        fields = ["id", "community", "community_name", "head_name", "phone", "address", "situation", "status"]

    def get_head_name(self, household) -> str:
        return mask_name(household.head_name)

    def get_phone(self, household) -> str:
        return mask_phone(household.phone) if household.phone else ""


class HouseholdPairingOutputSerializer(serializers.ModelSerializer):
    member_name = serializers.CharField(source="member.user.name", read_only=True, allow_null=True, default=None)
    team_name = serializers.CharField(source="team.name", read_only=True, allow_null=True, default=None)
    last_visit_at = serializers.DateTimeField(
        read_only=True, allow_null=True, help_text=_("When the latest visit (pending or approved) started.")
    )

    class Meta:
        model = HouseholdPairing
        fields = [
            "id",
            "household",
            "member",
            "member_name",
            "team",
            "team_name",
            "started_on",
            "ended_on",
            "end_reason",
            "last_visit_at",
            "created_at",
        ]


class HouseholdVisitOutputSerializer(serializers.ModelSerializer):
    record = serializers.IntegerField(source="record.pk", read_only=True, help_text=_("The visit's service record."))
    status = serializers.CharField(source="record.status", read_only=True)
    started_at = serializers.DateTimeField(source="record.started_at", read_only=True)
    ended_at = serializers.DateTimeField(source="record.ended_at", read_only=True)

    class Meta:
        model = HouseholdVisit
        fields = ["id", "pairing", "record", "status", "started_at", "ended_at"]


class HouseholdCreateInputSerializer(InputSerializer):
    community = serializers.PrimaryKeyRelatedField(queryset=Community.objects.all())
    grid = serializers.PrimaryKeyRelatedField(
        queryset=Grid.objects.all(), required=False, allow_null=True, default=None
    )
    head_name = serializers.CharField(max_length=50, help_text=_("The head of household's name."))
    phone = serializers.CharField(max_length=20, required=False, allow_blank=True, default="")
    address = serializers.CharField(max_length=100)
    situation = serializers.ChoiceField(choices=HouseholdSituation.choices)
    notes = serializers.CharField(max_length=DESCRIPTION_MAX, required=False, allow_blank=True, default="")
    consent_on = serializers.DateField(
        allow_null=True,
        help_text=_(
            "The day the household consented to being recorded (required: 422 consent_required without it). The "
            "signed-in staff member is recorded as who noted it."
        ),
    )


class HouseholdUpdateInputSerializer(InputSerializer):
    grid = serializers.PrimaryKeyRelatedField(queryset=Grid.objects.all(), required=False, allow_null=True)
    head_name = serializers.CharField(max_length=50, required=False)
    phone = serializers.CharField(max_length=20, required=False, allow_blank=True)
    address = serializers.CharField(max_length=100, required=False)
    situation = serializers.ChoiceField(choices=HouseholdSituation.choices, required=False)
    notes = serializers.CharField(max_length=DESCRIPTION_MAX, required=False, allow_blank=True)


class HouseholdReasonInputSerializer(InputSerializer):
    reason = serializers.CharField(max_length=REASON_MAX)


class HouseholdPairingCreateInputSerializer(InputSerializer):
    household = serializers.PrimaryKeyRelatedField(queryset=Household.objects.all())
    member = serializers.PrimaryKeyRelatedField(
        queryset=Member.objects.all(),
        required=False,
        allow_null=True,
        default=None,
        help_text=_("A member with a confirmed registration with the household's community (or give `team`)."),
    )
    team = serializers.PrimaryKeyRelatedField(
        queryset=Team.objects.all(),
        required=False,
        allow_null=True,
        default=None,
        help_text=_("An active volunteer team (or give `member`)."),
    )
    started_on = serializers.DateField(required=False, allow_null=True, default=None, help_text=_("Default: today."))


class HouseholdVisitInputSerializer(InputSerializer):
    started_at = serializers.DateTimeField()
    ended_at = serializers.DateTimeField(help_text=_("Not in the future: a visit is registered once it is over."))
    content = serializers.CharField(max_length=CONTENT_MAX, help_text=_("What was done during the visit."))
    residents_served = serializers.IntegerField(required=False, default=1, min_value=0, max_value=RESIDENTS_MAX)
    photo = serializers.FileField(
        required=False, allow_empty_file=False, help_text=_("Optional: a JPEG, PNG or WebP photo of the visit.")
    )
