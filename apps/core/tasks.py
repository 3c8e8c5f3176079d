"""What every Intelli task shares: which errors are worth a retry, and how a failure is recorded.

Tasks retry only named transient errors (a dropped database or broker connection, a timeout),
with exponential backoff and jitter, at most `MAX_RETRIES` times. Whatever ends a task for good is
handed to `record_failure`, which each task implements to put a human-readable reason on its row:
a failure is never only in a worker log.
"""

from __future__ import annotations

import logging
from typing import Any

import kombu.exceptions
import redis.exceptions
from celery import Task
from celery.exceptions import SoftTimeLimitExceeded, TimeLimitExceeded
from django.db import InterfaceError, OperationalError

logger = logging.getLogger(__name__)

MAX_RETRIES = 3

TRANSIENT_ERRORS: tuple[type[BaseException], ...] = (
    OperationalError,  # database unreachable, connection dropped, SQLite busy past its timeout
    InterfaceError,  # connection already closed
    redis.exceptions.ConnectionError,
    redis.exceptions.TimeoutError,
    kombu.exceptions.OperationalError,
    ConnectionError,
    TimeoutError,
)


def failure_reason(exc: BaseException, *, time_limit: int | None = None) -> str:
    """A sentence for the user: what happened, without a traceback."""
    if isinstance(exc, SoftTimeLimitExceeded | TimeLimitExceeded):
        return f"It took longer than {time_limit} s and was stopped." if time_limit else "It took too long."
    if isinstance(exc, OperationalError | InterfaceError):
        return f"The database could not be reached after {MAX_RETRIES} retries; try again later."
    if isinstance(exc, redis.exceptions.RedisError | kombu.exceptions.OperationalError):
        return f"The message broker could not be reached after {MAX_RETRIES} retries; try again later."
    if isinstance(exc, ConnectionError | TimeoutError):
        return f"A connection failed after {MAX_RETRIES} retries; try again later."
    return "An unexpected error stopped it. It has been logged for the administrators."


class BaseTask(Task):
    abstract = True
    autoretry_for = TRANSIENT_ERRORS
    max_retries = MAX_RETRIES
    retry_backoff = 2  # seconds, doubled at each retry
    retry_backoff_max = 30
    retry_jitter = True

    def record_failure(self, exc: BaseException, args: tuple, kwargs: dict[str, Any]) -> None:
        raise NotImplementedError

    def on_retry(self, exc, task_id, args, kwargs, einfo) -> None:
        # A warning, not Celery's INFO line (config.settings.base keeps celery.app.trace to warnings).
        logger.warning(
            "Task %s[%s] will retry (retry %d of %d): %r",
            self.name,
            task_id,
            self.request.retries + 1,
            self.max_retries,
            exc,
        )

    def on_failure(self, exc, task_id, args, kwargs, einfo) -> None:
        logger.error("Task %s[%s] failed: %r", self.name, task_id, exc, exc_info=exc)
        try:
            self.record_failure(exc, tuple(args), dict(kwargs))
        except Exception:
            # The database may be the thing that is down; the reaper will fail the row later.
            logger.exception("Could not record the failure of %s[%s]", self.name, task_id)
