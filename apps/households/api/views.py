"""Thin API views of household pairing (结对帮扶): validate input, call one service or selector, answer with the
object as the user sees it after the change."""

from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response

from apps.households import selectors, services
from apps.households.api import serializers as s
from apps.households.permissions import may_manage_household
from apps.ledger.self_services import record_of


def _validated(serializer_class, data):
    serializer = serializer_class(data=data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


def household_data(user, household):
    """The household as `user` reads it: whole for its community's staff, masked for the paired volunteers."""
    if may_manage_household(user, household):
        return s.HouseholdOutputSerializer(household).data
    return s.HouseholdPairedOutputSerializer(household).data


class HouseholdViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """结对帮扶: households in need of a community, recorded with their consent.

    The staff of the household's community read and change the whole record; the member paired with it and the
    members of the team paired with it (while the pairing is open) read it with the head's name and phone masked;
    everyone else reads it as 404.
    """

    serializer_class = s.HouseholdOutputSerializer
    lookup_value_regex = r"[0-9]+"
    filterset_class = None

    def get_queryset(self):
        return selectors.household_list(user=self.request.user)

    def _respond(self, household, status_code=status.HTTP_200_OK):
        fresh = selectors.household_get(user=self.request.user, pk=household.pk)
        if fresh is None:
            raise Http404
        return Response(household_data(self.request.user, fresh), status=status_code)

    @extend_schema(responses=s.HouseholdOutputSerializer(many=True))
    def list(self, request):
        """The households the user may see (active first); masked for paired volunteers (see the list's
        description)."""
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response([household_data(request.user, h) for h in page])

    @extend_schema(responses=s.HouseholdOutputSerializer)
    def retrieve(self, request, pk=None):
        """One household: the whole record for its community's staff, masked for the paired volunteers."""
        return self._respond(self.get_object())

    @extend_schema(request=s.HouseholdCreateInputSerializer, responses={201: s.HouseholdOutputSerializer})
    def create(self, request):
        """Record a household (the staff of `community`), only with its consent: `consent_on` is required
        (`422 consent_required`)."""
        data = _validated(s.HouseholdCreateInputSerializer, request.data)
        household = services.household_create(actor=request.user, **data)
        return self._respond(household, status.HTTP_201_CREATED)

    @extend_schema(request=s.HouseholdUpdateInputSerializer, responses=s.HouseholdOutputSerializer)
    def partial_update(self, request, pk=None):
        """Change the grid, head's name, phone, address, situation or notes (the community's staff). `409
        household_closed` once closed."""
        household = self.get_object()
        data = _validated(s.HouseholdUpdateInputSerializer, request.data)
        return self._respond(services.household_update(actor=request.user, household=household, **data))

    @extend_schema(request=s.HouseholdReasonInputSerializer, responses=s.HouseholdOutputSerializer)
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        """Close the household's record (the community's staff, `reason` required): its open pairings end today."""
        household = self.get_object()
        data = _validated(s.HouseholdReasonInputSerializer, request.data)
        return self._respond(services.household_close(actor=request.user, household=household, **data))


class HouseholdPairingViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """结对帮扶: members and volunteer teams paired with households, and their visits.

    The staff of the household's community see and manage every pairing of it; a member sees their own open
    pairings and those of their teams, and registers visits there. Everything else reads as 404.
    """

    serializer_class = s.HouseholdPairingOutputSerializer
    lookup_value_regex = r"[0-9]+"
    filterset_class = None

    def get_queryset(self):
        return selectors.pairing_list(user=self.request.user)

    def _respond(self, pairing, status_code=status.HTTP_200_OK):
        fresh = selectors.pairing_list(user=self.request.user).filter(pk=pairing.pk).first()
        return Response(s.HouseholdPairingOutputSerializer(fresh).data, status=status_code)

    @extend_schema(request=s.HouseholdPairingCreateInputSerializer, responses={201: s.HouseholdPairingOutputSerializer})
    def create(self, request):
        """Pair a member or a team (exactly one) with a household (the staff of its community). A member needs a
        confirmed registration with the household's community (`422 member_not_in_community`); the same member or
        team twice: `409 pairing_exists`."""
        data = _validated(s.HouseholdPairingCreateInputSerializer, request.data)
        household = selectors.household_get(user=request.user, pk=data.pop("household").pk)
        if household is None:
            raise Http404
        pairing = services.pairing_create(actor=request.user, household=household, **data)
        return self._respond(pairing, status.HTTP_201_CREATED)

    @extend_schema(request=s.HouseholdReasonInputSerializer, responses=s.HouseholdPairingOutputSerializer)
    @action(detail=True, methods=["post"])
    def end(self, request, pk=None):
        """End the pairing (the staff of the household's community, `reason` required). `409 pairing_ended` when it
        has ended already."""
        pairing = self.get_object()
        data = _validated(s.HouseholdReasonInputSerializer, request.data)
        return self._respond(services.pairing_end(actor=request.user, pairing=pairing, **data))

    @extend_schema(
        request={
            "multipart/form-data": s.HouseholdVisitInputSerializer,
            "application/json": s.HouseholdVisitInputSerializer,
        },
        responses={201: s.HouseholdVisitOutputSerializer},
    )
    @action(detail=True, methods=["post"], parser_classes=[MultiPartParser, FormParser, JSONParser])
    def visit(self, request, pk=None):
        """Register a visit (the paired member, or an active member of the paired team, who serves as the team): a
        pending care-visit service at the household's community, decided by its staff; its place names the
        community, never the household's address. Refused as any self-registered service is (`409
        service_overlaps`, `422 service_in_future`...), and `403 not_paired`."""
        pairing = self.get_object()
        data = _validated(s.HouseholdVisitInputSerializer, request.data)
        visit = services.household_visit_register(actor=request.user, pairing=pairing, **data)
        visit.record = record_of(visit.self_service)
        return Response(s.HouseholdVisitOutputSerializer(visit).data, status=status.HTTP_201_CREATED)
