"""One description's calls to an OpenAI-compatible provider: deadline, rate limit, retries, fallback.

For each model in order (the one asked for, then AI_FALLBACK_MODELS):

- take a slot of the shared rate limit (`limits.reserve_slot`) and sleep until it comes;
- call with a timeout of min(AI_CALL_TIMEOUT_S, time left before the deadline);
- on 429, 5xx, a timeout, a dropped connection or an unreadable answer, wait and retry, at most
  AI_MAX_RETRIES times: exponential backoff (AI_RETRY_BACKOFF_S, doubled each time, capped at
  BACKOFF_CAP_S) with jitter, or the server's Retry-After when that is longer;
- on any other 4xx (unknown model, content filter, context too long) go to the next model;
- on 401/403 stop at once: the key is wrong for every model.

A small loop rather than tenacity: Retry-After, the deadline shared by the waits and the calls,
the shared rate limit and the move to the next model are four rules a decorator would spread out.

Nothing here invents text: it returns what a model wrote, or raises `AllFailed` (with a sentence
for the analyst) or `Deferred` (only the rate limit stood in the way: try again later).
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from .limits import RateLimitBusy, reserve_slot
from .providers import Completion, CompletionRequest, ErrorKind, OnDelta, Provider, ProviderError

BACKOFF_CAP_S = 20.0
# A call started with less time than this left would only time out: stop instead.
MIN_CALL_S = 1.0
# The longest a description is put back to wait for the rate limit in one go.
MAX_DEFER_S = 120.0


@dataclass
class Attempt:
    model: str
    outcome: str  # "ok" or an ErrorKind
    ms: int
    status: int | None = None
    message: str = ""

    def as_json(self) -> dict[str, Any]:
        return {
            "model": self.model,
            "outcome": self.outcome,
            "status": self.status,
            "ms": self.ms,
            "message": self.message[:300],
        }


@dataclass
class Outcome:
    completion: Completion
    model: str  # the model asked for in the call that answered
    latency_ms: int  # of that call
    attempts: list[Attempt] = field(default_factory=list)


class AllFailed(Exception):
    def __init__(self, reason: str, attempts: list[Attempt]) -> None:
        super().__init__(reason)
        self.reason = reason
        self.attempts = attempts

    def __reduce__(self):  # picklable: Celery keeps the exception of a retry
        return (type(self), (self.reason, self.attempts))


class Deferred(Exception):
    """Only rate limits stood in the way: run the description again in `wait_s`."""

    def __init__(self, wait_s: float, reason: str, attempts: list[Attempt]) -> None:
        super().__init__(reason)
        self.wait_s = min(max(wait_s, 1.0), MAX_DEFER_S)
        self.reason = reason
        self.attempts = attempts

    def __reduce__(self):  # picklable: Celery keeps the exception of a retry
        return (type(self), (self.wait_s, self.reason, self.attempts))


@dataclass
class Policy:
    call_timeout_s: float
    max_retries: int
    backoff_s: float
    max_tokens: int
    temperature: float
    requests_per_minute: int | None = None  # None: settings.AI_REQUESTS_PER_MINUTE


def backoff_delay(attempt: int, base_s: float, rng: Callable[[], float] = random.random) -> float:
    """Exponential backoff with "equal jitter": half fixed, half random, so retries from many
    workers spread out but never collapse to zero."""
    ceiling = min(BACKOFF_CAP_S, base_s * (2**attempt))
    return ceiling / 2 + rng() * ceiling / 2


def generate(
    *,
    provider: Provider,
    messages: list[dict[str, str]],
    models: Sequence[str],
    deadline: float,
    policy: Policy,
    on_delta: OnDelta,
    on_restart: Callable[[], None],
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
    rng: Callable[[], float] = random.random,
) -> Outcome:
    attempts: list[Attempt] = []
    errors: list[ProviderError] = []
    provider_wait: float | None = None
    out_of_time = False
    streamed = False

    def delta(piece: str) -> None:
        nonlocal streamed
        streamed = True
        on_delta(piece)

    for model in dict.fromkeys(m for m in models if m):  # in order, each once
        for attempt in range(policy.max_retries + 1):
            left = deadline - clock()
            if left < MIN_CALL_S:
                raise AllFailed(_reason(errors, provider, deadline_hit=True), attempts)
            try:
                wait = reserve_slot(
                    max_wait_s=left - MIN_CALL_S, requests_per_minute=policy.requests_per_minute
                )
            except RateLimitBusy as busy:
                raise Deferred(busy.wait_s, "waiting for the shared AI rate limit", attempts) from None
            if wait > 0:
                sleep(wait)
            if streamed:
                on_restart()  # the browser drops the text of the failed attempt
                streamed = False
            timeout = min(policy.call_timeout_s, deadline - clock())
            started = clock()
            try:
                completion = provider.complete(
                    CompletionRequest(
                        messages=messages,
                        model=model,
                        max_tokens=policy.max_tokens,
                        temperature=policy.temperature,
                        timeout_s=max(timeout, 0.1),
                    ),
                    delta,
                )
            except ProviderError as error:
                ms = round((clock() - started) * 1000)
                attempts.append(Attempt(model, str(error.kind), ms, error.status, error.message))
                errors.append(error)
                if error.kind == ErrorKind.AUTH:
                    raise AllFailed(_reason(errors, provider), attempts) from None
                if not error.retryable or attempt == policy.max_retries:
                    break  # the next model
                pause = backoff_delay(attempt, policy.backoff_s, rng)
                if error.retry_after_s is not None:
                    pause = max(pause, error.retry_after_s)
                if clock() + pause + MIN_CALL_S > deadline:
                    out_of_time = True
                    if error.kind == ErrorKind.RATE_LIMITED:
                        provider_wait = max(provider_wait or 0.0, pause)
                    break  # no time to wait here: perhaps another model is not limited
                sleep(pause)
                continue
            ms = round((clock() - started) * 1000)
            attempts.append(Attempt(model, "ok", ms))
            return Outcome(completion=completion, model=model, latency_ms=ms, attempts=attempts)

    if errors and all(e.kind == ErrorKind.RATE_LIMITED for e in errors):
        wait = provider_wait or max((e.retry_after_s or 0.0) for e in errors) or BACKOFF_CAP_S
        raise Deferred(wait, "the provider asked us to slow down (HTTP 429)", attempts)
    raise AllFailed(_reason(errors, provider, deadline_hit=out_of_time), attempts)


def _host(provider: Provider) -> str:
    base_url = getattr(provider, "base_url", "")
    return urlsplit(base_url).netloc or base_url or "the provider"


def _reason(errors: list[ProviderError], provider: Provider, *, deadline_hit: bool = False) -> str:
    """One sentence for the analyst (and the administrator) saying why there is no description."""
    if not errors:
        return "The AI provider could not be asked in time; ask for the description again."
    last = errors[-1]
    calls = len(errors)
    tried = f" ({calls} call{'s' if calls != 1 else ''} failed)"
    detail = last.message.strip().rstrip(".")[:200]
    if last.kind == ErrorKind.AUTH:
        return (
            f"API key rejected by the AI provider (HTTP {last.status}): {detail}. "
            "An administrator must check OPENAI_API_KEY; nothing was retried."
        )
    if deadline_hit and last.kind != ErrorKind.BAD_REQUEST:
        prefix = "The AI provider did not produce a description before the deadline"
    else:
        prefix = "The AI provider did not produce a description"
    why = {
        ErrorKind.TIMEOUT: "it did not answer in time",
        ErrorKind.RATE_LIMITED: "it kept answering “too many requests” (HTTP 429)",
        ErrorKind.SERVER: f"it kept failing (HTTP {last.status or 'error'}: {detail})",
        ErrorKind.CONNECTION: f"it could not be reached at {_host(provider)}",
        ErrorKind.BAD_RESPONSE: f"its answer could not be read ({detail})",
        ErrorKind.BAD_REQUEST: f"it refused the request (HTTP {last.status}: {detail})",
    }[last.kind]
    return f"{prefix}: {why}{tried}. Ask for the description again later, or use the local describer."
