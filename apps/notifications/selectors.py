from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from .models import Notification


def notifications_of(*, user) -> QuerySet[Notification]:
    if not user or not user.is_authenticated:
        return Notification.objects.none()
    return Notification.objects.filter(user=user)


def notification_payload(notification: Notification) -> dict[str, Any]:
    """What the live `notification` message carries (the same fields as the REST list)."""
    return {
        "id": notification.pk,
        "kind": notification.kind,
        "level": notification.level,
        "title": notification.title,
        "message": notification.message,
        "subject_type": notification.subject_type,
        "subject_id": notification.subject_id,
        "url": notification.url,
        "created_at": notification.created_at.isoformat().replace("+00:00", "Z"),
        "read": notification.read_at is not None,
    }
