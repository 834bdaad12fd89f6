"""Pages of in-service Party members."""

from django.views.generic import TemplateView

from apps.web.access import MemberPageMixin


class HomeView(MemberPageMixin, TemplateView):
    template_name = "web/member/home.html"
