"""Django-level error pages: under /api/ they answer in the API's error shape, not in HTML."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views import defaults

from apps.core.exceptions import error_body


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    """A URL no route matches (e.g. `/api/v1/jobs/abc/`): JSON under /api/, Django's page elsewhere."""
    if request.path.startswith("/api/"):
        return JsonResponse(error_body("not_found", "Not found."), status=404)
    return defaults.page_not_found(request, exception)
