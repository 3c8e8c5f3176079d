"""The OpenAI-compatible provider and the resilience loop, against a local server speaking the protocol."""

from __future__ import annotations

import pickle
import time
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import httpx
import pytest

from apps.ai.providers import CompletionRequest, ErrorKind, OpenAICompatibleProvider, ProviderError
from apps.ai.providers.openai_compatible import parse_retry_after
from apps.ai.resilience import AllFailed, Deferred, Policy, backoff_delay, generate

from .conftest import TEST_KEY
from .fake_openai import (
    FakeOpenAI,
    error,
    malformed,
    malformed_stream,
    reply_json,
    slow,
    stream,
    truncated_stream,
)

MESSAGES = [{"role": "system", "content": "Describe."}, {"role": "user", "content": "year,count\n2020,3"}]


@pytest.fixture
def server():
    fake = FakeOpenAI().start()
    yield fake
    fake.stop()


def provider_for(server: FakeOpenAI, **kwargs) -> OpenAICompatibleProvider:
    return OpenAICompatibleProvider(
        base_url=server.base_url, api_key=kwargs.pop("api_key", TEST_KEY), **kwargs
    )


def request(timeout_s: float = 2.0, model: str = "gpt-4o-mini") -> CompletionRequest:
    return CompletionRequest(
        messages=MESSAGES, model=model, max_tokens=300, temperature=0.2, timeout_s=timeout_s
    )


class Recorder:
    """Collects streamed pieces and the sleeps the loop asks for (no real waiting)."""

    def __init__(self) -> None:
        self.pieces: list[str] = []
        self.sleeps: list[float] = []
        self.restarts = 0

    def run(
        self, server: FakeOpenAI, *, models=("gpt-4o-mini",), max_retries=2, deadline_s=30.0, timeout_s=2.0
    ):
        now = time.monotonic()
        return generate(
            provider=provider_for(server),
            messages=MESSAGES,
            models=list(models),
            deadline=now + deadline_s,
            policy=Policy(
                call_timeout_s=timeout_s,
                max_retries=max_retries,
                backoff_s=0.5,
                max_tokens=300,
                temperature=0.2,
                requests_per_minute=0,
            ),
            on_delta=self.pieces.append,
            on_restart=self.restart,
            sleep=self.sleeps.append,
            rng=lambda: 0.5,
        )

    def restart(self) -> None:
        self.restarts += 1
        self.pieces.clear()


def test_a_streamed_answer_arrives_piece_by_piece(server):
    text = "Filings grew steadily from 2012 to 2020, peaking in the last year."
    server.push(stream(text, chunks=4, usage=(321, 17)))
    pieces: list[str] = []

    completion = provider_for(server).complete(request(), pieces.append)

    assert len(pieces) == 4 and "".join(pieces) == text == completion.text
    assert (completion.tokens_in, completion.tokens_out, completion.finish_reason) == (321, 17, "stop")
    sent = server.requests[0]
    assert sent["path"] == "/v1/chat/completions"
    assert sent["headers"]["Authorization"] == f"Bearer {TEST_KEY}"
    assert sent["body"]["stream"] is True and sent["body"]["stream_options"] == {"include_usage": True}
    assert sent["body"]["model"] == "gpt-4o-mini" and sent["body"]["messages"] == MESSAGES


def test_azure_style_key_header_and_a_json_answer_to_a_stream_request(server):
    server.push(reply_json("One piece.", usage=None))
    pieces: list[str] = []

    completion = provider_for(server, auth_header="api-key").complete(request(), pieces.append)

    assert server.requests[0]["headers"]["api-key"] == TEST_KEY
    assert "Authorization" not in server.requests[0]["headers"]
    assert pieces == ["One piece."] and completion.tokens_in is None  # usage missing: estimated later


def test_the_key_never_appears_in_errors_or_reprs(server):
    server.push(error(401, f"Incorrect API key provided: {TEST_KEY}"))
    provider = provider_for(server)

    with pytest.raises(ProviderError) as caught:
        provider.complete(request(), lambda _: None)

    assert caught.value.kind == ErrorKind.AUTH and caught.value.status == 401
    assert TEST_KEY not in str(caught.value) and TEST_KEY not in repr(provider)


@pytest.mark.parametrize(
    ("step", "kind"),
    [
        (error(429, retry_after=7), ErrorKind.RATE_LIMITED),
        (error(500), ErrorKind.SERVER),
        (error(503), ErrorKind.SERVER),
        (error(403), ErrorKind.AUTH),
        (error(404, "The model `nope` does not exist"), ErrorKind.BAD_REQUEST),
        (malformed(), ErrorKind.BAD_RESPONSE),
        (malformed_stream(), ErrorKind.BAD_RESPONSE),
        (truncated_stream("Cut off in the"), ErrorKind.BAD_RESPONSE),
        (slow(1.5), ErrorKind.TIMEOUT),
    ],
)
def test_each_failure_is_classified(server, step, kind):
    server.push(step)
    with pytest.raises(ProviderError) as caught:
        provider_for(server).complete(request(timeout_s=0.5), lambda _: None)
    assert caught.value.kind == kind
    if kind == ErrorKind.RATE_LIMITED:
        assert caught.value.retry_after_s == 7


def test_an_unreachable_server_is_a_connection_error():
    with pytest.raises(ProviderError) as caught:
        OpenAICompatibleProvider(base_url="http://127.0.0.1:9/v1", api_key="k").complete(
            request(), lambda _: None
        )
    assert caught.value.kind == ErrorKind.CONNECTION


def test_retry_after_as_seconds_milliseconds_or_a_date():
    now = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
    later = format_datetime(now + timedelta(seconds=30), usegmt=True)
    assert parse_retry_after(httpx.Headers({"Retry-After": "12"})) == 12
    assert parse_retry_after(httpx.Headers({"retry-after-ms": "1500"})) == 1.5
    assert parse_retry_after(httpx.Headers({"Retry-After": later}), now=now.timestamp()) == 30
    assert parse_retry_after(httpx.Headers({"Retry-After": "soon"})) is None
    assert parse_retry_after(httpx.Headers({})) is None


# --- The loop: retries, backoff, Retry-After, fallback, deadline ----------------------------------------


def test_429_waits_at_least_what_retry_after_says_then_succeeds(server):
    server.push(error(429, retry_after=3), stream("Rate limits passed."))
    recorder = Recorder()

    outcome = recorder.run(server)

    assert outcome.completion.text == "Rate limits passed." and len(server.requests) == 2
    assert recorder.sleeps and recorder.sleeps[0] >= 3  # Retry-After beats the 0.5 s backoff
    assert [a.outcome for a in outcome.attempts] == ["rate_limited", "ok"]


def test_500s_are_retried_with_exponential_backoff(server):
    server.push(error(500), error(502), stream("Third time."))
    recorder = Recorder()

    outcome = recorder.run(server, max_retries=3)

    assert outcome.completion.text == "Third time." and len(server.requests) == 3
    assert recorder.sleeps == [backoff_delay(0, 0.5, lambda: 0.5), backoff_delay(1, 0.5, lambda: 0.5)]
    assert recorder.sleeps[1] == 2 * recorder.sleeps[0]


def test_backoff_is_jittered_within_bounds_and_capped():
    assert backoff_delay(0, 1.0, lambda: 0.0) == 0.5 and backoff_delay(0, 1.0, lambda: 1.0) == 1.0
    assert backoff_delay(10, 1.0, lambda: 1.0) == 20.0  # capped


def test_a_401_is_never_retried_and_says_the_key_was_rejected(server):
    server.push(error(401, "Invalid API key"))
    recorder = Recorder()

    with pytest.raises(AllFailed) as caught:
        recorder.run(server, models=("gpt-4o-mini", "gpt-4o"), max_retries=3)

    assert len(server.requests) == 1 and recorder.sleeps == []
    assert caught.value.reason.startswith("API key rejected by the AI provider (HTTP 401)")


def test_a_slow_answer_past_the_timeout_is_retried_then_reported(server):
    server.push(slow(1.5), slow(1.5))
    recorder = Recorder()

    with pytest.raises(AllFailed) as caught:
        recorder.run(server, max_retries=1, timeout_s=0.3)

    assert len(server.requests) == 2
    assert "did not answer in time" in caught.value.reason
    assert [a.outcome for a in caught.value.attempts] == ["timeout", "timeout"]


def test_malformed_json_is_retried(server):
    server.push(malformed(), stream("Readable now."))
    outcome = Recorder().run(server)
    assert outcome.completion.text == "Readable now."
    assert [a.outcome for a in outcome.attempts] == ["bad_response", "ok"]


def test_a_broken_stream_restarts_the_text(server):
    server.push(truncated_stream("The first attempt was"), stream("The second attempt is whole."))
    recorder = Recorder()

    recorder.run(server)

    assert recorder.restarts == 1 and "".join(recorder.pieces) == "The second attempt is whole."


def test_an_unknown_model_falls_back_to_the_next_one(server):
    server.push(error(404, "The model `gpt-9` does not exist"), stream("From the fallback."))
    recorder = Recorder()

    outcome = recorder.run(server, models=("gpt-9", "gpt-4o-mini"))

    assert outcome.model == "gpt-4o-mini" and outcome.completion.text == "From the fallback."
    assert [r["body"]["model"] for r in server.requests] == ["gpt-9", "gpt-4o-mini"]
    assert recorder.sleeps == []  # a 4xx other than 429 is not worth a retry


def test_when_every_model_fails_the_reason_says_why_and_no_text_is_made_up(server):
    server.push(*[error(500, "upstream exploded")] * 6)
    recorder = Recorder()

    with pytest.raises(AllFailed) as caught:
        recorder.run(server, models=("a", "b"), max_retries=2)

    assert len(server.requests) == 6 and recorder.pieces == []
    assert "kept failing (HTTP 500: upstream exploded)" in caught.value.reason


def test_a_retry_after_beyond_the_deadline_defers_the_description(server):
    server.push(error(429, retry_after=60))
    recorder = Recorder()

    with pytest.raises(Deferred) as caught:
        recorder.run(server, deadline_s=10)

    assert caught.value.wait_s == 60 and recorder.sleeps == [] and len(server.requests) == 1


def test_the_deadline_bounds_everything(server):
    server.push(*[slow(0.6)] * 10)
    started = time.monotonic()

    with pytest.raises(AllFailed) as caught:
        Recorder().run(server, max_retries=9, deadline_s=2.0, timeout_s=0.5)

    assert time.monotonic() - started < 3.0
    assert "before the deadline" in caught.value.reason


def test_the_loops_exceptions_survive_pickling():
    """Celery keeps the exception of a retry; an unpicklable one would lose its reason."""
    for exc in (
        Deferred(30, "waiting", []),
        AllFailed("no", []),
        ProviderError(ErrorKind.SERVER, "boom", status=500, retry_after_s=2),
    ):
        again = pickle.loads(pickle.dumps(exc))
        assert type(again) is type(exc) and str(again) == str(exc)
