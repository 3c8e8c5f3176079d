"""Reads of descriptions: the current one of an item, an item's history, and their event payloads."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db.models import QuerySet

from .models import Description


def description_current(*, item_id: int) -> Description | None:
    return Description.objects.filter(item_id=item_id).order_by("-generation").first()


def descriptions_of(*, item_id: int) -> QuerySet[Description]:
    return Description.objects.filter(item_id=item_id).order_by("-generation")


def description_summary(description: Description) -> dict[str, Any]:
    """What every description event carries about it (without the text)."""
    return {
        "item": description.item_id,
        "description": description.pk,
        "generation": description.generation,
        "status": description.status,
        "provider": description.provider,
        "model": description.model,
        "language": description.language,
        "error": description.error,
    }


def description_state(description: Description) -> dict[str, Any]:
    """The whole visible state: the snapshot's `description` and the `description.done` payload."""
    return {
        **description_summary(description),
        "text": description.display_text,
        "ai_text": description.text,
        "edited": description.is_edited,
        "tokens_in": description.tokens_in,
        "tokens_out": description.tokens_out,
        "latency_ms": description.latency_ms,
        "cost_usd": float(description.cost_usd) if description.cost_usd is not None else None,
    }


def description_states_for(item_ids: Iterable[int]) -> dict[int, dict[str, Any]]:
    """The current description of each item, as in the snapshot (one query)."""
    return {
        item_id: description_state(description)
        for item_id, description in Description.objects.current_for(item_ids).items()
    }
