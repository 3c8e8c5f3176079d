from __future__ import annotations

from django.db.models import QuerySet

from .models import Report


def reports_of(*, user) -> QuerySet[Report]:
    """The user's own reports (staff too: a report is personal, like the library)."""
    if not user or not user.is_authenticated:
        return Report.objects.none()
    return Report.objects.filter(owner=user).prefetch_related("entries")
