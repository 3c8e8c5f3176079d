"""A written description of one chart: one row per item and generation.

The first description of a chart is generation 1; asking again (with extra context, another
model or the other provider) adds generation 2, and so on. The item's *current* description is
its highest generation (`Description.objects.current_for`). What the model wrote (`text`) is never
overwritten: an analyst's edit goes beside it (`edited_text`), so the AI original stays readable.

A description moves PENDING → RUNNING → SUCCESS | FAILED with conditional updates, like an item,
and holds the id of the one Celery message allowed to run it (`claim_id`). A FAILED description
has a human reason in `error` and no text: nothing is ever invented in place of an answer.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models


class DescriptionStatus(models.TextChoices):
    PENDING = "PENDING", "Waiting"
    RUNNING = "RUNNING", "Being written"
    SUCCESS = "SUCCESS", "Written"
    FAILED = "FAILED", "Failed"


DESCRIPTION_ACTIVE = (DescriptionStatus.PENDING, DescriptionStatus.RUNNING)


class Provider(models.TextChoices):
    OPENAI = "openai", "OpenAI-compatible API"
    LOCAL = "local", "Local describer (offline)"


class DescriptionQuerySet(models.QuerySet):
    def current_for(self, item_ids) -> dict[int, Description]:
        """The current (latest) description of each item, in one query."""
        current: dict[int, Description] = {}
        for description in self.filter(item_id__in=list(item_ids)).order_by("item_id", "-generation"):
            current.setdefault(description.item_id, description)
        return current


class Description(models.Model):
    item = models.ForeignKey("jobs.ImageTask", on_delete=models.CASCADE, related_name="descriptions")
    generation = models.PositiveIntegerField()
    status = models.CharField(
        max_length=10, choices=DescriptionStatus.choices, default=DescriptionStatus.PENDING
    )
    provider = models.CharField(max_length=10, choices=Provider.choices)
    # The model asked for; after a fallback, the model that answered.
    model = models.CharField(max_length=100, blank=True)
    language = models.CharField(max_length=5, default="en")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # Extra context the user gave when asking again ("focus on the Chinese applicants").
    user_context = models.TextField(blank=True)

    text = models.TextField(blank=True, help_text="What the provider wrote, as it wrote it.")
    edited_text = models.TextField(blank=True, help_text="The user's edit; the original stays in `text`.")
    edited_at = models.DateTimeField(null=True, blank=True)
    edited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    # Exactly what was sent: the chat messages (or, for the local describer, the facts it used).
    prompt = models.JSONField(default=list, blank=True)
    prompt_version = models.CharField(max_length=40, blank=True)
    tokens_in = models.PositiveIntegerField(null=True, blank=True)
    tokens_out = models.PositiveIntegerField(null=True, blank=True)
    tokens_estimated = models.BooleanField(
        default=False, help_text="The provider reported no usage; tokens were estimated from the text."
    )
    latency_ms = models.PositiveIntegerField(null=True, blank=True)
    cost_usd = models.DecimalField(max_digits=12, decimal_places=6, null=True, blank=True)
    # Every HTTP call made for it, in order: model, outcome, HTTP status, milliseconds.
    calls = models.JSONField(default=list, blank=True)
    error = models.TextField(blank=True)

    claim_id = models.CharField(max_length=64, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)  # starts, redeliveries included
    deferrals = models.PositiveSmallIntegerField(default=0)  # times put back to wait for the rate limit
    worker = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    objects = DescriptionQuerySet.as_manager()

    class Meta:
        ordering = ["item_id", "-generation"]
        constraints = [
            models.UniqueConstraint(fields=["item", "generation"], name="description_generation_unique")
        ]
        indexes = [models.Index(fields=["status", "started_at"])]

    def __str__(self) -> str:
        return f"Description {self.pk} of item {self.item_id} (gen {self.generation}, {self.status})"

    @property
    def display_text(self) -> str:
        """What the report shows: the user's edit when there is one, else what the model wrote."""
        return self.edited_text or self.text

    @property
    def is_edited(self) -> bool:
        return bool(self.edited_text)
