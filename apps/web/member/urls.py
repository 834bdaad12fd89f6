"""Pages of in-service Party members (phones first)."""

from django.urls import path

from apps.web.member import views

app_name = "member"

urlpatterns = [
    path("", views.HomeView.as_view(), name="home"),
]
