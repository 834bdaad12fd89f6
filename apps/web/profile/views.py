"""A member's own standing."""

from django.views.generic import TemplateView

from apps.web.access import MemberPageMixin


class OverviewView(MemberPageMixin, TemplateView):
    template_name = "web/profile/overview.html"
