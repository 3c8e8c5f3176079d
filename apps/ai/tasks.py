from __future__ import annotations

from celery import shared_task
from celery.exceptions import Retry

from apps.core.queues import QUEUE_PROFILES, Queue, task_options
from apps.core.tasks import BaseTask, failure_reason

from .resilience import Deferred

# How many times a description may be put back to wait for the shared rate limit (each wait is
# at most resilience.MAX_DEFER_S) before it fails with that reason.
MAX_DEFERRALS = 10


def give_up_reason(exc: BaseException) -> str:
    """Why a description task ended for good, for the analyst."""
    if isinstance(exc, Retry) and isinstance(exc.exc, Deferred):
        exc = exc.exc  # eager mode: the retry itself is what comes back
    if isinstance(exc, Deferred):
        return "The AI provider's rate limit kept this description waiting too long; ask for it again later."
    return failure_reason(exc, time_limit=QUEUE_PROFILES[Queue.AI].time_limit)


class DescribeItemTask(BaseTask):
    def record_failure(self, exc, args, kwargs) -> None:
        from .services import description_fail

        description_id = kwargs.get("description_id", args[0] if args else None)
        description_fail(description_id=description_id, error=give_up_reason(exc))


@shared_task(
    bind=True,
    base=DescribeItemTask,
    name="ai.describe_item",
    ignore_result=True,  # the description row is the result
    **task_options(Queue.AI),
)
def describe_item(self, description_id: int) -> None:
    """Write one description (one generation of one chart's description)."""
    from .writing import description_run

    try:
        description_run(
            description_id=description_id, claim_id=self.request.id, worker=self.request.hostname or ""
        )
    except Deferred as deferred:
        # Wait in the broker, not in a worker thread; the message keeps its id, so its claim holds.
        raise self.retry(countdown=deferred.wait_s, max_retries=MAX_DEFERRALS, exc=deferred) from None
