"""Reads of the library: the user's charts, their tags and groups, and which drafts have expired.

`drafts_expired()` is the one definition of "a draft past its retention": housekeeping that
deletes chart files must select through it (or through `exclude_published()`), so published work
is never deleted silently.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils import timezone

from apps.jobs.models import ImageTask, ItemStatus

from .models import ChartGroup, Tag


def draft_retention_days() -> int:
    """Days an unpublished chart is kept after it was drawn; 0 keeps drafts forever."""
    return max(0, int(getattr(settings, "INTELLI_DRAFT_RETENTION_DAYS", 0) or 0))


def exclude_published(items: QuerySet[ImageTask]) -> QuerySet[ImageTask]:
    """Only the drafts of `items`: what any deletion of chart files must be narrowed with."""
    return items.filter(publication__isnull=True)


def library_charts() -> QuerySet[ImageTask]:
    """Every chart that is in a library: drawn, with its image (PNG, SVG or both) still stored."""
    return ImageTask.objects.filter(status=ItemStatus.SUCCESS).exclude(png="", svg="")


def _drawn(prefix: str) -> Q:
    """`library_charts()` as a condition on a relation (for counts)."""
    return Q(**{f"{prefix}status": ItemStatus.SUCCESS}) & ~Q(**{f"{prefix}png": "", f"{prefix}svg": ""})


def drafts_expired(*, now: datetime | None = None) -> QuerySet[ImageTask]:
    """Unpublished charts drawn more than INTELLI_DRAFT_RETENTION_DAYS ago (none when it is 0)."""
    days = draft_retention_days()
    if days == 0:
        return ImageTask.objects.none()
    cutoff = (now or timezone.now()) - timedelta(days=days)
    return exclude_published(library_charts()).filter(finished_at__lt=cutoff)


def draft_expires_at(item: ImageTask) -> datetime | None:
    """When housekeeping may delete this chart's files; None for published charts or no retention."""
    days = draft_retention_days()
    if days == 0 or _is_published(item):
        return None
    drawn = item.finished_at or item.created_at
    return drawn + timedelta(days=days) if drawn else None


def _is_published(item: ImageTask) -> bool:
    try:
        return item.publication is not None
    except ImageTask.publication.RelatedObjectDoesNotExist:
        return False


def charts_of(*, user) -> QuerySet[ImageTask]:
    """The user's library (their own charts only, staff included), with what a listing shows."""
    if not user or not user.is_authenticated:
        return ImageTask.objects.none()
    return (
        library_charts()
        .filter(job__owner=user)
        .select_related("job", "job__dataset", "publication")
        .prefetch_related(
            Prefetch("library_tags", queryset=Tag.objects.filter(owner=user).order_by("name")),
            Prefetch("library_groups", queryset=ChartGroup.objects.filter(owner=user).order_by("name")),
        )
        .order_by("-finished_at", "-id")
    )


def search_charts(items: QuerySet[ImageTask], text: str) -> QuerySet[ImageTask]:
    """Charts whose job title, analysis (key or title, English or Spanish), dataset or description matches."""
    text = text.strip()
    if not text:
        return items
    condition = (
        Q(job__title__icontains=text)
        | Q(job__dataset__name__icontains=text)
        | Q(analysis_key__icontains=text)
        | Q(descriptions__text__icontains=text)
        | Q(descriptions__edited_text__icontains=text)
    )
    keys = analysis_keys_titled(text)
    if keys:
        condition |= Q(analysis_key__in=keys)
    matching = ImageTask.objects.filter(condition).values("pk")
    return items.filter(pk__in=matching)


def analysis_keys_titled(text: str) -> list[str]:
    """Analysis keys whose title, in any language, contains `text` (titles live in code, not rows)."""
    from apps.charts.analyses import REGISTRY

    needle = text.casefold()
    return [key for key in REGISTRY if any(needle in title.casefold() for title in analysis_titles(key))]


def analysis_titles(key: str) -> list[str]:
    from apps.charts.analyses import REGISTRY
    from apps.charts.labels import CATALOG

    titles = list(CATALOG.get(f"analysis.{key}.title", {}).values())
    analysis = REGISTRY.get(key)
    if analysis is not None:
        titles.append(analysis.title)
    return titles


def analysis_title(key: str, language: str) -> str:
    """The chart's title in `language`, falling back to the analysis' own title, then its key."""
    from apps.charts.analyses import REGISTRY
    from apps.charts.labels import CATALOG

    entry = CATALOG.get(f"analysis.{key}.title", {})
    if language in entry:
        return entry[language]
    analysis = REGISTRY.get(key)
    return analysis.title if analysis is not None else key.replace("_", " ").capitalize()


def tags_of(*, user) -> QuerySet[Tag]:
    if not user or not user.is_authenticated:
        return Tag.objects.none()
    return Tag.objects.filter(owner=user).annotate(
        charts=Count("items", filter=_drawn("items__"), distinct=True)
    )


def groups_of(*, user) -> QuerySet[ChartGroup]:
    if not user or not user.is_authenticated:
        return ChartGroup.objects.none()
    return ChartGroup.objects.filter(owner=user).annotate(
        charts=Count("items", filter=_drawn("items__"), distinct=True)
    )


def owned_charts(*, user, item_ids: Iterable[int]) -> tuple[list[ImageTask], list[int]]:
    """The user's charts among `item_ids`, and the ids that are not (unknown, another's, not drawn)."""
    wanted = list(dict.fromkeys(int(pk) for pk in item_ids))
    found = {item.pk: item for item in charts_of(user=user).filter(pk__in=wanted)}
    return [found[pk] for pk in wanted if pk in found], [pk for pk in wanted if pk not in found]
