"""Organizations API: organs, Party orgs, members (create, move, affiliation history)."""

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from apps.orgs import filters, selectors, services
from apps.orgs.api import serializers
from apps.orgs.permissions import sees_full_contact


class OrganViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = serializers.OrganOutputSerializer
    filterset_class = filters.OrganFilter

    def get_queryset(self):
        return selectors.organ_list(user=self.request.user)

    @extend_schema(request=serializers.OrganInputSerializer, responses={201: serializers.OrganOutputSerializer})
    def create(self, request):
        data = serializers.OrganInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        organ = services.organ_create(actor=request.user, **data.validated_data)
        return Response(serializers.OrganOutputSerializer(organ).data, status=status.HTTP_201_CREATED)


class PartyOrgViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = serializers.PartyOrgOutputSerializer
    filterset_class = filters.PartyOrgFilter

    def get_queryset(self):
        return selectors.party_org_list(user=self.request.user)

    @extend_schema(request=serializers.PartyOrgInputSerializer, responses={201: serializers.PartyOrgOutputSerializer})
    def create(self, request):
        data = serializers.PartyOrgInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        parent = data.validated_data["parent"]
        org = services.party_org_create(
            actor=request.user,
            organ=parent.organ,
            parent=parent,
            kind=data.validated_data["kind"],
            name=data.validated_data["name"],
        )
        return Response(serializers.PartyOrgOutputSerializer(org).data, status=status.HTTP_201_CREATED)


class MemberViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Members visible to the user: themself, their organization's members, members registered in their area."""

    serializer_class = serializers.MemberOutputSerializer
    filterset_class = filters.MemberFilter

    def get_queryset(self):
        return selectors.member_list(user=self.request.user)

    def get_serializer_context(self):
        user = self.request.user
        return {**super().get_serializer_context(), "full_contact": lambda m: sees_full_contact(user, m)}

    def _out(self, member, **kwargs):
        return Response(self.get_serializer(member).data, **kwargs)

    @extend_schema(request=serializers.MemberCreateInputSerializer, responses={201: serializers.MemberOutputSerializer})
    def create(self, request):
        data = serializers.MemberCreateInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        member = services.member_create(actor=request.user, **data.validated_data)
        return self._out(member, status=status.HTTP_201_CREATED)

    @extend_schema(request=serializers.MemberMoveInputSerializer, responses=serializers.MemberOutputSerializer)
    @action(detail=True, methods=["post"])
    def move(self, request, pk=None):
        member = self.get_object()
        data = serializers.MemberMoveInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        member = services.member_move(actor=request.user, member=member, **data.validated_data)
        return self._out(member)

    @extend_schema(responses=serializers.AffiliationOutputSerializer(many=True))
    @action(detail=True, methods=["get"], pagination_class=None, filterset_class=None)
    def affiliations(self, request, pk=None):
        member = self.get_object()
        rows = selectors.member_affiliations(member=member)
        return Response(serializers.AffiliationOutputSerializer(rows, many=True).data)
