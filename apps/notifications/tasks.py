from __future__ import annotations

from celery import shared_task

from apps.core.queues import Queue, task_options
from apps.core.tasks import BaseTask, failure_reason


class EmailTask(BaseTask):
    def record_failure(self, exc, args, kwargs) -> None:
        from .models import Notification

        notification_id = kwargs.get("notification_id", args[0] if args else None)
        Notification.objects.filter(pk=notification_id).update(email_error=failure_reason(exc))


@shared_task(
    bind=True,
    base=EmailTask,
    name="notifications.send_email",
    ignore_result=True,
    # SMTP is network I/O: the I/O queue, retried on connection errors like every task.
    autoretry_for=(*BaseTask.autoretry_for, OSError),
    **task_options(Queue.INGESTION_IO),
)
def send_notification_email(self, notification_id: int) -> None:
    from .services import notification_email_send

    notification_email_send(notification_id=notification_id)
