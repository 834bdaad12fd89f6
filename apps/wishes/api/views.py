"""Thin API views of micro-wishes: validate input, call one service or selector, serialize through the selector."""

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response

from apps.core.api.filters import FilterBackend
from apps.wishes import filters, selectors, services
from apps.wishes.api import serializers as s
from apps.wishes.contact_views import ContactChannel, contact_view_record_if_shown, contact_views_of


def _validated(serializer_class, data):
    serializer = serializer_class(data=data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


class WishViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """微心愿: staff and grid workers post, members (or branches) claim and fulfil, staff confirm.

    Outside the user's scope a wish reads as 404; the resident is masked unless the viewer may see them. Lists
    show at most the name; the phone and address only a single wish's answer, and each such answer is recorded
    (apps.wishes.contact_views).
    """

    serializer_class = s.WishOutputSerializer
    filterset_class = filters.WishFilter
    parser_classes = [JSONParser, MultiPartParser, FormParser]
    lookup_value_regex = r"[0-9]+"
    near_point = None

    @property
    def one_query_pages(self):
        # A "near me" list is bounded by its radius: its page and total in one query (apps.core.api.pagination).
        return self.near_point is not None

    def get_queryset(self):
        if self.action == "claim":
            return selectors.wish_claim_targets(user=self.request.user)
        # A list page gets its current claims after paging (attach_current_claims), only where a wish can hold one.
        return selectors.wish_list(user=self.request.user, prefetch_claims=self.action != "list")

    def paginate_queryset(self, queryset):
        page = super().paginate_queryset(queryset)
        if page is not None and self.action == "list":
            selectors.attach_current_claims(page)
        return page

    def filter_queryset(self, queryset):
        # The filterset is run here rather than by the backend alone, to keep the "near me" point it resolved.
        filterset = FilterBackend().get_filterset(self.request, queryset, self)
        if filterset is None:
            return queryset
        if not filterset.is_valid():
            raise ValidationError(filterset.errors)
        queryset = filterset.qs
        self.near_point = filterset.near_point
        return queryset

    def get_serializer_context(self):
        # Lists never carry the resident's phone or address (only the detail does, and records the showing).
        return {**super().get_serializer_context(), "near": self.near_point, "listing": self.action == "list"}

    def _respond(self, wish, status_code=status.HTTP_200_OK):
        # Re-read through the selector so the privacy flags are those of the acting user after the change.
        fresh = selectors.wish_get(user=self.request.user, pk=wish.pk) or wish
        contact_view_record_if_shown(viewer=self.request.user, wish=fresh, channel=ContactChannel.API_ACTION)
        return Response(self.get_serializer(fresh).data, status=status_code)

    def retrieve(self, request, *args, **kwargs):
        wish = self.get_object()
        contact_view_record_if_shown(viewer=request.user, wish=wish, channel=ContactChannel.API_DETAIL)
        return Response(self.get_serializer(wish).data)

    @extend_schema(request=s.WishCreateInputSerializer, responses={201: s.WishOutputSerializer})
    def create(self, request):
        data = _validated(s.WishCreateInputSerializer, request.data)
        wish = services.wish_create(actor=request.user, **data)
        return self._respond(wish, status.HTTP_201_CREATED)

    @extend_schema(request=None, responses=s.WishOutputSerializer)
    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        return self._respond(services.wish_submit(wish=self.get_object(), actor=request.user))

    @extend_schema(request=None, responses=s.WishOutputSerializer)
    @action(detail=True, methods=["post"])
    def verify(self, request, pk=None):
        return self._respond(services.wish_verify(wish=self.get_object(), actor=request.user))

    @extend_schema(request=None, responses=s.WishOutputSerializer)
    @action(detail=True, methods=["post"])
    def publish(self, request, pk=None):
        return self._respond(services.wish_publish(wish=self.get_object(), actor=request.user))

    @extend_schema(request=s.WishClaimInputSerializer, responses={201: s.WishOutputSerializer})
    @action(detail=True, methods=["post"])
    def claim(self, request, pk=None):
        wish = self.get_object()
        data = _validated(s.WishClaimInputSerializer, request.data)
        claim = services.wish_claim(
            wish=wish, actor=request.user, as_branch=data.get("as_branch"), as_team=data.get("as_team")
        )
        return self._respond(claim.wish, status.HTTP_201_CREATED)

    @extend_schema(request=s.OptionalReasonInputSerializer, responses=s.WishOutputSerializer)
    @action(detail=True, methods=["post"])
    def release(self, request, pk=None):
        wish = self.get_object()
        data = _validated(s.OptionalReasonInputSerializer, request.data)
        return self._respond(services.wish_release(wish=wish, actor=request.user, **data))

    @extend_schema(request=s.ReasonInputSerializer, responses=s.WishOutputSerializer)
    @action(detail=True, methods=["post"])
    def revoke(self, request, pk=None):
        wish = self.get_object()
        data = _validated(s.ReasonInputSerializer, request.data)
        return self._respond(services.wish_revoke(wish=wish, actor=request.user, **data))

    @extend_schema(request=s.WishFulfilInputSerializer, responses=s.WishOutputSerializer)
    @action(detail=True, methods=["post"])
    def fulfil(self, request, pk=None):
        wish = self.get_object()
        data = _validated(s.WishFulfilInputSerializer, request.data)
        return self._respond(services.wish_fulfil(wish=wish, actor=request.user, **data))

    @extend_schema(request=s.WishConfirmInputSerializer, responses=s.WishOutputSerializer)
    @action(detail=True, methods=["post"])
    def confirm(self, request, pk=None):
        wish = self.get_object()
        data = _validated(s.WishConfirmInputSerializer, request.data)
        return self._respond(services.wish_confirm(wish=wish, actor=request.user, **data))

    @extend_schema(request=s.ReasonInputSerializer, responses=s.WishOutputSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        wish = self.get_object()
        data = _validated(s.ReasonInputSerializer, request.data)
        return self._respond(services.wish_cancel(wish=wish, actor=request.user, **data))

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "active",
                bool,
                description="true: open claims only, those still to be fulfilled (claim status active); a claim "
                "reported fulfilled, confirmed or released is not open. false or absent: every claim.",
            )
        ],
        responses=s.MyClaimOutputSerializer(many=True),
    )
    @action(detail=False, methods=["get"], url_path="my-claims", filterset_class=None)
    def my_claims(self, request):
        query = _validated(s.MyClaimsQuerySerializer, request.query_params)
        claims = selectors.my_claims(user=request.user, active_only=query["active"])
        page = self.paginate_queryset(claims)
        return self.get_paginated_response(s.MyClaimOutputSerializer(page, many=True).data)

    @extend_schema(request=None, responses=s.ContactViewOutputSerializer(many=True))
    @action(detail=True, methods=["get"], url_path="contact-views", filterset_class=None)
    def contact_views(self, request, pk=None):
        """谁查看过联系方式: who was shown the resident's contact details, newest first (community staff only)."""
        entries = contact_views_of(user=request.user, wish=self.get_object())
        page = self.paginate_queryset(entries)
        return self.get_paginated_response(s.ContactViewOutputSerializer(page, many=True).data)
