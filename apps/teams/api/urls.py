"""API routes of the teams app."""

from rest_framework.routers import SimpleRouter

from apps.teams.api import views

router = SimpleRouter()
router.register("teams", views.TeamViewSet, basename="team")

urlpatterns = router.urls
