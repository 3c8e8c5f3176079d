"""The REST API, version 1."""

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from apps.ai.urls import ai_urls
from apps.ai.urls import item_urls as description_item_urls
from apps.charts.apis import AnalysisListApi, AnalysisThumbnailApi
from apps.jobs.urls import item_urls, job_urls
from apps.library.urls import library_urls
from apps.notifications.urls import notification_urls
from apps.ops.apis import SystemApi
from apps.reports.urls import report_urls

app_name = "api"

urlpatterns = [
    path("auth/", include("apps.accounts.urls")),
    path("datasets/", include("apps.datasets.urls")),
    path("analyses/", AnalysisListApi.as_view(), name="analysis-list"),
    path("analyses/<str:key>/thumbnail.png", AnalysisThumbnailApi.as_view(), name="analysis-thumbnail"),
    path("jobs/", include(job_urls)),
    path("items/", include(item_urls)),
    path("items/", include(description_item_urls)),
    path("ai/", include(ai_urls)),
    path("library/", include(library_urls)),
    path("reports/", include(report_urls)),
    path("notifications/", include(notification_urls)),
    path("system/", SystemApi.as_view(), name="system"),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api:schema"), name="docs"),
]
