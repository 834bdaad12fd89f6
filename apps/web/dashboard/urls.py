"""The dashboard of organ committees, branch secretaries and district or street administrators."""

from django.urls import path

from apps.web.dashboard import views

app_name = "dashboard"

urlpatterns = [
    path("", views.HomeView.as_view(), name="home"),
]
