"""A report pack: a ZIP, a PDF and a PPTX built from a job's charts or a selection of charts.

The charts are fixed when the report is asked for (`ReportItem`, in order). The files are copies:
a report stays whole even when the charts' own files are later deleted, and reports are never
deleted by retention, only by their owner.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models


class ReportStatus(models.TextChoices):
    PENDING = "PENDING", "Waiting"
    RUNNING = "RUNNING", "Being built"
    SUCCESS = "SUCCESS", "Ready"
    FAILED = "FAILED", "Failed"


REPORT_ACTIVE = (ReportStatus.PENDING, ReportStatus.RUNNING)

FILE_KINDS = ("zip", "pdf", "pptx")


def report_path(report: Report, kind: str) -> str:
    return f"reports/{report.owner_id}/{report.pk}/report-{report.pk}.{kind}"


class Report(models.Model):
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reports")
    # The job it was asked for, if any (a selection across jobs has none). Deleting the job
    # keeps the report: its files are copies.
    job = models.ForeignKey(
        "jobs.Job", on_delete=models.SET_NULL, null=True, blank=True, related_name="reports"
    )
    title = models.CharField(max_length=200)
    language = models.CharField(max_length=5, default="en")
    status = models.CharField(max_length=10, choices=ReportStatus.choices, default=ReportStatus.PENDING)
    progress = models.PositiveSmallIntegerField(default=0)
    stage = models.CharField(max_length=20, blank=True)
    error = models.TextField(blank=True)
    # The id of the one Celery message allowed to build it (as for chart items).
    claim_id = models.CharField(max_length=64, blank=True)
    zip_file = models.FileField(max_length=300, blank=True)
    pdf_file = models.FileField(max_length=300, blank=True)
    pptx_file = models.FileField(max_length=300, blank=True)
    sizes = models.JSONField(default=dict, blank=True)
    timings = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["owner", "-created_at"])]

    def __str__(self) -> str:
        return f"Report {self.pk} ({self.status})"

    def file_field(self, kind: str):
        return getattr(self, f"{kind}_file")


class ReportItem(models.Model):
    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="entries")
    # A chart deleted later leaves a hole in the list, not a broken report (the files are copies).
    item = models.ForeignKey("jobs.ImageTask", on_delete=models.SET_NULL, null=True, related_name="+")
    position = models.PositiveIntegerField()

    class Meta:
        ordering = ["report_id", "position"]
        constraints = [
            models.UniqueConstraint(fields=["report", "position"], name="report_item_position_unique")
        ]

    def __str__(self) -> str:
        return f"Report {self.report_id}, chart {self.position + 1}"
