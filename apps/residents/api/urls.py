"""API routes of residents' requests."""

from rest_framework.routers import SimpleRouter

from apps.residents.api import views

router = SimpleRouter()
router.register("resident-requests", views.ResidentRequestViewSet, basename="resident-request")

urlpatterns = router.urls
