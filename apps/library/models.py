"""The analyst's library: every drawn chart across jobs, with per-user tags, groups and publication.

A chart *is* a succeeded `jobs.ImageTask` whose files exist; the library adds only what the
analyst says about it, in rows of its own, so the job pipeline never changes for it:

- `Tag` and `ChartGroup`: named per user (names unique per user, case-insensitively), each holding
  any number of charts. A tag labels ("pv", "for the board"); a group gathers a report's worth.
- `Publication`: one row per published chart. Published work is kept whatever the draft
  retention says (`selectors.drafts_expired` never returns it); unpublishing deletes the row.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models.functions import Lower

NAME_MAX_LENGTH = 60


class Tag(models.Model):
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="library_tags")
    name = models.CharField(max_length=NAME_MAX_LENGTH)
    items = models.ManyToManyField("jobs.ImageTask", related_name="library_tags", blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint("owner", Lower("name"), name="library_tag_name_unique_per_owner"),
        ]

    def __str__(self) -> str:
        return self.name


class ChartGroup(models.Model):
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="library_groups"
    )
    name = models.CharField(max_length=NAME_MAX_LENGTH)
    description = models.TextField(blank=True)
    items = models.ManyToManyField("jobs.ImageTask", related_name="library_groups", blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint("owner", Lower("name"), name="library_group_name_unique_per_owner"),
        ]

    def __str__(self) -> str:
        return self.name


class Publication(models.Model):
    """A published chart: kept forever, whatever the draft retention."""

    item = models.OneToOneField(
        "jobs.ImageTask", on_delete=models.CASCADE, primary_key=True, related_name="publication"
    )
    published_at = models.DateTimeField()
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    def __str__(self) -> str:
        return f"Publication of item {self.item_id}"
