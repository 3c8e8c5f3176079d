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
def reap_stale_items(self) -> int:
    from .services import items_reap_stale

    return items_reap_stale(older_than_s=settings.INTELLI_STALE_ITEM_S)
