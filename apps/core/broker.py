"""Is the Celery broker reachable? Asked before work is accepted, so a request fails cleanly
with 503 instead of leaving a job behind that nothing will ever run."""

from __future__ import annotations

import logging

from django.conf import settings

from apps.core.exceptions import ServiceUnavailable

logger = logging.getLogger(__name__)

BROKER_CHECK_TIMEOUT_S = 2


def ensure_broker_reachable() -> None:
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return
    from config.celery import app

    try:
        with app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, interval_start=0, timeout=BROKER_CHECK_TIMEOUT_S)
    except Exception as exc:
        logger.warning("Broker unreachable: %r", exc)
        raise ServiceUnavailable(
            "The task queue is not reachable right now, so nothing was created. "
            "Try again in a minute; if it persists, ask an administrator to check the broker."
        ) from exc
