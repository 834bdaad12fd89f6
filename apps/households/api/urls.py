"""API routes of household pairing."""

from rest_framework.routers import SimpleRouter

from apps.households.api import views

router = SimpleRouter()
router.register("households", views.HouseholdViewSet, basename="household")
router.register("household-pairings", views.HouseholdPairingViewSet, basename="household-pairing")

urlpatterns = router.urls
