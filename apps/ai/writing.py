"""Writing one description: the body of the `ai.describe_item` task.

The local describer writes at once from the chart's numbers. A model is asked through
`apps.ai.resilience` (deadline, shared rate limit, retries, fallback models) with the prompt from
`apps.ai.prompts`, and what it streams reaches the browser through `DeltaStreamer`. Every outcome
is recorded through the lifecycle in `apps.ai.services`: written, failed with a reason, or put
back to wait for the rate limit.
"""

from __future__ import annotations

import json
import logging
import time
import uuid
from decimal import Decimal
from typing import Any

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings

from apps.core.queues import QUEUE_PROFILES, Queue
from apps.core.tasks import TRANSIENT_ERRORS
from apps.jobs.events import EventType, emit_transient

from . import local, prompts
from .limits import budget_charge, budget_of, estimate_cost, estimate_tokens
from .models import Description, Provider
from .providers import openai_configured, openai_provider
from .resilience import AllFailed, Deferred, Policy, generate
from .services import (
    LOCAL_MODEL,
    LOCAL_PROMPT_VERSION,
    budget_message,
    description_claim,
    description_defer,
    description_fail,
    description_succeed,
)

logger = logging.getLogger(__name__)


def description_run(*, description_id: int, claim_id: str, worker: str) -> bool:
    """The body of the `ai.describe_item` task. Returns whether it wrote the description.

    Raises `Deferred` when only the rate limit stood in the way (the task sends itself again
    later) and transient infrastructure errors (the task retries them).
    """
    description = description_claim(description_id=description_id, claim_id=claim_id, worker=worker)
    if description is None:
        return False
    try:
        if description.provider == Provider.LOCAL:
            return _write_locally(description)
        return _write_with_model(description)
    except (Deferred, *TRANSIENT_ERRORS):
        raise
    except SoftTimeLimitExceeded:
        limit = QUEUE_PROFILES[Queue.AI].time_limit
        description_fail(
            description_id=description_id,
            claim_id=claim_id,
            error=f"Writing this description took longer than {limit} s and was stopped.",
        )
        return False
    except Exception:
        reference = uuid.uuid4().hex[:8]
        logger.exception("Describing %s failed (reference %s)", description_id, reference)
        description_fail(
            description_id=description_id,
            claim_id=claim_id,
            error=f"An unexpected error stopped this description (reference {reference}); it was logged.",
        )
        return False


def _chart_of(description: Description) -> dict[str, Any] | None:
    try:
        with description.item.data_json.open("rb") as fh:
            return json.loads(fh.read())
    except (OSError, ValueError):
        logger.warning("The chart data of item %s could not be read", description.item_id, exc_info=True)
        return None


def _local_facts(description: Description, chart: dict[str, Any], context: dict[str, Any]):
    return local.describe(
        analysis_key=description.item.analysis_key,
        chart=chart,
        language=description.language,
        context=context,
    )


def _write_locally(description: Description) -> bool:
    chart = _chart_of(description)
    if chart is None:
        return _unreadable(description)
    context = prompts.dataset_context(description.item.job.dataset)
    started = time.perf_counter()
    written = _local_facts(description, chart, context)
    return description_succeed(
        description=description,
        text=written.text,
        model=LOCAL_MODEL,
        prompt={"describer": LOCAL_MODEL, "facts": written.facts, "context": context},
        prompt_version=LOCAL_PROMPT_VERSION,
        tokens_in=None,
        tokens_out=None,
        tokens_estimated=False,
        latency_ms=round((time.perf_counter() - started) * 1000),
        cost_usd=Decimal(0),
        calls=[],
    )


def _unreadable(description: Description) -> bool:
    description_fail(
        description_id=description.pk,
        claim_id=description.claim_id,
        error="The chart's data could not be read, so it cannot be described; draw the chart again.",
    )
    return False


def _write_with_model(description: Description) -> bool:
    user_id = description.requested_by_id
    if not openai_configured():
        description_fail(
            description_id=description.pk,
            claim_id=description.claim_id,
            error="The OpenAI-compatible provider is not configured on this server (no OPENAI_API_KEY); "
            "ask again with the local describer.",
        )
        return False
    if budget_of(user_id).exhausted:
        return description_fail(
            description_id=description.pk, claim_id=description.claim_id, error=budget_message()
        )
    chart = _chart_of(description)
    if chart is None:
        return _unreadable(description)
    item = description.item
    context = prompts.dataset_context(item.job.dataset)
    messages = prompts.build_messages(
        analysis_key=item.analysis_key,
        analysis_version=item.analysis_version,
        params=item.params,
        chart=chart,
        context=context,
        facts=_local_facts(description, chart, context).facts,
        language=description.language,
        user_context=description.user_context,
    )
    streamer = DeltaStreamer(description)
    models = [description.model, *(m for m in settings.AI_FALLBACK_MODELS if m != description.model)]
    policy = Policy(
        call_timeout_s=settings.AI_CALL_TIMEOUT_S,
        max_retries=settings.AI_MAX_RETRIES,
        backoff_s=settings.AI_RETRY_BACKOFF_S,
        max_tokens=settings.AI_MAX_OUTPUT_TOKENS,
        temperature=settings.AI_TEMPERATURE,
    )
    try:
        outcome = generate(
            provider=openai_provider(),
            messages=messages,
            models=models,
            deadline=time.monotonic() + settings.AI_DEADLINE_S,
            policy=policy,
            on_delta=streamer.add,
            on_restart=streamer.restart,
        )
    except Deferred as deferred:
        description_defer(description=description, calls=[a.as_json() for a in deferred.attempts])
        raise
    except AllFailed as failed:
        description_fail(
            description_id=description.pk,
            claim_id=description.claim_id,
            error=failed.reason,
            calls=[a.as_json() for a in failed.attempts],
            prompt=messages,
        )
        return False
    completion = outcome.completion
    estimated = completion.tokens_in is None or completion.tokens_out is None
    tokens_in = completion.tokens_in
    if tokens_in is None:
        tokens_in = estimate_tokens("".join(m["content"] for m in messages))
    tokens_out = (
        completion.tokens_out if completion.tokens_out is not None else estimate_tokens(completion.text)
    )
    cost = estimate_cost(outcome.model, tokens_in, tokens_out)
    budget_charge(user_id, cost)
    return description_succeed(
        description=description,
        text=completion.text.strip(),
        model=outcome.model,
        prompt=messages,
        prompt_version=prompts.PROMPT_VERSION,
        tokens_in=tokens_in,
        tokens_out=tokens_out,
        tokens_estimated=estimated,
        latency_ms=outcome.latency_ms,
        cost_usd=cost,
        calls=[a.as_json() for a in outcome.attempts],
    )


class DeltaStreamer:
    """Turns the pieces of text a provider streams into coalesced `description.delta` events.

    A local clock skips most pieces without a Redis round trip; `emit_transient`'s shared throttle
    (keyed by item) holds the rate across processes. Each event carries the whole text so far, so
    whichever deltas are dropped — by the throttle or the channel layer — the next one is complete.
    """

    def __init__(self, description: Description) -> None:
        self.description = description
        self.text = ""
        self.sent = 0  # how much of `text` the last delta sent carried
        self.interval = 1 / settings.INTELLI_DESCRIPTION_DELTAS_PER_SECOND
        self.last_try = float("-inf")

    def add(self, piece: str) -> None:
        self.text += piece
        now = time.monotonic()
        if now - self.last_try < self.interval:
            return
        self.last_try = now
        d = self.description
        data = {
            "item": d.item_id,
            "description": d.pk,
            "generation": d.generation,
            "offset": self.sent,
            "text": self.text,
        }
        if emit_transient(
            job_id=d.item.job_id,
            type=EventType.DESCRIPTION_DELTA,
            data=data,
            throttle_key=d.item_id,
            per_second=settings.INTELLI_DESCRIPTION_DELTAS_PER_SECOND,
        ):
            self.sent = len(self.text)

    def restart(self) -> None:
        """A retry starts the answer over: the next delta carries offset 0 and the new text only."""
        self.text, self.sent = "", 0
