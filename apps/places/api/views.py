"""Read-only endpoints of the geography tree and the address preview shown before a member registers."""

from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers, viewsets
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.places import filters, geocoding, selectors
from apps.places.api import serializers as out
from apps.places.models import RESIDENTIAL_KINDS


class DistrictViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = out.DistrictSerializer

    def get_queryset(self):
        return selectors.district_list()


class StreetViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = out.StreetSerializer
    filterset_class = filters.StreetFilter

    def get_queryset(self):
        return selectors.street_list()


class CommunityViewSet(viewsets.ReadOnlyModelViewSet):
    filterset_class = filters.CommunityFilter

    def get_queryset(self):
        return selectors.community_list()

    def get_serializer_class(self):
        return out.CommunityDetailSerializer if self.action == "retrieve" else out.CommunitySerializer


class GridViewSet(viewsets.ReadOnlyModelViewSet):
    filterset_class = filters.GridFilter

    def get_queryset(self):
        return selectors.grid_list()

    def get_serializer_class(self):
        return out.GridDetailSerializer if self.action == "retrieve" else out.GridSerializer


_ERROR = inline_serializer("PlacesError", {"code": serializers.CharField(), "detail": serializers.CharField()})


class GeocodeView(APIView):
    @extend_schema(
        summary="Preview where an address or a point belongs",
        description=(
            "Give `address`, or `latitude` and `longitude` with the `coord_system` the client's map reported "
            "(browsers: wgs84; AMap/Tencent: gcj02; Baidu: bd09). The answer is always in WGS-84."
        ),
        parameters=[out.GeocodeQuerySerializer],
        responses={
            200: out.GeocodeResultSerializer,
            400: OpenApiResponse(description="Neither an address nor a point was given (invalid_input)."),
            422: OpenApiResponse(
                _ERROR,
                description="address_required, address_not_found, address_outside_service_area, invalid_coordinates",
            ),
            503: OpenApiResponse(_ERROR, description="geocoder_unavailable"),
        },
    )
    def get(self, request):
        params = out.GeocodeQuerySerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        data = params.validated_data
        kinds = RESIDENTIAL_KINDS if data["residence"] else None
        if "address" in data:
            result = geocoding.resolve_address(data["address"], kinds=kinds)
        else:
            result = geocoding.resolve_coordinates(
                latitude=data["latitude"], longitude=data["longitude"], coord_system=data["coord_system"], kinds=kinds
            )
        return Response(out.GeocodeResultSerializer(result).data)
