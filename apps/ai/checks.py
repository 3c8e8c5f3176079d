"""System checks for the AI settings: mistakes an operator would otherwise meet as failed descriptions."""

from urllib.parse import urlsplit

from django.conf import settings
from django.core.checks import Tags, Warning, register

from apps.core.queues import QUEUE_PROFILES, Queue


@register(Tags.compatibility)
def ai_settings_check(app_configs, **kwargs):
    warnings = []
    limit = QUEUE_PROFILES[Queue.AI].time_limit
    if settings.AI_PROVIDER not in ("openai", "local"):
        warnings.append(
            Warning(
                f"AI_PROVIDER is {settings.AI_PROVIDER!r}; descriptions use the local describer.",
                hint='Set AI_PROVIDER to "openai" or "local".',
                id="intelli.W101",
            )
        )
    deadline = settings.AI_DEADLINE_S
    if deadline >= limit:
        warnings.append(
            Warning(
                f"AI_DEADLINE_S ({settings.AI_DEADLINE_S:g} s) is not below the ai queue's {limit} s limit.",
                hint="The ai worker's threads do not enforce Celery time limits; the deadline is what "
                "stops a description. Keep it below the queue's limit.",
                id="intelli.W102",
            )
        )
    if settings.AI_CALL_TIMEOUT_S > settings.AI_DEADLINE_S:
        warnings.append(
            Warning(
                "AI_CALL_TIMEOUT_S is longer than AI_DEADLINE_S: no call can use all of it.",
                id="intelli.W103",
            )
        )
    host = urlsplit(settings.OPENAI_BASE_URL).hostname or ""
    if settings.AI_PROVIDER == "openai" and not settings.OPENAI_API_KEY and host.endswith("openai.com"):
        warnings.append(
            Warning(
                "AI_PROVIDER is openai but OPENAI_API_KEY is empty: OpenAI will reject every description.",
                hint="Set OPENAI_API_KEY, point OPENAI_BASE_URL at a server that needs no key (Ollama, "
                "vLLM), or use AI_PROVIDER=local.",
                id="intelli.W104",
            )
        )
    return warnings
