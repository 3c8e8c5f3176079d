"""The report task, on the ingestion_io queue.

Why ingestion_io: building a report is reading stored files and writing three new ones; its CPU
part (placing already-rendered PNGs in a PDF and a deck) takes 40-150 ms per chart. On
charts_cpu (two processes, prefetch 1) it would queue behind chart renders and hold a live job's
charts back for seconds; on ingestion_io (four processes) it runs beside uploads, which are short
too. Its 60 s limit bounds a report to MAX_ITEMS_PER_REPORT charts.
"""

from __future__ import annotations

from celery import shared_task

from apps.core.queues import QUEUE_PROFILES, Queue, task_options
from apps.core.tasks import BaseTask, failure_reason


class BuildReportTask(BaseTask):
    def record_failure(self, exc, args, kwargs) -> None:
        from .services import report_fail

        report_fail(
            report_id=kwargs.get("report_id", args[0] if args else None),
            error=failure_reason(exc, time_limit=QUEUE_PROFILES[Queue.INGESTION_IO].time_limit),
        )


@shared_task(
    bind=True,
    base=BuildReportTask,
    name="reports.build",
    ignore_result=True,  # the report row is the result
    **task_options(Queue.INGESTION_IO),
)
def build_report(self, report_id: int) -> None:
    from .services import report_build

    report_build(report_id=report_id, claim_id=self.request.id)
