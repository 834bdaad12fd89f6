"""Output serializers of the places API (read-only) and the geocode preview's input and output."""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from apps.core.serializers import InputSerializer
from apps.places.coords import CoordSystem
from apps.places.models import Community, District, Grid, Street

_PLACE_FIELDS = ["id", "name", "code", "latitude", "longitude"]


class DistrictSerializer(serializers.ModelSerializer):
    class Meta:
        model = District
        fields = _PLACE_FIELDS


class StreetSerializer(serializers.ModelSerializer):
    district_id = serializers.IntegerField(read_only=True)
    district_name = serializers.CharField(source="district.name", read_only=True)

    class Meta:
        model = Street
        fields = [*_PLACE_FIELDS, "district_id", "district_name"]


class CommunitySerializer(serializers.ModelSerializer):
    street_id = serializers.IntegerField(read_only=True)
    street_name = serializers.CharField(source="street.name", read_only=True)
    district_id = serializers.IntegerField(source="street.district_id", read_only=True)
    district_name = serializers.CharField(source="street.district.name", read_only=True)

    class Meta:
        model = Community
        # contact_phone is the community office's public number, not a person's.
        fields = [
            *_PLACE_FIELDS,
            "street_id",
            "street_name",
            "district_id",
            "district_name",
            "kind",
            "address",
            "contact_phone",
        ]


class CommunityDetailSerializer(CommunitySerializer):
    class Meta(CommunitySerializer.Meta):
        fields = [*CommunitySerializer.Meta.fields, "polygon"]


class GridSerializer(serializers.ModelSerializer):
    community_id = serializers.IntegerField(read_only=True)
    community_name = serializers.CharField(source="community.name", read_only=True)
    street_id = serializers.IntegerField(source="community.street_id", read_only=True)
    street_name = serializers.CharField(source="community.street.name", read_only=True)
    district_id = serializers.IntegerField(source="community.street.district_id", read_only=True)
    district_name = serializers.CharField(source="community.street.district.name", read_only=True)
    # The worker's name only: their phone number is personal data and stays out of a list every user can read.
    grid_worker_name = serializers.CharField(source="grid_worker.name", read_only=True, allow_null=True)

    class Meta:
        model = Grid
        fields = [
            *_PLACE_FIELDS,
            "community_id",
            "community_name",
            "street_id",
            "street_name",
            "district_id",
            "district_name",
            "grid_worker_name",
        ]


class GridDetailSerializer(GridSerializer):
    class Meta(GridSerializer.Meta):
        fields = [*GridSerializer.Meta.fields, "polygon"]


class GeocodeQuerySerializer(InputSerializer):
    """Either an address, or a point with the coordinate system the client's map reported it in."""

    address = serializers.CharField(required=False, allow_blank=True, max_length=200)
    latitude = serializers.FloatField(required=False)
    longitude = serializers.FloatField(required=False)
    coord_system = serializers.ChoiceField(choices=CoordSystem.choices, default=CoordSystem.WGS84)
    residence = serializers.BooleanField(
        default=False,
        help_text=(
            "true: match only residential communities and villages (where members live), as a registration does; "
            "false: any kind of place (enterprises too)."
        ),
    )

    def validate(self, attrs):
        if "address" not in attrs and ("latitude" not in attrs or "longitude" not in attrs):
            raise serializers.ValidationError(_("Give an address, or both latitude and longitude."))
        return attrs


class PlaceRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class GeocodeResultSerializer(serializers.Serializer):
    latitude = serializers.FloatField(help_text="WGS-84")
    longitude = serializers.FloatField(help_text="WGS-84")
    community = PlaceRefSerializer()
    grid = PlaceRefSerializer(allow_null=True)
    matched_name = serializers.CharField(allow_null=True)
