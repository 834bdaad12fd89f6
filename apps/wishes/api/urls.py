"""API routes of the wishes app."""

from rest_framework.routers import SimpleRouter

from apps.wishes.api import views

router = SimpleRouter()
router.register("wishes", views.WishViewSet, basename="wish")

urlpatterns = router.urls
