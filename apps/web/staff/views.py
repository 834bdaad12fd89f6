"""Pages of community staff and grid workers."""

from django.views.generic import TemplateView

from apps.web.access import StaffPageMixin


class HomeView(StaffPageMixin, TemplateView):
    template_name = "web/staff/home.html"
