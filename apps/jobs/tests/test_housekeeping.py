"""Housekeeping (celery beat): stale items re-queued once then failed, retention of events and of
unpublished charts' files (published ones never), orphaned files swept."""

from __future__ import annotations

import os
import time
from datetime import timedelta

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone

from apps.datasets.tests.factories import DatasetFactory
from apps.jobs.housekeeping import (
    REQUEUED_CODE,
    drafts_expire,
    events_expire,
    items_reap_stale,
    media_sweep_orphans,
)
from apps.jobs.models import ImageTask, ItemStatus, Job, JobEvent, JobStatus
from apps.jobs.services import item_claim, item_succeed

from .factories import job_with_items

pytestmark = pytest.mark.django_db
OUTPUTS = {"png": b"\x89PNG fake", "svg": b"<svg/>", "data_csv": b"year,count\n", "data_json": b"{}"}
LONG_AGO = timezone.now() - timedelta(days=400)


def stuck(item: ImageTask, claim_id: str) -> ImageTask:
    item = item_claim(item_id=item.pk, claim_id=claim_id, worker="w1@host")
    ImageTask.objects.filter(pk=item.pk).update(started_at=LONG_AGO)
    return item


def drawn(item: ImageTask, claim_id: str = "t0") -> ImageTask:
    item = item_claim(item_id=item.pk, claim_id=claim_id, worker="w1@host")
    assert item_succeed(item=item, claim_id=claim_id, outputs=OUTPUTS, timings={})
    item.refresh_from_db()
    return item


def test_a_stale_item_is_requeued_once_with_a_new_ticket(django_capture_on_commit_callbacks, monkeypatch):
    sent = []
    monkeypatch.setattr("apps.jobs.housekeeping.enqueue_items", lambda tickets: sent.extend(tickets))
    job = job_with_items(1)
    item = stuck(job.items.get(), "t0")

    with django_capture_on_commit_callbacks(execute=True):
        assert items_reap_stale(older_than_s=300) == {"requeued": 1, "failed": 0}

    item.refresh_from_db()
    assert item.status == ItemStatus.PENDING and item.claim_id != "t0" and item.worker == ""
    assert sent == [(item.pk, item.claim_id)]
    log = JobEvent.objects.get(job=job, type="log")
    assert log.item_id == item.pk and log.data["code"] == REQUEUED_CODE and "put back" in log.data["message"]
    # The lost message, should it come back, finds nothing to run.
    assert item_claim(item_id=item.pk, claim_id="t0", worker="w2@host") is None


def test_a_requeued_item_stuck_again_fails_with_a_reason(monkeypatch):
    monkeypatch.setattr("apps.jobs.housekeeping.enqueue_items", lambda tickets: None)
    job = job_with_items(1)
    item = stuck(job.items.get(), "t0")
    items_reap_stale(older_than_s=300)
    item.refresh_from_db()
    stuck(item, item.claim_id)

    assert items_reap_stale(older_than_s=300) == {"requeued": 0, "failed": 1}

    item.refresh_from_db()
    job.refresh_from_db()
    assert item.status == ItemStatus.FAILED and "stopped responding twice" in item.error
    assert job.status == JobStatus.FAILED


def test_recent_running_items_are_left_alone():
    job = job_with_items(1)
    item_claim(item_id=job.items.get().pk, claim_id="t0", worker="w1@host")
    assert items_reap_stale(older_than_s=300) == {"requeued": 0, "failed": 0}
    assert job.items.get().status == ItemStatus.RUNNING


def test_events_of_jobs_ended_before_the_retention_are_deleted():
    old, recent, running = job_with_items(1), job_with_items(1), job_with_items(1)
    drawn(old.items.get())
    drawn(recent.items.get())
    item_claim(item_id=running.items.get().pk, claim_id="t0", worker="w1@host")
    Job.objects.filter(pk=old.pk).update(finished_at=LONG_AGO)
    before_recent = JobEvent.objects.filter(job=recent).count()

    assert events_expire(days=0) == 0  # 0 keeps everything
    deleted = events_expire(days=30)

    assert deleted > 0 and not JobEvent.objects.filter(job=old).exists()
    assert JobEvent.objects.filter(job=recent).count() == before_recent
    assert JobEvent.objects.filter(job=running).exists()
    assert Job.objects.filter(pk=old.pk).exists() and old.items.get().status == ItemStatus.SUCCESS


def test_files_of_expired_drafts_are_deleted_and_published_charts_kept(settings, user):
    from apps.library.models import Publication

    settings.INTELLI_DRAFT_RETENTION_DAYS = 30
    job = job_with_items(2)
    draft, published = (drawn(i, f"t{i.position}") for i in job.items.order_by("position"))
    Publication.objects.create(item=published, published_at=timezone.now(), published_by=user)
    ImageTask.objects.filter(job=job).update(finished_at=LONG_AGO)
    draft_files = [draft.png.name, draft.svg.name, draft.data_csv.name, draft.data_json.name]

    assert drafts_expire() == 1

    draft.refresh_from_db()
    published.refresh_from_db()
    assert draft.png.name == "" and draft.status == ItemStatus.SUCCESS
    assert not any(default_storage.exists(name) for name in draft_files)
    assert published.png.name and default_storage.exists(published.png.name)


def test_without_a_draft_retention_nothing_is_deleted(settings):
    settings.INTELLI_DRAFT_RETENTION_DAYS = 0
    job = job_with_items(1)
    item = drawn(job.items.get())
    ImageTask.objects.filter(pk=item.pk).update(finished_at=LONG_AGO)
    assert drafts_expire() == 0 and default_storage.exists(item.png.name)


def _age(name: str, seconds: float) -> None:
    path = default_storage.path(name)
    then = time.time() - seconds
    os.utime(path, (then, then))


def test_orphaned_files_are_swept_and_referenced_or_recent_ones_kept(settings):
    job = job_with_items(1)
    item = drawn(job.items.get())
    dataset = DatasetFactory()
    canonical = f"{dataset.canonical_prefix or 'canonical/v1/ab/abc'}/manifest.json"
    if not dataset.canonical_prefix:
        type(dataset).objects.filter(pk=dataset.pk).update(canonical_prefix="canonical/v1/ab/abc")
    default_storage.save(canonical, ContentFile(b"{}"))
    orphan = default_storage.save("jobs/999/items/1/chart.png", ContentFile(b"x"))
    fresh_orphan = default_storage.save("jobs/998/items/2/chart.png", ContentFile(b"y"))
    outside = default_storage.save("operator-notes/readme.txt", ContentFile(b"mine"))
    for name in (item.png.name, canonical, orphan, outside, dataset.source_file.name):
        _age(name, 3 * 86400)

    assert media_sweep_orphans(min_age_s=86400, dry_run=True).deleted == [orphan]
    assert default_storage.exists(orphan)
    result = media_sweep_orphans(min_age_s=86400)

    assert result.deleted == [orphan] and result.kept_recent == 1
    assert not default_storage.exists(orphan)
    assert not os.path.isdir(os.path.join(settings.MEDIA_ROOT, "jobs", "999"))  # empty folders go too
    for kept in (item.png.name, canonical, fresh_orphan, outside, dataset.source_file.name):
        assert default_storage.exists(kept), kept


def test_the_housekeeping_tasks_run(settings):
    from apps.jobs.tasks import expire_retention, reap_stale_items, sweep_orphan_files

    settings.INTELLI_EVENT_RETENTION_DAYS = 30
    assert reap_stale_items.apply().get() == {"requeued": 0, "failed": 0}
    assert expire_retention.apply().get() == {"events": 0, "drafts": 0}
    assert sweep_orphan_files.apply().get() == 0
