"""Root URL configuration: the web pages, admin, the REST API under /api/v1/, the OpenAPI schema and its docs."""

from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView

from apps.web.api_docs import RedocView, SwaggerView
from apps.web.urls import group_urlpatterns as web_group_urlpatterns

api_v1 = [
    path("", include("apps.accounts.api.urls")),
    path("", include("apps.orgs.api.urls")),
    path("", include("apps.places.api.urls")),
    path("", include("apps.registrations.api.urls")),
    path("", include("apps.ledger.api.urls")),
    path("", include("apps.wishes.api.urls")),
    path("", include("apps.residents.api.urls")),
    path("", include("apps.activities.api.urls")),
    path("", include("apps.activities.api.hours_urls")),
    path("", include("apps.ledger.api.certificate_urls")),
    path("", include("apps.seals.api.urls")),
    path("", include("apps.stats.api.urls")),
    path("", include("apps.stats.api.export_urls")),
    path("", include("apps.notifications.api.urls")),
    path("", include("apps.jobs.api.urls")),
    path("", include("apps.teams.api.urls")),
    path("", include("apps.households.api.urls")),
]

urlpatterns = [
    path("", include("apps.web.urls")),
    *web_group_urlpatterns,
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/v1/", include(api_v1)),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SwaggerView.as_view(url_name="schema"), name="swagger-ui"),
    path("api/redoc/", RedocView.as_view(url_name="schema"), name="redoc"),
]

if settings.DEBUG:
    # Uploaded photos in development (scripts/run); in production nginx serves MEDIA_ROOT (docs/deployment.md).
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)

handler400 = "apps.web.error_pages.bad_request"
handler403 = "apps.web.views.permission_denied"
handler404 = "apps.web.views.page_not_found"
