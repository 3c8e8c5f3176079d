from __future__ import annotations

import pytest

from .fake_openai import FakeOpenAI

TEST_KEY = "sk-test-0123456789abcdef"  # not a secret: the fake server accepts anything


@pytest.fixture
def fake_ai(settings):
    """A local OpenAI-compatible server, and settings pointing at it (fast retries, no rate limit)."""
    server = FakeOpenAI().start()
    settings.OPENAI_BASE_URL = server.base_url
    settings.OPENAI_API_KEY = TEST_KEY
    settings.OPENAI_AUTH_HEADER = "Authorization"
    settings.AI_PROVIDER = "openai"
    settings.AI_MODEL = "gpt-4o-mini"
    settings.AI_FALLBACK_MODELS = []
    settings.AI_CALL_TIMEOUT_S = 2.0
    settings.AI_DEADLINE_S = 20.0
    settings.AI_MAX_RETRIES = 2
    settings.AI_RETRY_BACKOFF_S = 0.01
    settings.AI_REQUESTS_PER_MINUTE = 0
    yield server
    server.stop()
