"""Probes and metrics, outside the versioned API: `/healthz`, `/readyz`, `/metrics`.

- `/healthz`: liveness. The process answers; touches nothing else (no database), so a slow
  database never gets a healthy web server restarted.
- `/readyz`: readiness. The database, the broker and the channel layer answer; 503 otherwise, so a
  load balancer stops sending requests this server cannot serve.
- `/metrics`: Prometheus text format, for a staff session or `Authorization: Bearer <METRICS_TOKEN>`.
"""

from __future__ import annotations

import hmac

from django.conf import settings
from django.http import HttpResponse, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from prometheus_client import CONTENT_TYPE_LATEST

from .checks import checks_ok, readiness
from .metrics import render_metrics

READY_TIMEOUT_S = 2.0


@never_cache
@require_GET
def healthz(request):
    return JsonResponse({"status": "ok"})


@never_cache
@require_GET
def readyz(request):
    results = readiness(timeout=READY_TIMEOUT_S)
    ok = checks_ok(results)
    body = {
        "status": "ready" if ok else "not ready",
        "checks": {r.name: {"ok": r.ok, "summary": r.summary} for r in results},
    }
    return JsonResponse(body, status=200 if ok else 503)


def _metrics_allowed(request) -> bool:
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated and user.is_staff:
        return True
    token = getattr(settings, "METRICS_TOKEN", "")
    header = request.META.get("HTTP_AUTHORIZATION", "")
    if token and header.startswith("Bearer "):
        return hmac.compare_digest(header[len("Bearer ") :].strip().encode(), token.encode())
    return False


@never_cache
@require_GET
def metrics(request):
    if not _metrics_allowed(request):
        response = HttpResponse(
            "Authentication required: a staff session or a METRICS_TOKEN bearer token.\n", status=401
        )
        response["WWW-Authenticate"] = 'Bearer realm="metrics"'
        return response
    return HttpResponse(render_metrics(), content_type=CONTENT_TYPE_LATEST)
