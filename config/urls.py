from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", include("config.api_urls")),
    # The web UI arrives with the frontend; until then the API docs are the front door.
    path("", RedirectView.as_view(url="/api/v1/docs/", permanent=False)),
]
