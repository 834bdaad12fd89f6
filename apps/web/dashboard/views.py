"""The dashboard pages."""

from django.views.generic import TemplateView

from apps.web.access import DashboardPageMixin


class HomeView(DashboardPageMixin, TemplateView):
    template_name = "web/dashboard/home.html"
