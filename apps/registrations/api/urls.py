"""API routes of the registrations app."""

from rest_framework.routers import SimpleRouter

from apps.registrations.api import views

router = SimpleRouter()
router.register("registrations", views.RegistrationViewSet, basename="registration")
router.register("posts", views.PostViewSet, basename="post")
router.register("post-claims", views.PostClaimViewSet, basename="post-claim")
router.register("pairings", views.PairingViewSet, basename="pairing")
router.register("evaluations", views.EvaluationViewSet, basename="evaluation")

urlpatterns = router.urls
