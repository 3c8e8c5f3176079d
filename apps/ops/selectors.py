"""Reads for the system page: the checks' results arranged for a UI, and recent failures."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from apps.core.queues import Queue
from apps.jobs.models import ImageTask, ItemStatus

from .checks import CheckResult, checks_ok, run_checks

RECENT_FAILURES = 20
SYSTEM_CHECK_TIMEOUT_S = 1.0  # a page load waits this long for workers to answer (twice)


def recent_failures(*, limit: int = RECENT_FAILURES) -> list[dict[str, Any]]:
    rows = (
        ImageTask.objects.filter(status=ItemStatus.FAILED)
        .order_by("-finished_at", "-id")
        .values("pk", "job_id", "analysis_key", "error", "finished_at")[:limit]
    )
    return [
        {
            "item": r["pk"],
            "job": r["job_id"],
            "analysis": r["analysis_key"],
            "error": r["error"],
            "finished_at": r["finished_at"],
        }
        for r in rows
    ]


def system_status(*, results: list[CheckResult] | None = None) -> dict[str, Any]:
    results = results if results is not None else run_checks(timeout=SYSTEM_CHECK_TIMEOUT_S)
    by_name = {r.name: r for r in results}
    worker_details = by_name["workers"].details if "workers" in by_name else {}
    consumers = worker_details.get("consumers", {})
    queue_info = by_name["queues"].details.get("queues", {}) if "queues" in by_name else {}
    return {
        "ok": checks_ok(results),
        "checked_at": timezone.now(),
        "checks": [r.as_dict() for r in results],
        "workers": [{"name": n, "queues": q} for n, q in worker_details.get("workers", {}).items()],
        "queues": [
            {
                "name": q.value,
                "depth": queue_info.get(q.value, {}).get("depth"),
                "oldest_age_s": queue_info.get(q.value, {}).get("oldest_age_s"),
                "consumers": consumers.get(q.value, []),
            }
            for q in Queue
        ],
        "recent_failures": recent_failures(),
    }
