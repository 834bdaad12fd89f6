"""Serializers of the wishes API: small inputs per action, outputs that mask the resident unless the viewer may see.

Privacy is decided by the selector (`sees_resident` on each wish, the claim's status in "my claims") and applied by
apps.wishes.privacy, as on the pages; these serializers only show what it returns.
"""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from apps.core.serializers import InputSerializer
from apps.ledger.models import AuditEntry
from apps.orgs.models import Member, PartyOrg
from apps.places.models import Community, Grid
from apps.places.selectors import near_distance_m
from apps.teams.models import Team
from apps.wishes.contact_views import ContactChannel
from apps.wishes.models import Beneficiary, Wish, WishCategory, WishClaim, WishForm
from apps.wishes.privacy import claim_resident, wish_resident


def _max(model, field):
    return model._meta.get_field(field).max_length


# --- inputs -----------------------------------------------------------------------------------------------------


class WishCreateInputSerializer(InputSerializer):
    community = serializers.PrimaryKeyRelatedField(queryset=Community.objects.all(), required=False)
    grid = serializers.PrimaryKeyRelatedField(queryset=Grid.objects.all())
    title = serializers.CharField(max_length=100)
    story = serializers.CharField(max_length=_max(Wish, "story"), required=False, allow_blank=True, default="")
    category = serializers.ChoiceField(choices=WishCategory.choices)
    form = serializers.ChoiceField(choices=WishForm.choices, default=WishForm.MATERIAL)
    beneficiary = serializers.ChoiceField(choices=Beneficiary.choices, default=Beneficiary.INDIVIDUAL)
    residents_count = serializers.IntegerField(min_value=1, default=1)
    # The cap (WISH_MAX_VALUE) is a domain rule and answers 422 from the service; here only the number's shape.
    estimated_value = serializers.DecimalField(max_digits=8, decimal_places=2, min_value=0, default=0)
    resident_name = serializers.CharField(max_length=50)
    resident_phone = serializers.CharField(max_length=20, required=False, allow_blank=True, default="")
    resident_address = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    deadline = serializers.DateTimeField()
    photo = serializers.FileField(required=False, allow_empty_file=False)
    publish = serializers.BooleanField(default=False)


class WishClaimInputSerializer(InputSerializer):
    as_branch = serializers.PrimaryKeyRelatedField(
        queryset=PartyOrg.objects.all(),
        required=False,
        allow_null=True,
        help_text="Claim as a group for this branch (its secretary only). Not together with as_team.",
    )
    as_team = serializers.PrimaryKeyRelatedField(
        queryset=Team.objects.all(),
        required=False,
        allow_null=True,
        help_text="Claim as a group for this volunteer team (its leader only; the team must be active and within "
        "its open-claims limit). Not together with as_branch.",
    )


class ReasonInputSerializer(InputSerializer):
    reason = serializers.CharField(max_length=200)


class OptionalReasonInputSerializer(InputSerializer):
    reason = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


class WishFulfilInputSerializer(InputSerializer):
    note = serializers.CharField(max_length=_max(Wish, "fulfil_note"))
    photo = serializers.FileField(required=False, allow_empty_file=False)
    participants = serializers.PrimaryKeyRelatedField(
        queryset=Member.objects.all(), many=True, required=False, default=list
    )


class MyClaimsQuerySerializer(InputSerializer):
    """`active`: true (or 1) for open claims only; a value that is not a boolean is a 400, never an unfiltered list."""

    active = serializers.BooleanField(required=False, default=False)


class WishConfirmInputSerializer(InputSerializer):
    rating = serializers.IntegerField(min_value=1, max_value=5)
    comment = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


# --- outputs ----------------------------------------------------------------------------------------------------


class ClaimOutputSerializer(serializers.ModelSerializer):
    """Who holds the wish: a member by name, or a branch or a volunteer team with the members who took part."""

    member_name = serializers.CharField(source="member.user.name", default=None, allow_null=True)
    branch_name = serializers.CharField(source="branch.name", default=None, allow_null=True)
    team_name = serializers.CharField(source="team.name", default=None, allow_null=True)
    participants = serializers.SerializerMethodField()

    class Meta:
        model = WishClaim
        fields = [
            "id",
            "status",
            "member",
            "member_name",
            "branch",
            "branch_name",
            "team",
            "team_name",
            "claimed_at",
            "claim_deadline",
            "participants",
        ]

    @extend_schema_field(serializers.ListField(child=serializers.DictField()))
    def get_participants(self, claim):
        return [{"member": p.member_id, "name": p.member.user.name} for p in claim.participants.all()]


def _file_url(field, request):
    if not field:
        return None
    return request.build_absolute_uri(field.url) if request is not None else field.url


class WishOutputSerializer(serializers.Serializer):
    """A wish as the selector's flags allow (`sees_resident`, `is_claimant`); `distance_m` when searched near; in a
    list (context `listing`) without the resident's phone and address."""

    id = serializers.IntegerField()
    title = serializers.CharField()
    story = serializers.CharField()
    category = serializers.CharField()
    form = serializers.CharField()
    beneficiary = serializers.CharField()
    residents_count = serializers.IntegerField()
    estimated_value = serializers.DecimalField(max_digits=8, decimal_places=2)
    status = serializers.CharField()
    community = serializers.IntegerField(source="community_id")
    community_name = serializers.CharField(source="community.name")
    grid = serializers.IntegerField(source="grid_id")
    grid_name = serializers.CharField(source="grid.name")
    deadline = serializers.DateTimeField()
    published_at = serializers.DateTimeField(allow_null=True)
    resident_name = serializers.SerializerMethodField()
    resident_phone = serializers.SerializerMethodField()
    resident_address = serializers.SerializerMethodField()
    photo = serializers.SerializerMethodField()
    fulfilled_at = serializers.DateTimeField(allow_null=True)
    fulfil_note = serializers.CharField()
    fulfil_photo = serializers.SerializerMethodField()
    confirmed_at = serializers.DateTimeField(allow_null=True)
    rating = serializers.IntegerField(allow_null=True)
    rating_comment = serializers.CharField()
    closed_reason = serializers.CharField()
    is_claimant = serializers.BooleanField(default=False)
    claim = serializers.SerializerMethodField()
    distance_m = serializers.SerializerMethodField()
    resident_ratings = serializers.SerializerMethodField(
        help_text="The residents' own ratings (验单) of the requests behind this wish (居民点单), beside the "
        "community's `rating`: for viewers who see the resident, in a single wish's answer; [] otherwise."
    )

    def _shown(self, wish):
        return wish_resident(wish, contact=not self.context.get("listing", False))

    def get_resident_name(self, wish) -> str:
        return self._shown(wish).name

    def get_resident_phone(self, wish) -> str | None:
        return self._shown(wish).phone

    def get_resident_address(self, wish) -> str | None:
        return self._shown(wish).address

    def get_photo(self, wish) -> str | None:
        return _file_url(wish.photo, self.context.get("request"))

    def get_fulfil_photo(self, wish) -> str | None:
        return _file_url(wish.fulfil_photo, self.context.get("request"))

    @extend_schema_field(ClaimOutputSerializer(allow_null=True))
    def get_claim(self, wish):
        claims = getattr(wish, "current_claims", None)
        if not claims:
            return None
        # One claim serializer for all the wishes of a list: building a ModelSerializer's fields costs more than
        # writing a claim out.
        claim_serializer = self.__dict__.get("_claim_serializer")
        if claim_serializer is None:
            claim_serializer = self._claim_serializer = ClaimOutputSerializer(context=self.context)
        return claim_serializer.to_representation(claims[0])

    @extend_schema_field(serializers.ListField(child=serializers.DictField()))
    def get_resident_ratings(self, wish):
        if self.context.get("listing", False) or not getattr(wish, "sees_resident", False):
            return []
        rated = wish.resident_requests.filter(resident_rating__isnull=False).order_by("rated_at", "id")
        return [
            {
                "request": r.pk,
                "rating": r.resident_rating,
                "comment": r.resident_comment,
                "rated_at": serializers.DateTimeField().to_representation(r.rated_at),
            }
            for r in rated
        ]

    def get_distance_m(self, wish) -> int | None:
        near = self.context.get("near")
        if near is None:
            return None
        return near_distance_m(wish, near, (wish.grid.latitude, wish.grid.longitude))


class MyClaimOutputSerializer(serializers.ModelSerializer):
    """One of the user's claims with its wish; the resident's name is shown while the claim is theirs (the phone and
    address in the wish's own answer, where the showing is recorded)."""

    wish = serializers.SerializerMethodField()
    member_name = serializers.CharField(source="member.user.name", default=None, allow_null=True)
    branch_name = serializers.CharField(source="branch.name", default=None, allow_null=True)
    team_name = serializers.CharField(source="team.name", default=None, allow_null=True)

    class Meta:
        model = WishClaim
        fields = [
            "id",
            "status",
            "member",
            "member_name",
            "branch",
            "branch_name",
            "team",
            "team_name",
            "claimed_at",
            "claim_deadline",
            "released_at",
            "release_reason",
            "wish",
        ]

    @extend_schema_field(serializers.DictField())
    def get_wish(self, claim):
        wish = claim.wish
        resident = claim_resident(claim)
        return {
            "id": wish.pk,
            "title": wish.title,
            "status": wish.status,
            "category": wish.category,
            "form": wish.form,
            "community": wish.community_id,
            "community_name": wish.community.name,
            "grid": wish.grid_id,
            "grid_name": wish.grid.name,
            "deadline": serializers.DateTimeField().to_representation(wish.deadline),
            "resident_name": resident.name,
            "resident_phone": resident.phone,
            "resident_address": resident.address,
        }


class ContactViewOutputSerializer(serializers.ModelSerializer):
    """One showing of a wish's unmasked resident: who, when, through which channel."""

    viewer = serializers.IntegerField(source="actor_id", allow_null=True)
    viewer_name = serializers.CharField(source="actor.name", default=None, allow_null=True)
    channel = serializers.SerializerMethodField()

    class Meta:
        model = AuditEntry
        fields = ["id", "at", "viewer", "viewer_name", "channel"]

    @extend_schema_field(serializers.ChoiceField(choices=ContactChannel.choices))
    def get_channel(self, entry):
        return (entry.after or {}).get("channel", "")
