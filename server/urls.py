"""Root URL configuration: admin, the REST API under /api/v1/, the OpenAPI schema and its offline docs."""

from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView

api_v1 = [
    path("", include("apps.accounts.api.urls")),
    path("", include("apps.orgs.api.urls")),
    path("", include("apps.places.api.urls")),
    path("", include("apps.registrations.api.urls")),
    path("", include("apps.ledger.api.urls")),
    path("", include("apps.wishes.api.urls")),
    path("", include("apps.activities.api.urls")),
    path("", include("apps.activities.api.hours_urls")),
    path("", include("apps.ledger.api.certificate_urls")),
    path("", include("apps.stats.api.urls")),
    path("", include("apps.stats.api.export_urls")),
    path("", include("apps.notifications.api.urls")),
    path("", include("apps.jobs.api.urls")),
]

urlpatterns = [
    # Until the server-rendered pages exist, the front door is the API documentation.
    path("", RedirectView.as_view(pattern_name="swagger-ui", permanent=False)),
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/v1/", include(api_v1)),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="swagger-ui"),
    path("api/redoc/", SpectacularRedocView.as_view(url_name="schema"), name="redoc"),
]
