"""API routes of the places app."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from apps.places.api import views

router = SimpleRouter()
router.register("districts", views.DistrictViewSet, basename="district")
router.register("streets", views.StreetViewSet, basename="street")
router.register("communities", views.CommunityViewSet, basename="community")
router.register("grids", views.GridViewSet, basename="grid")

urlpatterns = [
    path("geocode/", views.GeocodeView.as_view(), name="geocode"),
    *router.urls,
]
