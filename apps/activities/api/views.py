"""Thin API views of activities and sign-ups: validate input, call one service or selector, serialize the result."""

from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.response import Response

from apps.accounts.scope import scope_for
from apps.activities import checkin, errors, filters, selectors, services
from apps.activities.api import serializers as s
from apps.activities.permissions import require_organizer
from apps.core.api.filters import FilterBackend
from apps.core.errors import Conflict, Forbidden
from apps.orgs.models import Member
from apps.teams import selectors as team_selectors


def _validated(serializer_class, data, **kwargs):
    serializer = serializer_class(data=data, **kwargs)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


def _acting_member(user):
    scope = scope_for(user)
    member = Member.objects.filter(pk=scope.member_id, is_active=True).first() if scope.member_id else None
    if member is None:
        raise Forbidden("not_a_member", errors.NOT_A_MEMBER)
    return member


class ActivityViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """志愿服务活动: organizers post and run them, members sign up, check in on site and check out.

    Outside the user's scope an activity reads as 404.
    """

    serializer_class = s.ActivityOutputSerializer
    filterset_class = filters.ActivityFilter
    lookup_value_regex = r"[0-9]+"
    near_point = None

    @property
    def one_query_pages(self):
        # A "near me" list is bounded by its radius: its page and total in one query (apps.core.api.pagination).
        return self.near_point is not None

    def get_queryset(self):
        if self.action in ("signup", "signup_team"):
            return selectors.activity_signup_targets(user=self.request.user)
        return selectors.activity_list(user=self.request.user)

    def filter_queryset(self, queryset):
        if self.action != "list":
            return queryset
        filterset = FilterBackend().get_filterset(self.request, queryset, self)
        if not filterset.is_valid():
            raise ValidationError(filterset.errors)
        queryset = filterset.qs  # evaluating the filters first is what sets near_point
        self.near_point = filterset.near_point
        return queryset

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "near": self.near_point}

    def _respond(self, activity, status_code=status.HTTP_200_OK):
        fresh = selectors.activity_get(user=self.request.user, pk=activity.pk)
        if fresh is None:  # e.g. a cancelled activity the actor can no longer see as a member
            fresh = selectors.activity_organized_get(user=self.request.user, pk=activity.pk)
        return Response(self.get_serializer(fresh).data, status=status_code)

    def _signup_response(self, signup, status_code=status.HTTP_200_OK):
        fresh = selectors.my_signups(user=self.request.user).filter(pk=signup.pk).first() or signup
        return Response(s.SignUpOutputSerializer(fresh).data, status=status_code)

    def _my_signup(self, activity):
        signup = selectors.my_active_signup(user=self.request.user, activity=activity)
        if signup is None:
            raise Conflict("not_signed_up", errors.NOT_SIGNED_UP)
        return signup

    @extend_schema(request=s.ActivityCreateInputSerializer, responses={201: s.ActivityOutputSerializer})
    def create(self, request):
        data = dict(_validated(s.ActivityCreateInputSerializer, request.data))
        occurrences = data.pop("weekly_occurrences", None)
        if occurrences:
            created = services.activity_create_series(actor=request.user, occurrences=occurrences, **data)
            fresh = selectors.activity_list(user=request.user).filter(pk__in=[a.pk for a in created])
            return Response(self.get_serializer(fresh, many=True).data, status=status.HTTP_201_CREATED)
        activity = services.activity_create(actor=request.user, **data)
        return self._respond(activity, status.HTTP_201_CREATED)

    @extend_schema(request=s.ActivityUpdateInputSerializer, responses=s.ActivityOutputSerializer)
    def partial_update(self, request, pk=None):
        activity = self.get_object()
        data = _validated(s.ActivityUpdateInputSerializer, request.data)
        return self._respond(services.activity_update(activity=activity, actor=request.user, **data))

    @extend_schema(request=None, responses=s.ActivityOutputSerializer)
    @action(detail=True, methods=["post"])
    def publish(self, request, pk=None):
        return self._respond(services.activity_publish(activity=self.get_object(), actor=request.user))

    @extend_schema(request=s.ActivityReasonInputSerializer, responses=s.ActivityOutputSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        activity = self.get_object()
        data = _validated(s.ActivityReasonInputSerializer, request.data)
        return self._respond(services.activity_cancel(activity=activity, actor=request.user, **data))

    @extend_schema(request=None, responses={201: s.SignUpOutputSerializer})
    @action(detail=True, methods=["post"])
    def signup(self, request, pk=None):
        activity = self.get_object()
        signup = services.signup_create(activity=activity, member=_acting_member(request.user))
        return self._signup_response(signup, status.HTTP_201_CREATED)

    @extend_schema(
        summary="Sign up members of a volunteer team",
        description=(
            "The team's leader signs several of the team's active members up at once; each sign-up carries the team. "
            "All or nothing: a member refused (not in the team, not admitted by the audience, already signed up, "
            "an overlapping sign-up) fails the request with the member's id and name in the error "
            "(`member`, `member_name`) and nothing is written. Members beyond the free places are waitlisted in the "
            "order given. 403 not_team_leader, 404 for a team or activity the caller cannot see."
        ),
        request=s.TeamSignUpInputSerializer,
        responses={201: s.SignUpOutputSerializer(many=True)},
    )
    @action(detail=True, methods=["post"], url_path="signup-team")
    def signup_team(self, request, pk=None):
        activity = self.get_object()
        data = _validated(s.TeamSignUpInputSerializer, request.data)
        team = team_selectors.team_get(user=request.user, pk=data["team"])
        if team is None:
            raise NotFound()
        members = team_selectors.members_by_pk(data["members"])
        if members is None:
            raise ValidationError({"members": [_("Unknown member.")]})
        signups = services.signup_create_team(activity=activity, actor=request.user, team=team, members=members)
        fresh = selectors.signups_made(signups)
        return Response(s.SignUpOutputSerializer(fresh, many=True).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=s.CheckinInputSerializer, responses=s.SignUpOutputSerializer)
    @action(detail=True, methods=["post"])
    def checkin(self, request, pk=None):
        activity = self.get_object()
        data = _validated(s.CheckinInputSerializer, request.data)
        signup = self._my_signup(activity)
        if data.get("code"):
            signup = services.checkin_by_code(signup=signup, actor=request.user, code=data["code"])
        else:
            signup = services.checkin_by_position(
                signup=signup,
                actor=request.user,
                latitude=data["latitude"],
                longitude=data["longitude"],
                coord_system=data["coord_system"],
                accuracy_m=data.get("accuracy_m"),
            )
        return self._signup_response(signup)

    @extend_schema(request=None, responses=s.SignUpOutputSerializer)
    @action(detail=True, methods=["post"])
    def checkout(self, request, pk=None):
        activity = self.get_object()
        signup = services.checkout(signup=self._my_signup(activity), actor=request.user)
        return self._signup_response(signup)

    @extend_schema(request=None, responses=s.CheckinCodeOutputSerializer)
    @action(detail=True, methods=["get"], url_path="checkin-code")
    def checkin_code(self, request, pk=None):
        activity = self.get_object()
        require_organizer(request.user, activity)
        current = checkin.current_code(activity, now=timezone.now())
        return Response(s.CheckinCodeOutputSerializer(current).data)


class SignUpViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """报名: the sign-ups the user may see (own, of activities they run or cover, of their organ's members)."""

    serializer_class = s.SignUpOutputSerializer
    filterset_class = filters.SignUpFilter
    lookup_value_regex = r"[0-9]+"

    def get_queryset(self):
        return selectors.signup_list(user=self.request.user)

    def _respond(self, signup):
        return Response(self.get_serializer(selectors.signup_get(user=self.request.user, pk=signup.pk)).data)

    @extend_schema(request=s.SignUpCancelInputSerializer, responses=s.SignUpOutputSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        signup = self.get_object()
        data = _validated(s.SignUpCancelInputSerializer, request.data)
        return self._respond(services.signup_cancel(signup=signup, actor=request.user, **data))

    @extend_schema(
        parameters=[OpenApiParameter("active", bool, description="only confirmed and waitlisted sign-ups")],
        responses=s.SignUpOutputSerializer(many=True),
    )
    @action(detail=False, methods=["get"], filterset_class=None)
    def mine(self, request):
        active_only = request.query_params.get("active") in ("true", "1")
        signups = selectors.my_signups(user=request.user, active_only=active_only)
        page = self.paginate_queryset(signups)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)
