from __future__ import annotations

from celery import shared_task

from apps.core.queues import QUEUE_PROFILES, Queue, task_options
from apps.core.tasks import BaseTask, failure_reason


class IngestTask(BaseTask):
    def record_failure(self, exc, args, kwargs) -> None:
        from .services import dataset_fail

        dataset_fail(
            dataset_id=kwargs.get("dataset_id", args[0] if args else None),
            error="Reading the file failed. "
            + failure_reason(exc, time_limit=QUEUE_PROFILES[Queue.INGESTION_IO].time_limit),
        )


@shared_task(bind=True, base=IngestTask, name="datasets.ingest", **task_options(Queue.INGESTION_IO))
def ingest_dataset(self, dataset_id: int) -> None:
    from celery.exceptions import SoftTimeLimitExceeded

    from .services import dataset_fail, dataset_ingest

    try:
        dataset_ingest(dataset_id=dataset_id)
    except SoftTimeLimitExceeded:
        limit = QUEUE_PROFILES[Queue.INGESTION_IO].time_limit
        dataset_fail(
            dataset_id=dataset_id, error=f"Reading the file took longer than {limit} s and was stopped."
        )


@shared_task(bind=True, base=IngestTask, name="datasets.fetch_url", **task_options(Queue.INGESTION_IO))
def fetch_dataset_url(self, dataset_id: int) -> None:
    """Download an export given by URL (SSRF-guarded, size-capped), then read it as an upload."""
    from celery.exceptions import SoftTimeLimitExceeded

    from .services import dataset_fail, dataset_fetch

    try:
        dataset_fetch(dataset_id=dataset_id)
    except SoftTimeLimitExceeded:
        limit = QUEUE_PROFILES[Queue.INGESTION_IO].time_limit
        dataset_fail(
            dataset_id=dataset_id, error=f"Importing the file took longer than {limit} s and was stopped."
        )
