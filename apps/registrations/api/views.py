"""Thin API views: validate input, call one service or selector, serialize the result."""

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from apps.core.errors import Conflict
from apps.places.models import Community
from apps.registrations import certificate, errors, filters, selectors, services
from apps.registrations.api import serializers as s

_ID = r"[0-9]+"
_ERROR = inline_serializer("RegistrationError", {"code": serializers.CharField(), "detail": serializers.CharField()})


def _validated(serializer_class, data):
    serializer = serializer_class(data=data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


def _member_or_403(user):
    member = selectors.member_of(user)
    if member is None:
        raise errors.not_a_member()
    return member


class RegistrationViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """个人报到: members submit, community staff confirm or reject, the organ sees the receipt."""

    serializer_class = s.RegistrationOutputSerializer
    filterset_class = filters.RegistrationFilter
    lookup_value_regex = _ID

    def get_queryset(self):
        return selectors.registration_list(user=self.request.user)

    def _respond(self, registration, status_code=status.HTTP_200_OK):
        context = self.get_serializer_context()
        return Response(s.RegistrationOutputSerializer(registration, context=context).data, status=status_code)

    @extend_schema(request=s.RegistrationSubmitInputSerializer, responses={201: s.RegistrationOutputSerializer})
    def create(self, request):
        member = _member_or_403(request.user)
        data = _validated(s.RegistrationSubmitInputSerializer, request.data)
        registration = services.registration_submit(member=member, **data)
        return self._respond(registration, status.HTTP_201_CREATED)

    @extend_schema(request=s.RegistrationSubmitInputSerializer, responses={201: s.RegistrationOutputSerializer})
    @action(detail=False, methods=["post"])
    def move(self, request):
        member = _member_or_403(request.user)
        data = _validated(s.RegistrationSubmitInputSerializer, request.data)
        registration = services.registration_move(member=member, **data)
        return self._respond(registration, status.HTTP_201_CREATED)

    @extend_schema(filters=False, responses=s.RegistrationOutputSerializer(many=True))
    @action(detail=False, methods=["get"], pagination_class=None)  # all of the member's own: a plain list
    def mine(self, request):
        _member_or_403(request.user)
        registrations = selectors.registration_list_mine(user=request.user)
        context = self.get_serializer_context()
        return Response(s.RegistrationOutputSerializer(registrations, many=True, context=context).data)

    @extend_schema(responses=s.RegistrationOutputSerializer(many=True))  # paginated, like the list
    @action(detail=False, methods=["get"], url_path="without-post")
    def without_post(self, request):
        """Confirmed members still holding no post in their community, for staff to follow up."""
        queryset = self.filter_queryset(selectors.registration_list_without_post(user=request.user))
        page = self.paginate_queryset(queryset)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    @extend_schema(request=None)
    @action(detail=True, methods=["post"])
    def confirm(self, request, pk=None):
        registration = services.registration_confirm(registration=self.get_object(), actor=request.user)
        return self._respond(registration)

    @extend_schema(request=s.RegistrationRejectInputSerializer)
    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None):
        registration = self.get_object()
        data = _validated(s.RegistrationRejectInputSerializer, request.data)
        registration = services.registration_reject(registration=registration, actor=request.user, **data)
        return self._respond(registration)

    @extend_schema(request=None)
    @action(detail=True, methods=["post"])
    def withdraw(self, request, pk=None):
        registration = services.registration_withdraw(registration=self.get_object(), actor=request.user)
        return self._respond(registration)

    @extend_schema(filters=False, responses=s.ReceiptOutputSerializer)
    @action(detail=True, methods=["get"])
    def receipt(self, request, pk=None):
        registration = selectors.registration_receipt_get(user=request.user, registration_id=int(pk))
        return Response(s.ReceiptOutputSerializer(registration).data)

    @extend_schema(
        filters=False,
        responses={
            (200, "application/pdf"): OpenApiResponse(
                description="The registration certificate (报到证) and, below a cut line, its receipt (回执), on one "
                "A4 page with the Chinese font embedded and a QR code of the public validity page."
            ),
            422: OpenApiResponse(
                _ERROR, description="registration_not_confirmed: only a registration in force (confirmed) is printed."
            ),
        },
    )
    @action(detail=True, methods=["get"])
    def certificate(self, request, pk=None):
        """The printed registration certificate with its receipt, as a PDF: for the member, the community's staff and
        the member's organ (its reviewers and branch secretaries), who may read the receipt. 422
        `registration_not_confirmed` while pending, or once rejected, withdrawn or closed by a move."""
        registration = selectors.registration_certificate_get(user=request.user, registration_id=int(pk))
        content = certificate.registration_certificate_pdf(registration, base_url=certificate.verify_base_url(request))
        return certificate.pdf_response(content, filename=f"{registration.receipt_number}.pdf")


class PostViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """设岗认岗: community staff set up posts, registered members claim them, holders are listed publicly."""

    serializer_class = s.PostOutputSerializer
    filterset_class = filters.PostFilter
    lookup_value_regex = _ID

    def get_queryset(self):
        return selectors.post_list(user=self.request.user)

    def _respond(self, post, status_code=status.HTTP_200_OK):
        # Re-read through the selector so the holders and counts are the ones the list shows.
        post = selectors.post_list(user=self.request.user).get(pk=post.pk)
        return Response(s.PostOutputSerializer(post).data, status=status_code)

    @extend_schema(request=s.PostCreateInputSerializer, responses={201: s.PostOutputSerializer})
    def create(self, request):
        data = _validated(s.PostCreateInputSerializer, request.data)
        post = services.post_create(actor=request.user, **data)
        return self._respond(post, status.HTTP_201_CREATED)

    @extend_schema(request=s.PostUpdateInputSerializer)
    def partial_update(self, request, pk=None):
        post = self.get_object()
        data = _validated(s.PostUpdateInputSerializer, request.data)
        post = services.post_update(actor=request.user, post=post, **data)
        return self._respond(post)

    @extend_schema(request=None)
    @action(detail=True, methods=["post"])
    def deactivate(self, request, pk=None):
        post = services.post_deactivate(actor=request.user, post=self.get_object())
        return self._respond(post)

    @extend_schema(request=None, responses={201: s.PostClaimOutputSerializer})
    @action(detail=True, methods=["post"])
    def claim(self, request, pk=None):
        post = self.get_object()
        claim = services.post_claim(post=post, member=_member_or_403(request.user))
        return Response(s.PostClaimOutputSerializer(claim).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses=s.PostClaimOutputSerializer)
    @action(detail=True, methods=["post"])
    def release(self, request, pk=None):
        """Give up the post the signed-in member holds (staff release others' claims under post-claims/)."""
        post = self.get_object()
        claim = selectors.post_claim_open_get(post=post, member=_member_or_403(request.user))
        if claim is None:
            raise Conflict("post_not_claimed", errors.POST_NOT_CLAIMED)
        claim = services.post_release(claim=claim, actor=request.user)
        return Response(s.PostClaimOutputSerializer(claim).data)


class PostClaimViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = s.PostClaimOutputSerializer
    filterset_class = filters.PostClaimFilter
    lookup_value_regex = _ID

    def get_queryset(self):
        return selectors.post_claim_list(user=self.request.user)

    @extend_schema(request=None)
    @action(detail=True, methods=["post"])
    def release(self, request, pk=None):
        claim = services.post_release(claim=self.get_object(), actor=request.user)
        return Response(s.PostClaimOutputSerializer(claim).data)


class PairingViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """结对共建: the organ's Party committee pairs it with communities; everyone signed in can see the pairings."""

    serializer_class = s.PairingOutputSerializer
    filterset_class = filters.PairingFilter
    lookup_value_regex = _ID

    def get_queryset(self):
        return selectors.pairing_list(user=self.request.user)

    @extend_schema(request=s.PairingCreateInputSerializer, responses={201: s.PairingOutputSerializer})
    def create(self, request):
        data = _validated(s.PairingCreateInputSerializer, request.data)
        pairing = services.pairing_create(actor=request.user, **data)
        return Response(s.PairingOutputSerializer(pairing).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=s.PairingEndInputSerializer)
    @action(detail=True, methods=["post"])
    def end(self, request, pk=None):
        pairing = self.get_object()
        data = _validated(s.PairingEndInputSerializer, request.data)
        pairing = services.pairing_end(actor=request.user, pairing=pairing, **data)
        return Response(s.PairingOutputSerializer(pairing).data)


class EvaluationViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """社区评价: the community's staff rate the members registered with it each year; the organ reads the ratings."""

    serializer_class = s.EvaluationOutputSerializer
    filterset_class = filters.EvaluationFilter
    lookup_value_regex = _ID

    def get_queryset(self):
        return selectors.evaluation_list(user=self.request.user)

    @extend_schema(
        request=s.EvaluationSubmitInputSerializer,
        responses={201: s.EvaluationOutputSerializer, 200: s.EvaluationOutputSerializer},
        description="Rate a member for a year (201), or revise the community's rating of that year (200).",
    )
    def create(self, request):
        data = _validated(s.EvaluationSubmitInputSerializer, request.data)
        evaluation, created = services.evaluation_submit(actor=request.user, **data)
        evaluation = selectors.evaluation_get(user=request.user, evaluation_id=evaluation.pk)
        status_code = status.HTTP_201_CREATED if created else status.HTTP_200_OK
        return Response(s.EvaluationOutputSerializer(evaluation).data, status=status_code)

    @extend_schema(
        filters=False,
        parameters=[s.EvaluationCandidatesQuerySerializer],
        responses=s.EvaluationCandidateSerializer(many=True),
    )
    @action(detail=False, methods=["get"])
    def candidates(self, request):
        """The community's staff: the members they may rate for the year, with their rating so far (year-end)."""
        query = _validated(s.EvaluationCandidatesQuerySerializer, request.query_params)
        community = get_object_or_404(Community, pk=query["community"])
        members = selectors.evaluation_candidates(user=request.user, community=community, year=query["year"])
        page = self.paginate_queryset(members)
        return self.get_paginated_response(s.EvaluationCandidateSerializer(page, many=True).data)
