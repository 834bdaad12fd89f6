"""API routes of the ledger app."""

from rest_framework.routers import SimpleRouter

from apps.ledger.api import views

router = SimpleRouter()
router.register("service-records", views.ServiceRecordViewSet, basename="service-record")
router.register("audit-entries", views.AuditEntryViewSet, basename="audit-entry")

urlpatterns = router.urls
