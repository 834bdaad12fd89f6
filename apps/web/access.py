"""Who may open which page: role gates for the web pages, built on the one scope helper in apps/accounts.

A page's gate answers "is this page for you at all" (403 with a page that says whose page it is). Which objects a
user may see inside a page is the selectors' business, as in the API: an object outside the scope is a 404.
"""

from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.translation import gettext_lazy as _

from apps.accounts.scope import scope_for


def is_member(scope):
    return scope.is_member


def is_community_side(scope):
    return scope.is_superuser or scope.is_community_side


def is_dashboard_user(scope):
    return scope.is_superuser or scope.is_org_side or scope.is_geo_admin


class RolePageMixin(LoginRequiredMixin):
    """Log in first, then the role gate. Subclasses set `role_test` (a function of the scope) and `role_label`.

    LoginRequiredMixin's dispatch runs first, so an anonymous visitor is sent to the login page, never given a 403.
    """

    role_test = None
    role_label = ""
    section = ""  # which top navigation entry is current ("member", "staff", "dashboard")

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        self.scope = scope_for(request.user)
        if not type(self).role_test(self.scope):
            raise PermissionDenied(self.role_label)
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.setdefault("section", self.section)
        context.setdefault("scope", self.scope)
        return context


class MemberPageMixin(RolePageMixin):
    role_test = is_member
    section = "member"
    role_label = _("This page is for in-service Party members.")


class StaffPageMixin(RolePageMixin):
    role_test = is_community_side
    section = "staff"
    role_label = _("This page is for community staff and grid workers.")


class DashboardPageMixin(RolePageMixin):
    role_test = is_dashboard_user
    section = "dashboard"
    role_label = _("This page is for organ committees, branch secretaries and district or street administrators.")


def is_manager(scope):
    """Who has management pages: whoever may import something (district and street administrators, organ
    reviewers, superusers)."""
    from apps.imports.permissions import importable_kinds

    return bool(importable_kinds(scope))


def is_organ_side(scope):
    """Organ reviewers and branch secretaries (and superusers): the organ's pairings with communities and the
    registration receipts of its members, as the API shows them (reviewers manage the pairings)."""
    return scope.is_superuser or scope.is_org_side


def found_or_404(obj):
    """What a scoped selector returned, or a 404: an object outside the user's scope does not exist for them."""
    if obj is None:
        raise Http404
    return obj


def object_or_404(queryset, pk):
    """The object with this pk in a scoped queryset, or a 404. `first()`, not `get()`: scoped querysets may join
    across several paths and hold a row more than once."""
    return found_or_404(queryset.filter(pk=pk).first())
