"""API routes of the accounts app."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from apps.accounts.api import views

router = SimpleRouter()
router.register("role-assignments", views.RoleAssignmentViewSet, basename="role-assignment")

urlpatterns = [
    path("auth/login/", views.LoginView.as_view(), name="auth-login"),
    path("auth/logout/", views.LogoutView.as_view(), name="auth-logout"),
    path("auth/code/", views.CodeSendView.as_view(), name="auth-code"),
    path("auth/password/", views.PasswordWithCodeView.as_view(), name="auth-password"),
    path("me/", views.MeView.as_view(), name="me"),
    *router.urls,
]
