"""API routes of the orgs app."""

from rest_framework.routers import SimpleRouter

from apps.orgs.api import views

router = SimpleRouter()
router.register("organs", views.OrganViewSet, basename="organ")
router.register("party-orgs", views.PartyOrgViewSet, basename="party-org")
router.register("members", views.MemberViewSet, basename="member")

urlpatterns = router.urls
