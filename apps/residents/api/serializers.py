"""Serializers of the resident requests API (staff and grid workers): small inputs per action, one output.

Only the community's staff and the grid's worker reach these (the selector scopes), and they see the resident in
full, as they see a wish's resident; the tracking token is never in an answer.
"""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from apps.core.serializers import InputSerializer
from apps.places.models import Grid
from apps.residents import selectors
from apps.residents.models import ResidentRequest
from apps.wishes.models import Beneficiary, Wish, WishCategory, WishForm


class RequestOutputSerializer(serializers.ModelSerializer):
    community_name = serializers.CharField(source="community.name", help_text="Name of the request's community.")
    grid_name = serializers.CharField(
        source="grid.name", default=None, allow_null=True, help_text="Name of its grid (null: none matched)."
    )
    stage = serializers.SerializerMethodField(help_text="What the resident's tracking page shows (查单).")
    photo = serializers.SerializerMethodField(help_text="URL of the resident's photo, or null.")
    wish_status = serializers.CharField(
        source="wish.status", default=None, allow_null=True, help_text="Status of the linked wish, or null."
    )

    class Meta:
        model = ResidentRequest
        fields = [
            "id",
            "status",
            "stage",
            "community",
            "community_name",
            "grid",
            "grid_name",
            "name",
            "phone",
            "address",
            "need",
            "photo",
            "created_at",
            "wish",
            "wish_status",
            "decided_by",
            "decided_at",
            "decline_reason",
            "resident_rating",
            "resident_comment",
            "rated_at",
        ]
        extra_kwargs = {
            "status": {"help_text": "received, accepted (new wish), merged (into a wish) or declined."},
            "wish": {"help_text": "The wish it was accepted or merged into."},
            "decline_reason": {"help_text": "Why it was declined; the resident reads it."},
            "resident_rating": {"help_text": "The resident's own rating (验单), 1-5, once the wish is done."},
        }

    @extend_schema_field(
        serializers.ChoiceField(choices=["received", "accepted", "claimed", "done", "declined", "cancelled", "expired"])
    )
    def get_stage(self, request):
        return selectors.request_stage(request)

    def get_photo(self, obj) -> str | None:
        if not obj.photo:
            return None
        http = self.context.get("request")
        return http.build_absolute_uri(obj.photo.url) if http is not None else obj.photo.url


class RequestAcceptInputSerializer(InputSerializer):
    grid = serializers.PrimaryKeyRelatedField(
        queryset=Grid.objects.all(),
        required=False,
        allow_null=True,
        help_text="The wish's grid; default the request's (required when its address matched no grid).",
    )
    title = serializers.CharField(max_length=Wish._meta.get_field("title").max_length, help_text="The wish's title.")
    story = serializers.CharField(
        max_length=Wish._meta.get_field("story").max_length,
        required=False,
        allow_blank=True,
        default="",
        help_text="The wish's description (the pages prefill the resident's need).",
    )
    category = serializers.ChoiceField(choices=WishCategory.choices)
    form = serializers.ChoiceField(choices=WishForm.choices, default=WishForm.MATERIAL)
    beneficiary = serializers.ChoiceField(choices=Beneficiary.choices, default=Beneficiary.INDIVIDUAL)
    residents_count = serializers.IntegerField(min_value=1, default=1)
    estimated_value = serializers.DecimalField(max_digits=8, decimal_places=2, min_value=0, default=0)
    deadline = serializers.DateTimeField(help_text="The wish's deadline (future).")
    use_photo = serializers.BooleanField(default=False, help_text="Give the wish the resident's photo.")
    publish = serializers.BooleanField(
        default=False, help_text="Community staff only: publish at once (a grid worker's wish waits for verification)."
    )


class RequestMergeInputSerializer(InputSerializer):
    wish = serializers.PrimaryKeyRelatedField(
        queryset=Wish.objects.all(),
        help_text="An open wish of the request's community (of your grid, for a grid worker), not yet fulfilled.",
    )


class RequestDeclineInputSerializer(InputSerializer):
    reason = serializers.CharField(max_length=200, help_text="Why it is declined; the resident reads it.")
