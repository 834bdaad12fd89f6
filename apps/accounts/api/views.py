"""Accounts API: session login/logout, password by one-time code, the current user, role assignments."""

from django.contrib.auth import authenticate, login, logout
from django.utils.decorators import method_decorator
from django.views.decorators.csrf import ensure_csrf_cookie
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, permissions, status, viewsets
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.accounts import codes, errors, services
from apps.accounts.api.serializers import (
    CodeSendInputSerializer,
    CodeSentOutputSerializer,
    LoginInputSerializer,
    MeOutputSerializer,
    PasswordWithCodeInputSerializer,
    RoleAssignInputSerializer,
    RoleOutputSerializer,
)
from apps.accounts.lockout import client_address
from apps.accounts.models import ROLE_SCOPE_FIELD, CodePurpose, Role, RoleAssignment
from apps.accounts.scope import scope_for
from apps.accounts.selectors import role_assignment_list
from apps.core.errors import Forbidden, Invalid, NotFound


def _me(user):
    from apps.accounts.models import User

    user = User.objects.select_related("member__organ", "member__branch").get(pk=user.pk)
    return MeOutputSerializer(user).data


class LoginView(APIView):
    permission_classes = [permissions.AllowAny]

    @extend_schema(request=LoginInputSerializer, responses=MeOutputSerializer)
    def post(self, request):
        data = LoginInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        phone = services.normalize_phone(data.validated_data["phone"])
        # The Django request, not DRF's wrapper: django-axes marks a locked-out attempt on it for its middleware.
        user = authenticate(request._request, phone=phone, password=data.validated_data["password"])
        if user is None:
            raise Invalid("login_failed", errors.LOGIN_FAILED)
        login(request, user)
        return Response(_me(user))


class CodeSendView(APIView):
    """Anonymous, like the login: a one-time code for setting the password (first sign-in, forgotten password)."""

    permission_classes = [permissions.AllowAny]

    @extend_schema(
        request=CodeSendInputSerializer,
        responses={202: CodeSentOutputSerializer},
        summary="Send a one-time code to set the password (first sign-in, forgotten password)",
        description="Send a one-time code by text message to the mobile number. The answer is the same whether or "
        "not the number has an account. Refused with 409 `code_rate_limited` (and `retry_after` seconds) when "
        "asked too often.",
    )
    def post(self, request):
        data = CodeSendInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        phone = data.validated_data["phone"]
        codes.code_send(phone=phone, purpose=CodePurpose.SET_PASSWORD, ip=client_address(request))
        detail = codes.code_sent_message(services.normalize_phone(phone))
        return Response({"detail": detail}, status=status.HTTP_202_ACCEPTED)


class PasswordWithCodeView(APIView):
    """Anonymous: set the password with the one-time code, and be signed in."""

    permission_classes = [permissions.AllowAny]

    @extend_schema(
        request=PasswordWithCodeInputSerializer,
        responses=MeOutputSerializer,
        summary="Set the password with a one-time code, and sign in",
        description="Set the password of the number's account with the one-time code sent to it; the answer signs "
        "in (a session cookie) and is the current user, as for `auth/login/`. Refused with 422 `code_invalid`, "
        "`code_expired` or `weak_password`, 409 `code_used` or `code_attempts_exceeded`.",
    )
    def post(self, request):
        data = PasswordWithCodeInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        user = codes.password_set_with_code(**data.validated_data, ip=client_address(request))
        login(request, user, backend=codes.LOGIN_BACKEND)
        return Response(_me(user))


class LogoutView(APIView):
    @extend_schema(request=None, responses={204: None})
    def post(self, request):
        logout(request)
        return Response(status=status.HTTP_204_NO_CONTENT)


@method_decorator(ensure_csrf_cookie, name="get")
class MeView(APIView):
    @extend_schema(responses=MeOutputSerializer)
    def get(self, request):
        return Response(_me(request.user))


class RoleAssignmentViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Role assignments: everyone sees their own; superusers see all and assign roles."""

    serializer_class = RoleOutputSerializer
    filterset_fields = {"user": ["exact"], "role": ["exact"]}

    def get_queryset(self):
        return role_assignment_list(user=self.request.user)

    @extend_schema(request=RoleAssignInputSerializer, responses={201: RoleOutputSerializer})
    def create(self, request):
        if not scope_for(request.user).is_superuser:
            raise Forbidden()
        data = RoleAssignInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        role = Role(data.validated_data["role"])
        model = RoleAssignment._meta.get_field(ROLE_SCOPE_FIELD[role]).related_model
        node = model.objects.filter(pk=data.validated_data["scope_id"]).first()
        if node is None:
            raise NotFound("scope_not_found")
        assignment = services.role_assign(user=data.validated_data["user"], role=role, node=node, actor=request.user)
        return Response(RoleOutputSerializer(assignment).data, status=status.HTTP_201_CREATED)
