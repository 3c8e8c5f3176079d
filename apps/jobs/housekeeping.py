"""Housekeeping run by celery beat: stale items, retention, orphaned files.

- **Stale items.** An item RUNNING past every time limit lost its worker and nothing redelivered
  its message. The first time, it is put back on the queue with a new ticket (the lost message,
  should it ever come back, finds nothing to run) and the job's log says so; the second time it
  fails with a reason the user can act on.
- **Retention.** Off by default (0 days keeps everything). `INTELLI_EVENT_RETENTION_DAYS`: the
  event log of jobs that ended that long ago is deleted (the job, its items and their results stay;
  a browser opening such a job gets its snapshot, with nothing to replay).
  `INTELLI_DRAFT_RETENTION_DAYS`: the files of *unpublished* charts drawn that long ago are deleted
  and the item keeps its row without files. Published charts are never selected: the one
  definition of an expired draft is `apps.library.selectors.drafts_expired()`, and the library
  shows every draft's expiry date, so nothing goes silently.
- **Orphaned files.** Files under the folders Intelli writes to in MEDIA_ROOT that no row points
  at (a crash between writing a file and committing its row, a row deleted without its files) are
  removed once older than `INTELLI_ORPHAN_MIN_AGE_HOURS`, so a file being written right now is
  never taken. Local storage only: on S3, use a bucket lifecycle rule.
"""

from __future__ import annotations

import contextlib
import logging
import os
import time
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.core.files.storage import FileSystemStorage, default_storage
from django.db import models, transaction
from django.utils import timezone

from .events import EventType, NewEvent, emit_events, item_state
from .models import ImageTask, ItemStatus, Job, JobEvent
from .services import enqueue_items, item_fail, new_ticket

logger = logging.getLogger(__name__)

REQUEUED_CODE = "item.requeued"
STALE_FAIL_REASON = (
    "The worker drawing this chart stopped responding twice and the chart was abandoned; retry it."
)
# Folders of MEDIA_ROOT that Intelli writes and the orphan sweep may clean; anything else there
# (an operator's own files) is never touched.
SWEPT_FOLDERS = ("uploads", "canonical", "jobs", "reports")
ARTIFACT_FIELDS = ("png", "svg", "data_csv", "data_json")
# Rows deleted per statement: bounds how long one DELETE holds its locks.
DELETE_BATCH = 2000


# --- Stale items -----------------------------------------------------------------------------------


def _was_requeued(item_id: int) -> bool:
    return JobEvent.objects.filter(item_id=item_id, type=EventType.LOG, data__code=REQUEUED_CODE).exists()


def item_requeue_stale(*, item_id: int, cutoff) -> bool:
    """Put a stale RUNNING item back on the queue under a new ticket. False if it moved meanwhile."""
    ticket = new_ticket()
    with transaction.atomic():
        moved = ImageTask.objects.filter(pk=item_id, status=ItemStatus.RUNNING, started_at__lt=cutoff).update(
            status=ItemStatus.PENDING, claim_id=ticket, worker="", progress=0
        )
        if not moved:
            return False
        item = ImageTask.objects.select_related("job").get(pk=item_id)
        message = (
            f"Chart {item.position + 1} ({item.analysis_key}) lost its worker; "
            "it was put back on the queue once."
        )
        emit_events(
            job=item.job,
            events=[
                NewEvent(EventType.ITEM_STATUS, item_state(item), item_id=item.pk),
                NewEvent(
                    EventType.LOG,
                    {"level": "warning", "message": message, "code": REQUEUED_CODE},
                    item_id=item.pk,
                ),
            ],
        )
        transaction.on_commit(lambda: enqueue_items([(item_id, ticket)]))
    return True


def items_reap_stale(*, older_than_s: int) -> dict[str, int]:
    """Re-queue once, then fail, items left RUNNING longer than `older_than_s`."""
    cutoff = timezone.now() - timedelta(seconds=older_than_s)
    outcome = {"requeued": 0, "failed": 0}
    for item_id in ImageTask.objects.filter(status=ItemStatus.RUNNING, started_at__lt=cutoff).values_list(
        "pk", flat=True
    ):
        if _was_requeued(item_id):
            outcome["failed"] += item_fail(item_id=item_id, error=STALE_FAIL_REASON)
        else:
            outcome["requeued"] += item_requeue_stale(item_id=item_id, cutoff=cutoff)
    if any(outcome.values()):
        logger.warning("Stale items: %(requeued)d re-queued, %(failed)d failed", outcome)
    return outcome


# --- Retention -------------------------------------------------------------------------------------


def events_expire(*, days: int, now=None) -> int:
    """Delete the event log of jobs that ended more than `days` ago (0: keep forever)."""
    if days <= 0:
        return 0
    cutoff = (now or timezone.now()) - timedelta(days=days)
    jobs = Job.objects.filter(finished_at__lt=cutoff).values("pk")
    deleted = 0
    while True:
        batch = list(JobEvent.objects.filter(job__in=jobs).values_list("pk", flat=True)[:DELETE_BATCH])
        if not batch:
            return deleted
        deleted += JobEvent.objects.filter(pk__in=batch).delete()[0]


def drafts_expire(*, now=None) -> int:
    """Delete the files of unpublished charts past INTELLI_DRAFT_RETENTION_DAYS; keep their rows."""
    from apps.library.selectors import drafts_expired

    expired = 0
    for item in drafts_expired(now=now).only("pk", *ARTIFACT_FIELDS).iterator():
        paths = [getattr(item, name).name for name in ARTIFACT_FIELDS if getattr(item, name).name]
        # Clear the row first: a crash between the two leaves orphaned files (swept later), never a
        # row pointing at files that are gone.
        if ImageTask.objects.filter(pk=item.pk, publication__isnull=True).update(
            **dict.fromkeys(ARTIFACT_FIELDS, "")
        ):
            for path in paths:
                default_storage.delete(path)
            expired += 1
    if expired:
        logger.info("Retention: files of %d unpublished chart(s) deleted", expired)
    return expired


# --- Orphaned files ------------------------------------------------------------------------------


@dataclass
class SweepResult:
    deleted: list[str]
    kept_recent: int


def referenced_files() -> tuple[set[str], tuple[str, ...]]:
    """Every stored name a FileField of any model points at, and the canonical bundles' prefixes."""
    names: set[str] = set()
    for model in apps.get_models():
        fields = [f.name for f in model._meta.get_fields() if isinstance(f, models.FileField)]
        for field in fields:
            names.update(
                model._default_manager.exclude(**{field: ""}).values_list(field, flat=True).iterator()
            )
    prefixes: set[str] = set()
    for model in apps.get_models():
        if any(f.name == "canonical_prefix" for f in model._meta.get_fields()):
            prefixes.update(
                p.rstrip("/") + "/"
                for p in model._default_manager.exclude(canonical_prefix="").values_list(
                    "canonical_prefix", flat=True
                )
            )
    return names, tuple(sorted(prefixes))


def media_sweep_orphans(*, min_age_s: float, dry_run: bool = False) -> SweepResult:
    """Delete files under SWEPT_FOLDERS of MEDIA_ROOT that no row references and older than `min_age_s`."""
    if not isinstance(default_storage, FileSystemStorage):
        logger.info("Orphan sweep skipped: the storage is not local (use a bucket lifecycle rule)")
        return SweepResult([], 0)
    root = Path(settings.MEDIA_ROOT)
    names, prefixes = referenced_files()
    horizon = time.time() - min_age_s
    deleted, kept_recent = [], 0
    for folder in SWEPT_FOLDERS:
        base = root / folder
        if not base.is_dir():
            continue
        for dirpath, _dirnames, filenames in os.walk(base, topdown=False):
            for filename in filenames:
                path = Path(dirpath) / filename
                name = path.relative_to(root).as_posix()
                if name in names or name.startswith(prefixes):
                    continue
                if path.is_symlink() or not path.is_file():
                    continue
                if path.stat().st_mtime > horizon:
                    kept_recent += 1
                    continue
                if not dry_run:
                    path.unlink(missing_ok=True)
                deleted.append(name)
            if not dry_run and Path(dirpath) != base:
                with contextlib.suppress(OSError):
                    Path(dirpath).rmdir()  # only succeeds when empty
    if deleted:
        logger.info("Orphan sweep: %d file(s) %s", len(deleted), "found" if dry_run else "deleted")
    return SweepResult(deleted, kept_recent)
