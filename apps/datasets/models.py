from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models


class DatasetStatus(models.TextChoices):
    PENDING = "PENDING", "Waiting to be read"
    PROCESSING = "PROCESSING", "Being read"
    READY = "READY", "Ready"
    FAILED = "FAILED", "Could not be read"


def upload_path(instance: Dataset, filename: str) -> str:
    # The user's file name is kept in `original_filename`; the stored name is ours, so a name such
    # as "../../etc/passwd" can never choose where the bytes land.
    return f"uploads/{instance.owner_id}/{uuid.uuid4().hex}"


def file_upload_path(instance: DatasetFile, filename: str) -> str:
    return f"uploads/{instance.dataset.owner_id}/{uuid.uuid4().hex}"


class Dataset(models.Model):
    """An analyst's data: one export, or several combined (its `files`).

    `content_hash`, `canonical_prefix`, `summary` and `available_fields` describe the combined
    data; with one file they are that file's. `source_file` and `original_filename` are the first
    file's (kept for the single-file case every client knows).
    """

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="datasets")
    name = models.CharField(max_length=200)
    source_file = models.FileField(upload_to=upload_path, max_length=300, blank=True)
    # Set when the export was imported from a URL: the file is fetched by the ingestion task.
    source_url = models.URLField(max_length=2000, blank=True)
    original_filename = models.CharField(max_length=255)
    size_bytes = models.BigIntegerField()
    content_hash = models.CharField(max_length=64, db_index=True, help_text="SHA-256 of the uploaded bytes")
    detected_format = models.CharField(max_length=40, blank=True)
    status = models.CharField(max_length=12, choices=DatasetStatus.choices, default=DatasetStatus.PENDING)
    # Where the canonical bundle lives (shared by every dataset with the same content and parser).
    canonical_prefix = models.CharField(max_length=200, blank=True)
    summary = models.JSONField(default=dict, blank=True)
    available_fields = models.JSONField(default=list, blank=True)
    error = models.TextField(blank=True)
    # The analyst's applicant aliases: cleaned name -> the name to show instead. Applied when a job
    # reads the data (selectors.dataset_canonical); editing them never re-reads the files.
    applicant_aliases = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    ingested_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["owner", "-created_at"])]

    def __str__(self) -> str:
        return self.name


class DatasetFile(models.Model):
    """One uploaded export of a dataset, parsed once per content into its own canonical bundle."""

    dataset = models.ForeignKey(Dataset, on_delete=models.CASCADE, related_name="files")
    source_file = models.FileField(upload_to=file_upload_path, max_length=300)
    original_filename = models.CharField(max_length=255)
    size_bytes = models.BigIntegerField()
    content_hash = models.CharField(max_length=64, db_index=True, help_text="SHA-256 of the uploaded bytes")
    detected_format = models.CharField(max_length=40, blank=True)
    status = models.CharField(max_length=12, choices=DatasetStatus.choices, default=DatasetStatus.PENDING)
    canonical_prefix = models.CharField(max_length=200, blank=True)
    summary = models.JSONField(default=dict, blank=True)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    ingested_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return self.original_filename
