from __future__ import annotations

import hashlib

from django.conf import settings
from django.db import models


class JobStatus(models.TextChoices):
    PENDING = "PENDING", "Pending"
    RUNNING = "RUNNING", "Running"
    SUCCESS = "SUCCESS", "Succeeded"
    PARTIAL_SUCCESS = "PARTIAL_SUCCESS", "Partly succeeded"
    FAILED = "FAILED", "Failed"
    CANCELLED = "CANCELLED", "Cancelled"


JOB_ACTIVE = (JobStatus.PENDING, JobStatus.RUNNING)
JOB_TERMINAL = (JobStatus.SUCCESS, JobStatus.PARTIAL_SUCCESS, JobStatus.FAILED, JobStatus.CANCELLED)


class ItemStatus(models.TextChoices):
    PENDING = "PENDING", "Pending"
    RUNNING = "RUNNING", "Running"
    SUCCESS = "SUCCESS", "Succeeded"
    FAILED = "FAILED", "Failed"
    CANCELLED = "CANCELLED", "Cancelled"


ITEM_ACTIVE = (ItemStatus.PENDING, ItemStatus.RUNNING)
ITEM_TERMINAL = (ItemStatus.SUCCESS, ItemStatus.FAILED, ItemStatus.CANCELLED)


class Job(models.Model):
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="jobs")
    dataset = models.ForeignKey("datasets.Dataset", on_delete=models.PROTECT, related_name="jobs")
    title = models.CharField(max_length=200, blank=True)
    style = models.JSONField(default=dict, blank=True)
    # Write a description of every chart once it is drawn (apps.ai, on the ai queue). Blank
    # provider or model: the server's defaults (AI_PROVIDER, AI_MODEL). Descriptions have their
    # own status and never change the job's.
    describe = models.BooleanField(default=False)
    ai_provider = models.CharField(max_length=10, blank=True)
    ai_model = models.CharField(max_length=100, blank=True)
    # NULL, not "": jobs without a key must not collide in the unique constraint below.
    idempotency_key = models.CharField(max_length=100, null=True, blank=True)  # noqa: DJ001
    status = models.CharField(max_length=16, choices=JobStatus.choices, default=JobStatus.PENDING)
    # Counters move with F() expressions only: two workers may finish items at the same instant.
    total = models.PositiveIntegerField(default=0)
    succeeded = models.PositiveIntegerField(default=0)
    failed = models.PositiveIntegerField(default=0)
    cancelled = models.PositiveIntegerField(default=0)
    # The last event sequence number handed out for this job.
    event_seq = models.PositiveBigIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    cancel_requested_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["owner", "-created_at"]), models.Index(fields=["status"])]
        constraints = [
            models.UniqueConstraint(
                fields=["owner", "idempotency_key"],
                condition=models.Q(idempotency_key__isnull=False),
                name="job_idempotency_key_unique_per_owner",
            ),
        ]

    def __str__(self) -> str:
        return f"Job {self.pk} ({self.status})"

    @property
    def done(self) -> int:
        return self.succeeded + self.failed + self.cancelled

    @property
    def progress(self) -> float:
        return round(self.done / self.total, 4) if self.total else 0.0


def artifact_path(item: ImageTask, kind: str, *, attempt: int | None = None) -> str:
    # One directory per job, not per chart: a directory is one more file-system write on every
    # chart (0.1-1.5 ms on a shared VM's disk; see bench/orchestration.py). Older rows keep the
    # paths they were stored under.
    # Named after the claim that drew it (its message and attempt): the files are written before
    # the row says they are there (apps.jobs.services.item_succeed), so two claims of one item
    # never write the same name, and a claim that lost deletes only its own. `attempt`: an earlier
    # attempt of the same claim (default: the item's own).
    attempt = item.attempts if attempt is None else attempt
    claim = hashlib.blake2s(f"{item.claim_id}:{attempt}".encode(), digest_size=5).hexdigest()
    return f"jobs/{item.job_id}/items/{item.pk}-{item.analysis_key}-{claim}.{kind}"


class ImageTask(models.Model):
    """One chart of a job: the unit of work on the charts_cpu queue."""

    job = models.ForeignKey(Job, on_delete=models.CASCADE, related_name="items")
    position = models.PositiveIntegerField()
    analysis_key = models.CharField(max_length=60)
    analysis_version = models.PositiveIntegerField()
    params = models.JSONField(default=dict, blank=True)
    status = models.CharField(max_length=10, choices=ItemStatus.choices, default=ItemStatus.PENDING)
    progress = models.PositiveSmallIntegerField(default=0)
    attempts = models.PositiveSmallIntegerField(default=0)
    # The id of the one Celery message allowed to run this item, chosen when the item is queued.
    # A redelivery of that message (after a worker crash) may take the item over; any other
    # message (a duplicate enqueue, a stale retry) finds nothing to do. Cancel revokes it.
    claim_id = models.CharField(max_length=64, blank=True)
    worker = models.CharField(max_length=200, blank=True)
    png = models.FileField(max_length=300, blank=True)
    svg = models.FileField(max_length=300, blank=True)
    data_csv = models.FileField(max_length=300, blank=True)
    data_json = models.FileField(max_length=300, blank=True)
    error = models.TextField(blank=True)
    timings = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["job_id", "position"]
        constraints = [
            models.UniqueConstraint(fields=["job", "position"], name="item_position_unique_in_job")
        ]
        indexes = [models.Index(fields=["status", "started_at"])]

    def __str__(self) -> str:
        return f"{self.analysis_key} #{self.pk} ({self.status})"

    @property
    def duration_ms(self) -> int | None:
        if self.started_at and self.finished_at:
            return int((self.finished_at - self.started_at).total_seconds() * 1000)
        return None


class JobEvent(models.Model):
    """Append-only log of everything that happened to a job; `seq` orders it per job."""

    job = models.ForeignKey(Job, on_delete=models.CASCADE, related_name="events")
    item = models.ForeignKey(
        ImageTask, on_delete=models.CASCADE, null=True, blank=True, related_name="events"
    )
    seq = models.PositiveBigIntegerField()
    type = models.CharField(max_length=40)
    data = models.JSONField(default=dict, blank=True)
    # The trace id of the request or task that wrote it (apps.ops.tracing): logs, tasks and events
    # of one user action share it.
    trace_id = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["job_id", "seq"]
        constraints = [models.UniqueConstraint(fields=["job", "seq"], name="event_seq_unique_in_job")]

    def __str__(self) -> str:
        return f"{self.type} #{self.seq}"
