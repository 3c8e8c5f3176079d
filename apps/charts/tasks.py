from __future__ import annotations

from celery import shared_task

from apps.core.queues import QUEUE_PROFILES, Queue, task_options
from apps.core.tasks import BaseTask, failure_reason


class RenderItemTask(BaseTask):
    def record_failure(self, exc, args, kwargs) -> None:
        from apps.jobs.services import item_fail

        item_fail(
            item_id=kwargs.get("item_id", args[0] if args else None),
            error=failure_reason(exc, time_limit=QUEUE_PROFILES[Queue.CHARTS_CPU].time_limit),
        )


@shared_task(
    bind=True,
    base=RenderItemTask,
    name="charts.render_item",
    ignore_result=True,  # the item row is the result
    **task_options(Queue.CHARTS_CPU),
)
def render_item(self, item_id: int) -> None:
    from .services import item_render

    item_render(item_id=item_id, claim_id=self.request.id, worker=self.request.hostname or "")
