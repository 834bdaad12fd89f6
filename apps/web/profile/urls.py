"""A member's own standing: registration with a community, hours, points, star level, certificates."""

from django.urls import path

from apps.web.profile import views

app_name = "profile"

urlpatterns = [
    path("", views.OverviewView.as_view(), name="overview"),
]
