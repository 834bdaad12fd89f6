"""Pages of community staff and grid workers (the desk)."""

from django.urls import path

from apps.web.staff import views

app_name = "staff"

urlpatterns = [
    path("", views.HomeView.as_view(), name="home"),
]
