"""Describing charts: ask, claim, succeed or fail, edit. Every write to a description goes through here
(the task body that writes the text is `apps.ai.writing`).

The life of a description mirrors an item's: a row is created PENDING with the id of the one
Celery message allowed to run it (`claim_id`), the message is sent after commit, the worker claims
it with a conditional update (PENDING → RUNNING, or a redelivery of the same message taking a
RUNNING one over), streams the text to the browser as it arrives, and ends it SUCCESS or FAILED
with another conditional update and a persisted event, in one transaction. A description that
fails keeps its human reason and no text — nothing is ever made up in its place.

Descriptions never touch the job's counters or status: a job is SUCCESS when its charts are, and
its descriptions (often written after the job finished) have their own status and events.

Events (see apps/jobs/events.py; `item` in every payload):
- `description.status` (persisted): PENDING when asked for, RUNNING when a worker starts, FAILED
  with `error`;
- `description.delta` (transient, ≤ INTELLI_DESCRIPTION_DELTAS_PER_SECOND per item): `text` is the
  whole text so far and `text[offset:]` what is new since the previous delta sent (offset 0 after a
  retry restarted the answer), so a dropped or missed delta loses nothing;
- `description.done` (persisted): the final text, provider, model, tokens, latency, cost;
- `description.edited` (persisted): the analyst's edit (the AI original is kept).
"""

from __future__ import annotations

import logging
import uuid
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import F, Max
from django.utils import timezone

from apps.core.broker import ensure_broker_reachable
from apps.core.exceptions import ApplicationError
from apps.jobs.events import EventType, NewEvent, emit_events
from apps.jobs.models import ImageTask, ItemStatus, Job

from . import prompts
from .limits import budget_of
from .models import DESCRIPTION_ACTIVE, Description, DescriptionStatus, Provider
from .providers import available_providers, default_provider
from .selectors import description_state, description_summary

logger = logging.getLogger(__name__)

LOCAL_MODEL = "intelli-local-1"  # the local describer's "model": its version, for the record
LOCAL_PROMPT_VERSION = "local-v1"


# --- Asking for a description ------------------------------------------------------------------------


def _resolve(
    item: ImageTask, provider: str | None, model: str | None, language: str | None, *, strict: bool
) -> tuple[str, str, str]:
    job = item.job
    provider = provider or job.ai_provider or default_provider()
    # A job may outlive the server's configuration: its automatic descriptions then fail with the
    # reason (in the task) rather than silently switching provider.
    if strict and provider not in available_providers():
        raise ApplicationError(
            "The OpenAI-compatible provider is not configured on this server; use the local describer.",
            code="validation_error",
            fields={"provider": [f"Available providers: {', '.join(available_providers())}."]},
        )
    # The local describer has one "model": its own version.
    model = (model or job.ai_model or settings.AI_MODEL) if provider == Provider.OPENAI else LOCAL_MODEL
    language = language or (job.style or {}).get("language") or "en"
    return provider, model, language


def description_request(
    *,
    item: ImageTask,
    user,
    provider: str | None = None,
    model: str | None = None,
    language: str | None = None,
    user_context: str = "",
    interactive: bool = True,
) -> Description:
    """Ask for a (new generation of the) description of a drawn chart; it is queued after commit.

    `interactive` requests (the API) are refused at once when they cannot succeed — the chart is
    not drawn, a description is already being written, the user's daily budget is spent, the
    broker is down. The automatic request after a chart is drawn skips those checks: the task
    fails the description with the same reasons, where the analyst sees them.
    """
    provider, model, language = _resolve(item, provider, model, language, strict=interactive)
    if interactive:
        if item.status != ItemStatus.SUCCESS or not item.data_json:
            raise ApplicationError(
                "This chart has not been drawn yet; it can be described once it is.",
                code="conflict",
                status_code=409,
            )
        if provider == Provider.OPENAI and budget_of(user.pk).exhausted:
            raise ApplicationError(budget_message(), code="budget_exhausted", status_code=429)
        ensure_broker_reachable()
    with transaction.atomic():
        # The item's row lock serialises two requests for the same chart (lock order: item, then job).
        ImageTask.objects.select_for_update().filter(pk=item.pk).values_list("pk", flat=True).first()
        active = Description.objects.filter(item=item, status__in=DESCRIPTION_ACTIVE).first()
        if active is not None:
            if not interactive:
                return active
            raise ApplicationError(
                "A description of this chart is already being written.", code="conflict", status_code=409
            )
        generation = (Description.objects.filter(item=item).aggregate(n=Max("generation"))["n"] or 0) + 1
        description = Description.objects.create(
            item=item,
            generation=generation,
            provider=provider,
            model=model,
            language=language,
            requested_by=user,
            user_context=user_context.strip()[: prompts.MAX_USER_CONTEXT_CHARS],
            claim_id=uuid.uuid4().hex,
        )
        emit_events(
            job=item.job,
            events=[
                NewEvent(EventType.DESCRIPTION_STATUS, description_summary(description), item_id=item.pk)
            ],
        )
        ticket = (description.pk, description.claim_id)
        transaction.on_commit(lambda: _enqueue(*ticket))
    return description


def description_after_render(*, item: ImageTask) -> Description | None:
    """Called when a chart has just been drawn: describe it if its job asked for descriptions.

    Never raises: the chart is done whatever happens to its description.
    """
    if not item.job.describe:
        return None
    owner = get_user_model()(pk=item.job.owner_id)  # the id is all it needs: no query on the hot path
    try:
        return description_request(item=item, user=owner, interactive=False)
    except Exception:
        logger.exception("Could not ask for the description of item %s", item.pk)
        return None


def _enqueue(description_id: int, claim_id: str) -> None:
    from .tasks import describe_item, give_up_reason

    try:
        describe_item.apply_async(args=[description_id], task_id=claim_id)
    except Exception as exc:
        if settings.CELERY_TASK_ALWAYS_EAGER:
            # Eager mode (debugging) ran the task inside apply_async and re-raised what ended it,
            # skipping the task's on_failure: record it here.
            logger.warning("Description %s ended in eager mode: %r", description_id, exc)
            description_fail(description_id=description_id, error=give_up_reason(exc))
            return
        logger.exception("Could not enqueue description %s", description_id)
        description_fail(
            description_id=description_id,
            error="The task queue was unreachable when this description was asked for; ask again.",
        )


def budget_message() -> str:
    return (
        f"Your daily AI budget (US${settings.AI_DAILY_BUDGET_USD:.2f}) is spent; it renews at midnight UTC. "
        "The local describer is free and always available."
    )


# --- Taking one (the worker) ---------------------------------------------------------------------------


def description_claim(*, description_id: int, claim_id: str, worker: str) -> Description | None:
    """Take a description for writing. None: not ours to run (ended, or another message's)."""
    description = (
        Description.objects.select_related("item", "item__job", "item__job__dataset", "requested_by")
        .filter(pk=description_id)
        .first()
    )
    if (
        description is None
        or description.status not in DESCRIPTION_ACTIVE
        or description.claim_id != claim_id
    ):
        return None
    item, job = description.item, description.item.job
    if description.status == DescriptionStatus.RUNNING and (
        description.attempts - description.deferrals >= settings.INTELLI_MAX_ITEM_ATTEMPTS
    ):
        reason = f"The worker stopped {description.attempts} times while writing this description; given up."
    elif job.cancel_requested_at is not None and description.created_at <= job.cancel_requested_at:
        reason = "The job was cancelled before this description was written."
    elif item.status != ItemStatus.SUCCESS or not item.data_json:
        reason = "The chart is no longer drawn (it was retried or failed), so it cannot be described."
    else:
        reason = None
    if reason:
        description_fail(description_id=description_id, claim_id=claim_id, error=reason)
        return None
    now = timezone.now()
    with transaction.atomic():
        claimed = Description.objects.filter(
            pk=description_id, claim_id=claim_id, status__in=DESCRIPTION_ACTIVE
        ).update(status=DescriptionStatus.RUNNING, attempts=F("attempts") + 1, started_at=now, worker=worker)
        if not claimed:
            return None
        description.status, description.started_at, description.worker = (
            DescriptionStatus.RUNNING,
            now,
            worker,
        )
        description.attempts += 1
        emit_events(
            job=job,
            events=[
                NewEvent(EventType.DESCRIPTION_STATUS, description_summary(description), item_id=item.pk)
            ],
        )
    return description


# --- Ending one ------------------------------------------------------------------------------------------


def description_succeed(
    *,
    description: Description,
    text: str,
    model: str,
    prompt: Any,
    prompt_version: str,
    tokens_in: int | None,
    tokens_out: int | None,
    tokens_estimated: bool,
    latency_ms: int,
    cost_usd: Decimal,
    calls: list[dict[str, Any]],
) -> bool:
    """Store the text and what it took; False if the description was taken or ended meanwhile."""
    now = timezone.now()
    fields = {
        "status": DescriptionStatus.SUCCESS,
        "text": text,
        "model": model,
        "prompt": prompt,
        "prompt_version": prompt_version,
        "tokens_in": tokens_in,
        "tokens_out": tokens_out,
        "tokens_estimated": tokens_estimated,
        "latency_ms": latency_ms,
        "cost_usd": cost_usd,
        "calls": calls,
        "error": "",
        "finished_at": now,
    }
    with transaction.atomic():
        if not Description.objects.filter(
            pk=description.pk, status=DescriptionStatus.RUNNING, claim_id=description.claim_id
        ).update(**fields):
            return False
        for name, value in fields.items():
            setattr(description, name, value)
        emit_events(
            job=description.item.job,
            events=[
                NewEvent(
                    EventType.DESCRIPTION_DONE, description_state(description), item_id=description.item_id
                )
            ],
        )
    return True


def description_fail(
    *,
    description_id: int,
    error: str,
    claim_id: str | None = None,
    calls: list[dict[str, Any]] | None = None,
    prompt: Any = None,
) -> bool:
    """Fail a description that has not ended, with a reason for the analyst. No text is stored."""
    fields: dict[str, Any] = {
        "status": DescriptionStatus.FAILED,
        "error": error,
        "finished_at": timezone.now(),
    }
    if calls is not None:
        fields["calls"] = calls
    if prompt is not None:
        fields["prompt"], fields["prompt_version"] = prompt, prompts.PROMPT_VERSION
    with transaction.atomic():
        rows = Description.objects.filter(pk=description_id, status__in=DESCRIPTION_ACTIVE)
        if claim_id is not None:
            rows = rows.filter(claim_id=claim_id)
        if not rows.update(**fields):
            return False
        description = Description.objects.select_related("item__job").get(pk=description_id)
        emit_events(
            job=description.item.job,
            events=[
                NewEvent(
                    EventType.DESCRIPTION_STATUS,
                    description_summary(description),
                    item_id=description.item_id,
                )
            ],
        )
    return True


def description_defer(*, description: Description, calls: list[dict[str, Any]]) -> None:
    """Put a description back to wait for the rate limit (the task sends itself again, same claim)."""
    Description.objects.filter(
        pk=description.pk, status=DescriptionStatus.RUNNING, claim_id=description.claim_id
    ).update(status=DescriptionStatus.PENDING, deferrals=F("deferrals") + 1, calls=calls)


# --- Editing ---------------------------------------------------------------------------------------------


MAX_EDIT_CHARS = 20_000


def description_edit(*, description: Description, user, text: str | None) -> Description:
    """The analyst's version of the text, kept beside what the model wrote; empty or None reverts."""
    if description.status != DescriptionStatus.SUCCESS:
        raise ApplicationError("Only a finished description can be edited.", code="conflict", status_code=409)
    edited = (text or "").strip()
    if len(edited) > MAX_EDIT_CHARS:
        raise ApplicationError(
            f"A description is limited to {MAX_EDIT_CHARS:,} characters.",
            code="validation_error",
            fields={"text": [f"At most {MAX_EDIT_CHARS:,} characters."]},
        )
    if edited == description.text.strip():
        edited = ""  # the same as the original: nothing to keep beside it
    now = timezone.now()
    with transaction.atomic():
        Description.objects.filter(pk=description.pk).update(
            edited_text=edited, edited_at=now if edited else None, edited_by=user if edited else None
        )
        description.edited_text, description.edited_at = edited, now if edited else None
        description.edited_by = user if edited else None
        job = Job.objects.get(pk=description.item.job_id)
        emit_events(
            job=job,
            events=[
                NewEvent(
                    EventType.DESCRIPTION_EDITED,
                    {
                        **description_summary(description),
                        "text": description.display_text,
                        "edited": description.is_edited,
                    },
                    item_id=description.item_id,
                )
            ],
        )
    return description
