"""Periodic housekeeping (celery beat; schedule in settings.CELERY_BEAT_SCHEDULE). Each task is a
thin interface over apps.jobs.housekeeping."""

from __future__ import annotations

from celery import shared_task
from django.conf import settings

from apps.core.queues import Queue, task_options
from apps.core.tasks import BaseTask


class HousekeepingTask(BaseTask):
    def record_failure(self, exc, args, kwargs) -> None:
        pass  # periodic: the next beat tick runs it again


@shared_task(
    bind=True, base=HousekeepingTask, name="jobs.reap_stale_items", **task_options(Queue.INGESTION_IO)
)
def reap_stale_items(self) -> dict[str, int]:
    from .housekeeping import items_reap_stale

    return items_reap_stale(older_than_s=settings.INTELLI_STALE_ITEM_S)


@shared_task(
    bind=True, base=HousekeepingTask, name="jobs.expire_retention", **task_options(Queue.INGESTION_IO)
)
def expire_retention(self) -> dict[str, int]:
    from .housekeeping import drafts_expire, events_expire

    return {
        "events": events_expire(days=settings.INTELLI_EVENT_RETENTION_DAYS),
        "drafts": drafts_expire(),
    }


@shared_task(
    bind=True, base=HousekeepingTask, name="jobs.sweep_orphan_files", **task_options(Queue.INGESTION_IO)
)
def sweep_orphan_files(self) -> int:
    from .housekeeping import media_sweep_orphans

    hours = settings.INTELLI_ORPHAN_MIN_AGE_HOURS
    if hours <= 0:
        return 0
    return len(media_sweep_orphans(min_age_s=hours * 3600).deleted)
