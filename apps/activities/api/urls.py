"""API routes of the activities app."""

from rest_framework.routers import SimpleRouter

from apps.activities.api import views

router = SimpleRouter()
router.register("activities", views.ActivityViewSet, basename="activity")
router.register("signups", views.SignUpViewSet, basename="signup")

urlpatterns = router.urls
