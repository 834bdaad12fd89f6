"""The pages every user shares: log in, log out, password by one-time code, the front door, errors."""

from pathlib import Path

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.http import FileResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views import View
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_safe
from django.views.generic import FormView

from apps.accounts import codes
from apps.accounts.lockout import client_address
from apps.accounts.models import CodePurpose
from apps.accounts.scope import scope_for
from apps.accounts.services import normalize_phone
from apps.core.errors import DomainError
from apps.core.masking import mask_phone
from apps.web.access import is_community_side, is_dashboard_user, is_member
from apps.web.feedback import add_form_error, report_error
from apps.web.forms import PasswordCodeForm, PasswordSetForm, PhoneLoginForm


class LoginView(auth_views.LoginView):
    template_name = "web/login.html"
    authentication_form = PhoneLoginForm
    redirect_authenticated_user = True


class LogoutView(auth_views.LogoutView):
    """POST only (Django's default): a link or a prefetch cannot log anyone out."""


# The number a code was sent to waits for step 2 in the session rather than in the address: addresses reach logs.
PASSWORD_CODE_PHONE = "password_code_phone"


class PasswordCodeView(FormView):
    """First sign-in or forgotten password, step 1: send a one-time code to the mobile number, then on to step 2.

    Step 2's "send a new code" button posts here too (`resend`); a refusal then shows on step 2.
    """

    template_name = "web/password_code.html"
    form_class = PasswordCodeForm

    def get_initial(self):
        return {"phone": self.request.session.get(PASSWORD_CODE_PHONE, "")}

    def get_context_data(self, **kwargs):
        return super().get_context_data(title=_("First sign-in or forgotten password"), **kwargs)

    def form_valid(self, form):
        ip = client_address(self.request)
        try:
            codes.code_send(phone=form.cleaned_data["phone"], purpose=CodePurpose.SET_PASSWORD, ip=ip)
        except DomainError as error:
            if self.request.POST.get("resend") and self.request.session.get(PASSWORD_CODE_PHONE):
                report_error(self.request, error)
                return redirect("web:password_set")
            add_form_error(form, error)
            return self.form_invalid(form)
        phone = normalize_phone(form.cleaned_data["phone"])
        self.request.session[PASSWORD_CODE_PHONE] = phone
        messages.success(self.request, codes.code_sent_message(phone))
        return redirect("web:password_set")


class PasswordSetView(FormView):
    """Step 2: the code and the new password; signs the user in and opens their pages."""

    template_name = "web/password_set.html"
    form_class = PasswordSetForm

    def dispatch(self, request, *args, **kwargs):
        self.phone = request.session.get(PASSWORD_CODE_PHONE)
        if not self.phone:
            return redirect("web:password_code")
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            title=_("Set password"), phone=self.phone, masked_phone=mask_phone(self.phone), **kwargs
        )

    def form_valid(self, form):
        try:
            user = codes.password_set_with_code(
                phone=self.phone,
                code=form.cleaned_data["code"],
                password=form.cleaned_data["new_password1"],
                ip=client_address(self.request),
            )
        except DomainError as error:
            add_form_error(form, error)
            return self.form_invalid(form)
        login(self.request, user, backend=codes.LOGIN_BACKEND)
        self.request.session.pop(PASSWORD_CODE_PHONE, None)
        messages.success(self.request, _("Your password has been set and you are signed in."))
        return redirect("web:home")


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


FAVICON = Path(__file__).resolve().parent / "static" / "web" / "favicon.ico"


@require_safe
@cache_control(public=True, max_age=24 * 3600)
def favicon(request):
    """/favicon.ico, where browsers and tools look for the site's icon whatever the page links (apps/web/favicon.py
    draws it). Served as it is rather than redirected: a permanent redirect to a static file's hashed name would
    outlive the next deployment in browsers' caches. Pages link the SVG and this file (web/base.html)."""
    return FileResponse(FAVICON.open("rb"), content_type="image/x-icon")
