"""Small input and output serializers, one per endpoint shape; they never walk relations the selectors did not load."""

from django.utils import timezone
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from apps.accounts.scope import scope_for
from apps.core.serializers import InputSerializer
from apps.orgs.models import Member, Organ, PartyOrg
from apps.places.coords import CoordSystem
from apps.places.models import Community
from apps.registrations.models import Evaluation, EvaluationGrade, Pairing, Post, PostClaim, PostKind, Registration


def _max(model, field):
    return model._meta.get_field(field).max_length


class _NamedSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    name = serializers.CharField(read_only=True)


class _MemberSerializer(serializers.Serializer):
    """A member by name only: phone numbers never leave through these endpoints."""

    id = serializers.IntegerField(read_only=True)
    name = serializers.CharField(source="user.name", read_only=True)


# --- registrations ---------------------------------------------------------------------------------------------


class RegistrationSubmitInputSerializer(InputSerializer):
    # Blank is let through so the service answers with its own stable code (address_required).
    address = serializers.CharField(
        max_length=_max(Registration, "address"), required=False, allow_blank=True, default=""
    )
    latitude = serializers.FloatField(required=False, allow_null=True, default=None)
    longitude = serializers.FloatField(required=False, allow_null=True, default=None)
    coord_system = serializers.ChoiceField(choices=CoordSystem.choices, default=CoordSystem.WGS84)


class RegistrationRejectInputSerializer(InputSerializer):
    reason = serializers.CharField(
        max_length=_max(Registration, "reject_reason"), required=False, allow_blank=True, default=""
    )


def _sees_home(context, registration):
    """The member's home address and position: the member, the community's staff and the grid's worker (who visit
    and confirm); the organ side and street/district admins see the community and grid only (docs/privacy.md)."""
    request = context.get("request")
    if request is None:
        return False
    scope = scope_for(request.user)
    return (
        scope.member_id == registration.member_id
        or scope.manages_community(registration.community_id)
        or (registration.grid_id is not None and scope.works_grid(registration.grid_id))
    )


class RegistrationOutputSerializer(serializers.ModelSerializer):
    member = _MemberSerializer(read_only=True)
    organ = _NamedSerializer(source="member.organ", read_only=True)
    branch = _NamedSerializer(source="member.branch", read_only=True)
    community = _NamedSerializer(read_only=True)
    grid = _NamedSerializer(read_only=True, allow_null=True)
    decided_by = serializers.CharField(source="decided_by.name", read_only=True, allow_null=True)
    address = serializers.SerializerMethodField()
    latitude = serializers.SerializerMethodField()
    longitude = serializers.SerializerMethodField()

    class Meta:
        model = Registration
        fields = [
            "id",
            "member",
            "organ",
            "branch",
            "community",
            "grid",
            "address",
            "latitude",
            "longitude",
            "status",
            "submitted_at",
            "decided_at",
            "decided_by",
            "reject_reason",
            "closed_at",
            "receipt_number",
        ]
        read_only_fields = fields

    def get_address(self, registration) -> str | None:
        return registration.address if _sees_home(self.context, registration) else None

    def get_latitude(self, registration) -> float | None:
        return registration.latitude if _sees_home(self.context, registration) else None

    def get_longitude(self, registration) -> float | None:
        return registration.longitude if _sees_home(self.context, registration) else None


class ReceiptOutputSerializer(serializers.Serializer):
    """The receipt (回执) the member shows and their organ sees: who registered where, confirmed when and by whom."""

    receipt_number = serializers.CharField(read_only=True)
    registration = serializers.IntegerField(source="id", read_only=True)
    member_name = serializers.CharField(source="member.user.name", read_only=True)
    organ = serializers.CharField(source="member.organ.name", read_only=True)
    branch = serializers.CharField(source="member.branch.name", read_only=True)
    community = serializers.CharField(source="community.name", read_only=True)
    confirmed_at = serializers.DateTimeField(source="decided_at", read_only=True)
    confirmed_by = serializers.CharField(source="decided_by.name", read_only=True, allow_null=True)


# --- standing posts --------------------------------------------------------------------------------------------


class PostCreateInputSerializer(InputSerializer):
    community = serializers.PrimaryKeyRelatedField(queryset=Community.objects.all())
    kind = serializers.ChoiceField(choices=PostKind.choices)
    title = serializers.CharField(max_length=Post._meta.get_field("title").max_length)
    description = serializers.CharField(
        max_length=_max(Post, "description"), required=False, allow_blank=True, default=""
    )
    capacity = serializers.IntegerField(required=False, allow_null=True, min_value=1, default=None)


class PostUpdateInputSerializer(InputSerializer):
    kind = serializers.ChoiceField(choices=PostKind.choices, required=False)
    title = serializers.CharField(max_length=Post._meta.get_field("title").max_length, required=False)
    description = serializers.CharField(max_length=_max(Post, "description"), required=False, allow_blank=True)
    capacity = serializers.IntegerField(required=False, allow_null=True, min_value=1)


class _HolderSerializer(serializers.Serializer):
    name = serializers.CharField(source="member.user.name", read_only=True)
    claimed_at = serializers.DateTimeField(read_only=True)


class PostOutputSerializer(serializers.ModelSerializer):
    community = _NamedSerializer(read_only=True)
    holder_count = serializers.IntegerField(read_only=True)
    free_places = serializers.SerializerMethodField()
    holders = _HolderSerializer(source="open_claims", many=True, read_only=True)

    class Meta:
        model = Post
        fields = [
            "id",
            "community",
            "kind",
            "title",
            "description",
            "capacity",
            "is_active",
            "holder_count",
            "free_places",
            "holders",
        ]
        read_only_fields = fields

    def get_free_places(self, post) -> int | None:
        if post.capacity is None:
            return None
        return max(post.capacity - post.holder_count, 0)


class _PostRefSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    title = serializers.CharField(read_only=True)
    community = _NamedSerializer(read_only=True)


class PostClaimOutputSerializer(serializers.ModelSerializer):
    post = _PostRefSerializer(read_only=True)
    member = _MemberSerializer(read_only=True)

    class Meta:
        model = PostClaim
        fields = ["id", "post", "member", "claimed_at", "released_at"]
        read_only_fields = fields


# --- pairings --------------------------------------------------------------------------------------------------


class PairingCreateInputSerializer(InputSerializer):
    organ = serializers.PrimaryKeyRelatedField(queryset=Organ.objects.all())
    community = serializers.PrimaryKeyRelatedField(queryset=Community.objects.all())
    party_org = serializers.PrimaryKeyRelatedField(queryset=PartyOrg.objects.all(), required=False, allow_null=True)
    starts_on = serializers.DateField()
    ends_on = serializers.DateField(required=False, allow_null=True, default=None)
    projects = serializers.CharField(max_length=_max(Pairing, "projects"), required=False, allow_blank=True, default="")


class PairingEndInputSerializer(InputSerializer):
    ends_on = serializers.DateField(required=False, default=timezone.localdate)


class PairingOutputSerializer(serializers.ModelSerializer):
    organ = _NamedSerializer(read_only=True)
    party_org = _NamedSerializer(read_only=True, allow_null=True)
    community = _NamedSerializer(read_only=True)
    is_active = serializers.SerializerMethodField()

    class Meta:
        model = Pairing
        fields = ["id", "organ", "party_org", "community", "starts_on", "ends_on", "projects", "is_active"]
        read_only_fields = fields

    def get_is_active(self, pairing) -> bool:
        today = timezone.localdate()
        return pairing.starts_on <= today and (pairing.ends_on is None or pairing.ends_on >= today)


# --- evaluations -----------------------------------------------------------------------------------------------


@extend_schema_field(serializers.ChoiceField(choices=EvaluationGrade.choices))
class _GradeInputField(serializers.CharField):
    """Any text in, so that the service answers an unknown grade with its own code (evaluation_grade_invalid);
    documented as the enum of grades."""


class EvaluationSubmitInputSerializer(InputSerializer):
    member = serializers.PrimaryKeyRelatedField(queryset=Member.objects.all())
    community = serializers.PrimaryKeyRelatedField(queryset=Community.objects.all())
    # Range, grade and length are the service's rules, answered with their own codes (422).
    year = serializers.IntegerField()
    grade = _GradeInputField(allow_blank=True)
    comment = serializers.CharField(required=False, allow_blank=True, default="")


class EvaluationOutputSerializer(serializers.ModelSerializer):
    """Members by their real name: the readers are the community that rated them and their own organ."""

    member = _MemberSerializer(read_only=True)
    organ = _NamedSerializer(source="member.organ", read_only=True)
    branch = _NamedSerializer(source="member.branch", read_only=True)
    community = _NamedSerializer(read_only=True)
    grade_label = serializers.CharField(source="get_grade_display", read_only=True)
    evaluated_by = serializers.CharField(source="evaluated_by.name", read_only=True)

    class Meta:
        model = Evaluation
        fields = [
            "id",
            "member",
            "organ",
            "branch",
            "community",
            "year",
            "grade",
            "grade_label",
            "comment",
            "evaluated_by",
            "evaluated_at",
        ]
        read_only_fields = fields


class EvaluationCandidatesQuerySerializer(InputSerializer):
    community = serializers.IntegerField(min_value=1)
    year = serializers.IntegerField()


class _CandidateEvaluationSerializer(serializers.ModelSerializer):
    grade_label = serializers.CharField(source="get_grade_display", read_only=True)
    evaluated_by = serializers.CharField(source="evaluated_by.name", read_only=True)

    class Meta:
        model = Evaluation
        fields = ["id", "grade", "grade_label", "comment", "evaluated_by", "evaluated_at"]
        read_only_fields = fields


class EvaluationCandidateSerializer(serializers.Serializer):
    """A member the staff may rate for the year, with the community's evaluation of them so far (or null)."""

    member = _MemberSerializer(source="*", read_only=True)
    organ = _NamedSerializer(read_only=True)
    branch = _NamedSerializer(read_only=True)
    still_registered = serializers.BooleanField(read_only=True)
    evaluation = serializers.SerializerMethodField()

    @extend_schema_field(_CandidateEvaluationSerializer(allow_null=True))
    def get_evaluation(self, member):
        found = member.year_evaluations
        return _CandidateEvaluationSerializer(found[0]).data if found else None
