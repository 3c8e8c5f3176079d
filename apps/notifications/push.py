"""Live messages on a user's own stream, `/ws/jobs/` (the job-list socket every page keeps open).

The job-list consumer forwards whatever reaches the user's group as it is, so notifications and
report progress travel there without a new route or a change to the consumer. Messages use the
one envelope (`seq: null`: they are not part of a job's event log; REST has every fact).
"""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.utils import timezone

from apps.core.redis import get_redis
from apps.jobs.events import envelope
from apps.realtime.broadcast import group_send_many
from apps.realtime.groups import user_jobs_group

logger = logging.getLogger(__name__)


def push_to_user(*, user_id: int, type: str, data: dict[str, Any], job_id: int | None = None) -> None:
    message = envelope(type=type, job_id=job_id, seq=None, at=timezone.now(), data=data)
    group_send_many([(user_jobs_group(user_id), {"type": "jobs.event", "event": message})])


def push_to_user_throttled(
    *, user_id: int, type: str, data: dict[str, Any], key: str, job_id: int | None = None
) -> bool:
    """Like `push_to_user`, at most INTELLI_PROGRESS_EVENTS_PER_SECOND per `key` across processes."""
    interval_ms = max(1, 1000 // settings.INTELLI_PROGRESS_EVENTS_PER_SECOND)
    try:
        if not get_redis().set(f"intelli:throttle:user:{user_id}:{key}", 1, px=interval_ms, nx=True):
            return False
    except Exception:
        logger.debug("Throttle unavailable; dropping a progress message", exc_info=True)
        return False
    push_to_user(user_id=user_id, type=type, data=data, job_id=job_id)
    return True
