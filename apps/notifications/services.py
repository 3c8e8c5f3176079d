"""Create notifications, push them live, mail them, mark them read."""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone

from apps.jobs.events import EventType

from .models import Kind, Level, Notification
from .push import push_to_user
from .selectors import notification_payload

logger = logging.getLogger(__name__)


def email_enabled_for(user) -> bool:
    return bool(getattr(settings, "INTELLI_EMAIL_NOTIFICATIONS", False) and user is not None and user.email)


def notification_create(
    *,
    user,
    kind: Kind,
    level: Level,
    title: str,
    message: str = "",
    subject_type: str,
    subject_id: int,
    url: str = "",
    job_id: int | None = None,
) -> Notification:
    """Store a notification; after commit push it on the user's stream and queue its email."""
    with transaction.atomic():
        notification = Notification.objects.create(
            user=user,
            kind=kind,
            level=level,
            title=title[:300],
            message=message,
            subject_type=subject_type,
            subject_id=subject_id,
            url=url,
        )
        payload = notification_payload(notification)
        transaction.on_commit(
            lambda: push_to_user(user_id=user.pk, type=EventType.NOTIFICATION, data=payload, job_id=job_id),
            robust=True,
        )
        if email_enabled_for(user):
            transaction.on_commit(lambda: _enqueue_email(notification.pk), robust=True)
    return notification


def _enqueue_email(notification_id: int) -> None:
    from .tasks import send_notification_email

    try:
        send_notification_email.delay(notification_id)
    except Exception:
        logger.warning("Could not queue the email of notification %s", notification_id, exc_info=True)


def notification_email_send(*, notification_id: int) -> bool:
    """Mail one notification, once. Returns whether a mail was sent now."""
    notification = Notification.objects.select_related("user").filter(pk=notification_id).first()
    if (
        notification is None
        or notification.emailed_at is not None
        or not email_enabled_for(notification.user)
    ):
        return False
    body = notification.message
    if notification.url and settings.INTELLI_PUBLIC_URL:
        body += f"\n\n{settings.INTELLI_PUBLIC_URL.rstrip('/')}{notification.url}"
    send_mail(
        subject=f"[Intelli] {notification.title}",
        message=body,
        from_email=None,  # DEFAULT_FROM_EMAIL
        recipient_list=[notification.user.email],
    )
    Notification.objects.filter(pk=notification_id, emailed_at__isnull=True).update(emailed_at=timezone.now())
    return True


def notifications_mark_read(*, user, ids: list[int] | None = None) -> int:
    """Mark some (or, with no ids, all) of the user's unread notifications read."""
    unread = Notification.objects.filter(user=user, read_at__isnull=True)
    if ids is not None:
        unread = unread.filter(pk__in=ids)
    return unread.update(read_at=timezone.now())
