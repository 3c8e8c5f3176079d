"""Writes to the library: tags, groups, publication and bulk actions, all scoped to the owner."""

from __future__ import annotations

from collections.abc import Sequence
from enum import StrEnum

from django.db import IntegrityError, transaction
from django.utils import timezone

from apps.core.exceptions import ApplicationError
from apps.core.files import delete_files
from apps.jobs.models import ImageTask

from .models import NAME_MAX_LENGTH, ChartGroup, Publication, Tag
from .selectors import exclude_published, owned_charts

# One bulk request touches at most this many charts (one IN list, one M2M insert).
MAX_BULK_ITEMS = 1000
ARTIFACT_FIELDS = ("png", "svg", "data_csv", "data_json")


class BulkAction(StrEnum):
    TAG = "tag"
    UNTAG = "untag"
    ADD_TO_GROUP = "add_to_group"
    REMOVE_FROM_GROUP = "remove_from_group"
    PUBLISH = "publish"
    UNPUBLISH = "unpublish"
    DELETE_DRAFTS = "delete_drafts"


def _clean_name(name: str, what: str) -> str:
    cleaned = " ".join((name or "").split())
    if not cleaned:
        raise ApplicationError(
            f"A {what} needs a name.", code="validation_error", fields={"name": ["This field is required."]}
        )
    if len(cleaned) > NAME_MAX_LENGTH:
        raise ApplicationError(
            f"A {what} name has at most {NAME_MAX_LENGTH} characters.",
            code="validation_error",
            fields={"name": [f"At most {NAME_MAX_LENGTH} characters."]},
        )
    return cleaned


def _duplicate(what: str, name: str) -> ApplicationError:
    return ApplicationError(
        f"You already have a {what} named “{name}”.",
        code="conflict",
        status_code=409,
        fields={"name": [f"You already have a {what} with this name."]},
    )


def _save_named(row: Tag | ChartGroup, what: str) -> None:
    clash = type(row).objects.filter(owner_id=row.owner_id, name__iexact=row.name).exclude(pk=row.pk)
    if clash.exists():
        raise _duplicate(what, row.name)
    try:
        with transaction.atomic():
            row.save()
    except IntegrityError as exc:  # a concurrent twin won the unique constraint
        raise _duplicate(what, row.name) from exc


def tag_create(*, owner, name: str) -> Tag:
    tag = Tag(owner=owner, name=_clean_name(name, "tag"))
    _save_named(tag, "tag")
    return tag


def tag_update(*, tag: Tag, name: str) -> Tag:
    tag.name = _clean_name(name, "tag")
    _save_named(tag, "tag")
    return tag


def group_create(*, owner, name: str, description: str = "") -> ChartGroup:
    group = ChartGroup(owner=owner, name=_clean_name(name, "group"), description=description or "")
    _save_named(group, "group")
    return group


def group_update(*, group: ChartGroup, name: str | None = None, description: str | None = None) -> ChartGroup:
    if name is not None:
        group.name = _clean_name(name, "group")
    if description is not None:
        group.description = description
    _save_named(group, "group")
    return group


def _charts_or_error(*, owner, item_ids: Sequence[int]) -> list[ImageTask]:
    if not item_ids:
        raise ApplicationError(
            "Choose at least one chart.", code="validation_error", fields={"items": ["Choose at least one."]}
        )
    if len(item_ids) > MAX_BULK_ITEMS:
        raise ApplicationError(
            f"At most {MAX_BULK_ITEMS} charts at a time.",
            code="validation_error",
            fields={"items": [f"At most {MAX_BULK_ITEMS}."]},
        )
    items, missing = owned_charts(user=owner, item_ids=item_ids)
    if missing:
        shown = ", ".join(str(pk) for pk in missing[:20])
        raise ApplicationError(
            f"These charts are not in your library: {shown}.",
            code="not_found",
            status_code=404,
            fields={"items": [f"Not in your library: {shown}."]},
        )
    return items


def charts_publish(*, owner, item_ids: Sequence[int]) -> int:
    """Publish charts (already published ones keep their date). Returns how many became published."""
    items = _charts_or_error(owner=owner, item_ids=item_ids)
    now = timezone.now()
    already = set(Publication.objects.filter(item__in=items).values_list("item_id", flat=True))
    fresh = [
        Publication(item=item, published_at=now, published_by=owner)
        for item in items
        if item.pk not in already
    ]
    Publication.objects.bulk_create(fresh, ignore_conflicts=True)
    return len(fresh)


def charts_unpublish(*, owner, item_ids: Sequence[int]) -> int:
    items = _charts_or_error(owner=owner, item_ids=item_ids)
    deleted, _ = Publication.objects.filter(item__in=items).delete()
    return deleted


def charts_tag(*, owner, item_ids: Sequence[int], tag: Tag, add: bool = True) -> int:
    items = _charts_or_error(owner=owner, item_ids=item_ids)
    if tag.owner_id != owner.pk:
        raise ApplicationError("Tag not found.", code="not_found", status_code=404)
    if add:
        before = tag.items.count()
        tag.items.add(*items)
        return tag.items.count() - before
    before = tag.items.count()
    tag.items.remove(*items)
    return before - tag.items.count()


def charts_group(*, owner, item_ids: Sequence[int], group: ChartGroup, add: bool = True) -> int:
    items = _charts_or_error(owner=owner, item_ids=item_ids)
    if group.owner_id != owner.pk:
        raise ApplicationError("Group not found.", code="not_found", status_code=404)
    before = group.items.count()
    if add:
        group.items.add(*items)
        return group.items.count() - before
    group.items.remove(*items)
    return before - group.items.count()


def drafts_delete(*, owner, item_ids: Sequence[int]) -> int:
    """Delete the files of unpublished charts; the job keeps its history (the item row and its events).

    Published charts are refused, not skipped: deleting published work takes an explicit
    unpublish first. The chart leaves the library (and its tags and groups) at once; its files
    are removed from storage after the transaction commits.
    """
    items = _charts_or_error(owner=owner, item_ids=item_ids)
    ids = [item.pk for item in items]
    published = sorted(Publication.objects.filter(item_id__in=ids).values_list("item_id", flat=True))
    if published:
        shown = ", ".join(str(pk) for pk in published[:20])
        raise ApplicationError(
            f"Published charts are never deleted; unpublish them first: {shown}.",
            code="conflict",
            status_code=409,
            fields={"items": [f"Published: {shown}."]},
        )
    with transaction.atomic():
        rows = list(
            exclude_published(
                ImageTask.objects.select_for_update(of=("self",)).filter(pk__in=ids)
            ).values_list("pk", *ARTIFACT_FIELDS)
        )
        exclude_published(ImageTask.objects.filter(pk__in=[row[0] for row in rows])).update(
            **dict.fromkeys(ARTIFACT_FIELDS, "")
        )
        Tag.items.through.objects.filter(imagetask_id__in=[row[0] for row in rows]).delete()
        ChartGroup.items.through.objects.filter(imagetask_id__in=[row[0] for row in rows]).delete()
        paths = [path for row in rows for path in row[1:] if path]
        transaction.on_commit(lambda: delete_files(paths))
    return len(rows)


def charts_bulk(
    *,
    owner,
    action: BulkAction,
    item_ids: Sequence[int],
    tag: Tag | None = None,
    group: ChartGroup | None = None,
) -> int:
    """Apply one action to many charts. Returns how many charts it changed."""
    if action in (BulkAction.TAG, BulkAction.UNTAG):
        if tag is None:
            raise ApplicationError("Name the tag.", code="validation_error", fields={"tag": ["Required."]})
        return charts_tag(owner=owner, item_ids=item_ids, tag=tag, add=action == BulkAction.TAG)
    if action in (BulkAction.ADD_TO_GROUP, BulkAction.REMOVE_FROM_GROUP):
        if group is None:
            raise ApplicationError(
                "Name the group.", code="validation_error", fields={"group": ["Required."]}
            )
        return charts_group(
            owner=owner, item_ids=item_ids, group=group, add=action == BulkAction.ADD_TO_GROUP
        )
    if action == BulkAction.PUBLISH:
        return charts_publish(owner=owner, item_ids=item_ids)
    if action == BulkAction.UNPUBLISH:
        return charts_unpublish(owner=owner, item_ids=item_ids)
    return drafts_delete(owner=owner, item_ids=item_ids)
