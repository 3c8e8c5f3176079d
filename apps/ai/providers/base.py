"""What every provider speaks: a request, a completion, and one error type with a kind.

The kind decides what the caller does next (see `apps.ai.resilience`): retry the same model,
try the next model, or stop at once.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Protocol

# Called with each piece of text as it arrives.
OnDelta = Callable[[str], None]


@dataclass(frozen=True)
class CompletionRequest:
    messages: list[dict[str, str]]
    model: str
    max_tokens: int
    temperature: float
    timeout_s: float  # this call's time budget (the smaller of the per-call timeout and what is left)


@dataclass(frozen=True)
class Completion:
    text: str
    model: str  # as the provider names it in its answer (may carry a version suffix)
    tokens_in: int | None
    tokens_out: int | None
    finish_reason: str | None = None


class ErrorKind(StrEnum):
    AUTH = "auth"  # 401/403: the key is wrong or lacks access; never retried
    RATE_LIMITED = "rate_limited"  # 429
    SERVER = "server"  # 5xx
    TIMEOUT = "timeout"  # no answer (or no next chunk) in time
    CONNECTION = "connection"  # refused, reset, DNS
    BAD_RESPONSE = "bad_response"  # malformed JSON, an empty or truncated stream
    BAD_REQUEST = "bad_request"  # other 4xx: unknown model, content filter, context too long


RETRYABLE = frozenset(
    {
        ErrorKind.RATE_LIMITED,
        ErrorKind.SERVER,
        ErrorKind.TIMEOUT,
        ErrorKind.CONNECTION,
        ErrorKind.BAD_RESPONSE,
    }
)


@dataclass
class ProviderError(Exception):
    kind: ErrorKind
    message: str  # for logs and the call record; never contains the API key
    status: int | None = None
    retry_after_s: float | None = None
    details: dict[str, Any] = field(default_factory=dict)

    def __str__(self) -> str:
        status = f" (HTTP {self.status})" if self.status else ""
        return f"{self.kind}{status}: {self.message}"

    def __reduce__(self):  # picklable despite the dataclass __init__
        return (type(self), (self.kind, self.message, self.status, self.retry_after_s, self.details))

    @property
    def retryable(self) -> bool:
        return self.kind in RETRYABLE


class Provider(Protocol):
    name: str

    def complete(self, request: CompletionRequest, on_delta: OnDelta) -> Completion:
        """Run one call, streaming text to `on_delta`; raise `ProviderError` when it fails."""
        ...
