"""Serializers of the activities API: a small input per action, outputs that never carry the check-in secret."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from apps.activities.models import Activity, ActivityCategory, Audience, SignUpStatus
from apps.core.serializers import InputSerializer
from apps.orgs.models import PartyOrg
from apps.places.coords import CoordSystem
from apps.places.models import Community, Grid
from apps.places.selectors import near_distance_m
from apps.teams.models import Team

_DESCRIPTION_MAX = Activity._meta.get_field("description").max_length

# --- inputs -----------------------------------------------------------------------------------------------------


class ActivityCreateInputSerializer(InputSerializer):
    community = serializers.PrimaryKeyRelatedField(queryset=Community.objects.all())
    grid = serializers.PrimaryKeyRelatedField(queryset=Grid.objects.all(), required=False, allow_null=True)
    organizer_party_org = serializers.PrimaryKeyRelatedField(
        queryset=PartyOrg.objects.all(), required=False, allow_null=True
    )
    organizer_team = serializers.PrimaryKeyRelatedField(
        queryset=Team.objects.all(),
        required=False,
        allow_null=True,
        help_text="A volunteer team organizing the activity as a group: its organ must be paired with the community.",
    )
    title = serializers.CharField(max_length=100)
    description = serializers.CharField(max_length=_DESCRIPTION_MAX, required=False, allow_blank=True, default="")
    category = serializers.ChoiceField(choices=ActivityCategory.choices)
    address = serializers.CharField(max_length=200)
    latitude = serializers.FloatField(required=False, allow_null=True, default=None)
    longitude = serializers.FloatField(required=False, allow_null=True, default=None)
    coord_system = serializers.ChoiceField(choices=CoordSystem.choices, default=CoordSystem.WGS84)
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField()
    signup_deadline = serializers.DateTimeField(required=False, allow_null=True, default=None)
    capacity = serializers.IntegerField(min_value=1, max_value=100_000)
    audience = serializers.ChoiceField(choices=Audience.choices, default=Audience.PAIRED)
    publish = serializers.BooleanField(default=False)
    # More than one: a weekly series of this many occurrences.
    weekly_occurrences = serializers.IntegerField(required=False, min_value=2, max_value=52)

    def validate(self, attrs):
        if (attrs.get("latitude") is None) != (attrs.get("longitude") is None):
            raise serializers.ValidationError({"longitude": "Give both latitude and longitude, or neither."})
        return attrs


class ActivityUpdateInputSerializer(InputSerializer):
    title = serializers.CharField(max_length=100, required=False)
    description = serializers.CharField(max_length=_DESCRIPTION_MAX, required=False, allow_blank=True)
    category = serializers.ChoiceField(choices=ActivityCategory.choices, required=False)
    starts_at = serializers.DateTimeField(required=False)
    ends_at = serializers.DateTimeField(required=False)
    signup_deadline = serializers.DateTimeField(required=False)
    capacity = serializers.IntegerField(min_value=1, max_value=100_000, required=False)
    audience = serializers.ChoiceField(choices=Audience.choices, required=False)
    organizer_team = serializers.PrimaryKeyRelatedField(
        queryset=Team.objects.all(),
        required=False,
        allow_null=True,
        help_text="The organizing volunteer team (its organ paired with the community); null removes it.",
    )


class TeamSignUpInputSerializer(InputSerializer):
    team = serializers.IntegerField(min_value=1, help_text="The volunteer team; the caller must be its leader.")
    members = serializers.ListField(
        child=serializers.IntegerField(min_value=1),
        min_length=1,
        max_length=200,
        help_text="The ids of the team's active members to sign up, in the order places are given.",
    )


class ActivityReasonInputSerializer(InputSerializer):
    reason = serializers.CharField(max_length=200)


class SignUpCancelInputSerializer(InputSerializer):
    reason = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


class CheckinInputSerializer(InputSerializer):
    """Either a position (latitude, longitude, coord_system, accuracy_m) or the on-site code."""

    code = serializers.CharField(max_length=16, required=False)
    latitude = serializers.FloatField(required=False, min_value=-90, max_value=90)
    longitude = serializers.FloatField(required=False, min_value=-180, max_value=180)
    coord_system = serializers.ChoiceField(choices=CoordSystem.choices, default=CoordSystem.WGS84)
    accuracy_m = serializers.FloatField(required=False, allow_null=True, min_value=0, default=None)

    def validate(self, attrs):
        has_code = bool(attrs.get("code"))
        has_point = attrs.get("latitude") is not None and attrs.get("longitude") is not None
        if has_code == has_point:
            raise serializers.ValidationError("Send either latitude and longitude, or a code.")
        return attrs


# --- outputs ----------------------------------------------------------------------------------------------------


class ActivityOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    description = serializers.CharField()
    category = serializers.CharField()
    status = serializers.CharField()
    community = serializers.IntegerField(source="community_id")
    community_name = serializers.CharField(source="community.name")
    grid = serializers.IntegerField(source="grid_id", allow_null=True)
    organizer_party_org = serializers.IntegerField(source="organizer_party_org_id", allow_null=True)
    organizer_team = serializers.IntegerField(source="organizer_team_id", allow_null=True)
    organizer_team_name = serializers.CharField(source="organizer_team.name", allow_null=True, default=None)
    series = serializers.IntegerField(source="series_id", allow_null=True)
    address = serializers.CharField()
    latitude = serializers.FloatField()
    longitude = serializers.FloatField()
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField()
    signup_deadline = serializers.DateTimeField()
    capacity = serializers.IntegerField()
    confirmed_count = serializers.IntegerField()
    places_left = serializers.IntegerField()
    audience = serializers.CharField()
    closed_reason = serializers.CharField()
    distance_m = serializers.SerializerMethodField()

    def get_distance_m(self, activity) -> int | None:
        near = self.context.get("near")
        if near is None:
            return None
        return near_distance_m(activity, near, (activity.latitude, activity.longitude))


class SignUpOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    activity = serializers.IntegerField(source="activity_id")
    activity_title = serializers.CharField(source="activity.title")
    member = serializers.IntegerField(source="member_id")
    member_name = serializers.CharField(source="member.user.name")
    team = serializers.IntegerField(
        source="team_id", allow_null=True, help_text="The volunteer team whose leader signed the member up, or null."
    )
    team_name = serializers.CharField(source="team.name", allow_null=True, default=None)
    status = serializers.CharField()
    waitlist_position = serializers.SerializerMethodField()
    signed_up_at = serializers.DateTimeField()
    promoted_at = serializers.DateTimeField(allow_null=True)
    cancelled_at = serializers.DateTimeField(allow_null=True)
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField()
    checked_in_at = serializers.DateTimeField(allow_null=True)
    checked_out_at = serializers.DateTimeField(allow_null=True)
    checkin_method = serializers.CharField()
    checkin_distance_m = serializers.FloatField(allow_null=True)

    def get_waitlist_position(self, signup) -> int | None:
        if signup.status != SignUpStatus.WAITLISTED:
            return None
        return getattr(signup, "waitlist_rank", None)


class CheckinCodeOutputSerializer(serializers.Serializer):
    code = serializers.CharField()
    expires_at = serializers.DateTimeField()
    qr_svg = serializers.SerializerMethodField()

    @extend_schema_field(serializers.CharField())
    def get_qr_svg(self, current):
        return current.qr_svg()
