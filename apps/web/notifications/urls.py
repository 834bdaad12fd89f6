"""Every signed-in user's notifications."""

from django.urls import path

from apps.web.notifications import views

app_name = "notifications"

urlpatterns = [
    path("", views.NotificationListView.as_view(), name="list"),
]
