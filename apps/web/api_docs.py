"""The API's documentation pages (Swagger UI at /api/docs/, Redoc at /api/redoc/) under the site's
Content-Security-Policy.

drf-spectacular's own templates carry an inline <style> block, Swagger UI's start-up code as an inline <script>,
and Redoc's a link to Google's web fonts. Here Swagger UI's start-up code is served as a script of its own
(drf-spectacular's "split" view, meant for strict policies) and the few page styles come from a static file, so
Swagger UI runs under the site's strict policy unchanged. Redoc cannot: it styles itself by inserting <style>
elements at run time (styled-components), so its page alone also allows inline styles. Scripts stay 'self' only
there too. Our Redoc template always uses the <redoc spec-url> element (no inline start-up script), so
REDOC_UI_SETTINGS are not applied.
"""

from csp.decorators import csp_update
from django.utils.decorators import method_decorator
from drf_spectacular.views import SpectacularRedocView, SpectacularSwaggerSplitView


class SwaggerView(SpectacularSwaggerSplitView):
    template_name = "web/api/swagger_ui.html"


# Redoc's styled-components add <style> elements while the page runs: without 'unsafe-inline' the page stays blank;
# its search index runs in a web worker it makes from a blob: URL. These looser rules are for this page only; it
# loads no file but the site's own (its footer's logo from Redocly's CDN stays blocked: the docs work offline).
@method_decorator(csp_update({"style-src": ["'unsafe-inline'"], "worker-src": ["blob:"]}), name="get")
class RedocView(SpectacularRedocView):
    template_name = "web/api/redoc.html"
