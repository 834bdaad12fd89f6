"""API routes of the notification centre."""

from rest_framework.routers import SimpleRouter

from apps.notifications.api import views

router = SimpleRouter()
router.register("notifications", views.NotificationViewSet, basename="notification")

urlpatterns = router.urls
