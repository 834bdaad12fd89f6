"""The pages every user shares: log in, log out, the front door that sends each role to its own pages, errors."""

from django.contrib.auth import views as auth_views
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views import View

from apps.accounts.scope import scope_for
from apps.web.access import is_community_side, is_dashboard_user, is_member
from apps.web.forms import PhoneLoginForm


class LoginView(auth_views.LoginView):
    template_name = "web/login.html"
    authentication_form = PhoneLoginForm
    redirect_authenticated_user = True


class LogoutView(auth_views.LogoutView):
    """POST only (Django's default): a link or a prefetch cannot log anyone out."""


class HomeView(View):
    """The front door: the first section the user's roles open; a page that says so when they open none."""

    def get(self, request):
        if not request.user.is_authenticated:
            return redirect("web:login")
        scope = scope_for(request.user)
        if is_community_side(scope):
            return redirect("staff:home")
        if is_dashboard_user(scope):
            return redirect("dashboard:home")
        if is_member(scope):
            return redirect("member:home")
        return render(request, "web/no_role.html", {"title": _("No role yet")})


def _wants_json(request):
    return request.path.startswith("/api/")


def permission_denied(request, exception=None):
    """403 page: whose page this is (the gate's message) and a way back to the user's own pages."""
    if _wants_json(request):
        return JsonResponse({"code": "permission_denied", "detail": str(_("You may not open this page."))}, status=403)
    reason = str(exception) if exception and str(exception) else _("You may not open this page.")
    return render(request, "web/403.html", {"reason": reason, "home_url": reverse("web:home")}, status=403)


def page_not_found(request, exception=None):
    if _wants_json(request):
        return JsonResponse({"code": "not_found", "detail": str(_("Not found."))}, status=404)
    return render(request, "web/404.html", {"home_url": reverse("web:home")}, status=404)
