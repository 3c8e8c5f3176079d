from django.contrib import admin
from django.urls import include, path

from apps.ops.urls import probe_urls

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", include("config.api_urls")),
    # Probes and Prometheus metrics (apps/ops): /healthz, /readyz, /metrics.
    path("", include(probe_urls)),
    # The web UI (apps/web): every other path is the single-page app's index.html.
    path("", include("apps.web.urls")),
]

# A URL no route matches answers in the API's error shape under /api/ (see apps/core/views.py).
handler404 = "apps.core.views.page_not_found"
