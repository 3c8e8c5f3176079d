"""Descriptions for administrators: status, provider, model, what they cost, the exact prompt."""

from __future__ import annotations

from django.contrib import admin

from .models import Description


@admin.register(Description)
class DescriptionAdmin(admin.ModelAdmin):
    list_display = [
        "id",
        "item",
        "generation",
        "status",
        "provider",
        "model",
        "tokens_in",
        "tokens_out",
        "cost_usd",
        "latency_ms",
        "edited",
        "created_at",
    ]
    list_filter = ["status", "provider", "model", "language"]
    search_fields = ["item__job__title", "item__analysis_key", "model", "error"]
    list_select_related = ["item"]
    date_hierarchy = "created_at"
    # Read-only: every write goes through apps.ai.services, which also records the event.
    readonly_fields = [f.name for f in Description._meta.fields]
    fields = [
        ("item", "generation", "status"),
        ("provider", "model", "language"),
        "text",
        "edited_text",
        ("edited_at", "edited_by"),
        "user_context",
        "error",
        ("tokens_in", "tokens_out", "tokens_estimated"),
        ("latency_ms", "cost_usd"),
        ("prompt_version", "requested_by"),
        "prompt",
        "calls",
        ("claim_id", "attempts", "deferrals", "worker"),
        ("created_at", "started_at", "finished_at"),
    ]

    @admin.display(boolean=True)
    def edited(self, description: Description) -> bool:
        return description.is_edited

    def has_add_permission(self, request) -> bool:
        return False
