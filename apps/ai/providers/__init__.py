"""AI providers: `openai` (any OpenAI-compatible endpoint, over HTTP) and `local` (offline).

The local describer is not a `Provider` in this sense — it calls nothing and cannot fail the way
a network call does — so it lives in `apps.ai.local` and the services pick one or the other.
"""

from __future__ import annotations

from django.conf import settings

from apps.ai.models import Provider as ProviderName

from .base import (
    RETRYABLE,
    Completion,
    CompletionRequest,
    ErrorKind,
    OnDelta,
    Provider,
    ProviderError,
)
from .openai_compatible import OpenAICompatibleProvider

__all__ = [
    "RETRYABLE",
    "Completion",
    "CompletionRequest",
    "ErrorKind",
    "OnDelta",
    "OpenAICompatibleProvider",
    "Provider",
    "ProviderError",
    "available_providers",
    "default_provider",
    "openai_configured",
    "openai_provider",
]


def openai_configured() -> bool:
    """An OpenAI-compatible endpoint is usable: a key is set, or the operator chose it explicitly
    (a local Ollama or vLLM needs no key)."""
    return bool(settings.OPENAI_API_KEY) or settings.AI_PROVIDER == ProviderName.OPENAI


def available_providers() -> list[str]:
    return [ProviderName.LOCAL.value, *([ProviderName.OPENAI.value] if openai_configured() else [])]


def default_provider() -> str:
    return (
        ProviderName.OPENAI.value if settings.AI_PROVIDER == ProviderName.OPENAI else ProviderName.LOCAL.value
    )


def openai_provider() -> OpenAICompatibleProvider:
    return OpenAICompatibleProvider(
        base_url=settings.OPENAI_BASE_URL,
        api_key=settings.OPENAI_API_KEY,
        auth_header=settings.OPENAI_AUTH_HEADER,
    )
