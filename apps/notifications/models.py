"""What the user is told when something they started has ended: a job, or a report pack.

Each notification is a row (the in-app list, unread until marked), pushed live on the user's
`/ws/jobs/` stream as a `notification` message, and mailed when email notifications are enabled
and the user has an address.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models


class Kind(models.TextChoices):
    JOB_SUCCEEDED = "job.succeeded", "Job succeeded"
    JOB_PARTIAL = "job.partial", "Job partly succeeded"
    JOB_FAILED = "job.failed", "Job failed"
    REPORT_READY = "report.ready", "Report ready"
    REPORT_FAILED = "report.failed", "Report failed"


class Level(models.TextChoices):
    SUCCESS = "success", "Success"
    WARNING = "warning", "Warning"
    ERROR = "error", "Error"


class Notification(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    level = models.CharField(max_length=10, choices=Level.choices)
    title = models.CharField(max_length=300)
    message = models.TextField(blank=True)
    # What it is about: ("job", 42) or ("report", 7), and where the API shows it.
    subject_type = models.CharField(max_length=20)
    subject_id = models.PositiveBigIntegerField()
    url = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)
    email_error = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "-created_at"]), models.Index(fields=["user", "read_at"])]

    def __str__(self) -> str:
        return f"{self.kind} for {self.user_id}: {self.title}"
