"""Any OpenAI-compatible chat-completions endpoint, streamed over HTTP (server-sent events).

Why plain httpx and not the official `openai` SDK: the SDK brings its own retry loop, timeouts
and error classes, which would have to be switched off and translated so that retries, the shared
rate limit and the deadline stay in one place (`apps.ai.resilience`). What we need from the
protocol is one POST and a few lines of SSE parsing, which also lets us accept the small ways the
compatible servers differ (Ollama, vLLM, LiteLLM, Gemini's and Anthropic's endpoints): a JSON
answer where a stream was asked for, usage missing from the stream, errors inside the stream.

One `httpx.Client` per process keeps connections alive across calls (threads share it; httpx
clients are thread-safe); a forked child makes its own.
"""

from __future__ import annotations

import json
import os
import threading
import time
from email.utils import parsedate_to_datetime
from typing import Any

import httpx

from .base import Completion, CompletionRequest, ErrorKind, OnDelta, ProviderError

# What a misbehaving server may make us hold: an error body, and the text of one answer
# (max_tokens bounds a well-behaved one far below this).
MAX_ERROR_BODY_BYTES = 64 * 1024
MAX_ANSWER_CHARS = 40_000
CONNECT_TIMEOUT_S = 5.0

_clients: dict[tuple[int, str], httpx.Client] = {}
_clients_lock = threading.Lock()


def _client(base_url: str) -> httpx.Client:
    key = (os.getpid(), base_url)
    with _clients_lock:
        client = _clients.get(key)
        if client is None:
            # No proxies or netrc from the environment: the endpoint is exactly what settings say.
            client = httpx.Client(trust_env=False, limits=httpx.Limits(max_keepalive_connections=20))
            _clients[key] = client
        return client


def parse_retry_after(headers: httpx.Headers, now: float | None = None) -> float | None:
    """Seconds to wait, from `retry-after-ms`, or `Retry-After` as seconds or an HTTP date."""
    if (ms := headers.get("retry-after-ms")) is not None:
        try:
            return max(0.0, float(ms) / 1000)
        except ValueError:
            pass
    value = headers.get("retry-after")
    if value is None:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - (time.time() if now is None else now))


def _kind_for_status(status: int) -> ErrorKind:
    if status in (401, 403):
        return ErrorKind.AUTH
    if status == 429:
        return ErrorKind.RATE_LIMITED
    if status in (408, 409) or status >= 500:  # 408 timeout and 409 "try again" are transient too
        return ErrorKind.SERVER
    return ErrorKind.BAD_REQUEST


class OpenAICompatibleProvider:
    name = "openai"

    def __init__(self, *, base_url: str, api_key: str, auth_header: str = "Authorization") -> None:
        self.base_url = base_url.rstrip("/")
        self._api_key = api_key
        self._auth_header = auth_header

    def __repr__(self) -> str:  # never the key
        return f"OpenAICompatibleProvider({self.base_url!r})"

    @property
    def url(self) -> str:
        return f"{self.base_url}/chat/completions"

    def _headers(self) -> dict[str, str]:
        headers = {"Accept": "text/event-stream", "Content-Type": "application/json"}
        if self._api_key:
            if self._auth_header.lower() == "authorization":
                headers["Authorization"] = f"Bearer {self._api_key}"
            else:
                headers[self._auth_header] = self._api_key
        return headers

    def _redact(self, text: str) -> str:
        return text.replace(self._api_key, "***") if self._api_key else text

    def complete(self, request: CompletionRequest, on_delta: OnDelta) -> Completion:
        body = {
            "model": request.model,
            "messages": request.messages,
            "stream": True,
            "stream_options": {"include_usage": True},
            "max_tokens": request.max_tokens,
            "temperature": request.temperature,
        }
        timeout = httpx.Timeout(request.timeout_s, connect=min(CONNECT_TIMEOUT_S, request.timeout_s))
        started = time.monotonic()
        try:
            with _client(self.base_url).stream(
                "POST", self.url, json=body, headers=self._headers(), timeout=timeout
            ) as response:
                if response.status_code >= 400:
                    raise self._http_error(response)
                content_type = response.headers.get("content-type", "")
                if "text/event-stream" in content_type:
                    return self._read_stream(response, request, on_delta, started)
                return self._read_json(response, request, on_delta)
        except httpx.TimeoutException as exc:
            raise ProviderError(
                ErrorKind.TIMEOUT, f"no answer within {request.timeout_s:g} s ({type(exc).__name__})"
            ) from None
        except httpx.TransportError as exc:
            raise ProviderError(ErrorKind.CONNECTION, self._redact(f"{type(exc).__name__}: {exc}")) from None

    def _http_error(self, response: httpx.Response) -> ProviderError:
        raw = b""
        for chunk in response.iter_bytes():
            raw += chunk
            if len(raw) >= MAX_ERROR_BODY_BYTES:
                break
        message = raw[:2000].decode("utf-8", errors="replace").strip()
        try:
            payload = json.loads(raw)
            error = payload.get("error") if isinstance(payload, dict) else None
            if isinstance(error, dict) and error.get("message"):
                message = str(error["message"])
            elif isinstance(error, str):
                message = error
        except ValueError:
            pass
        return ProviderError(
            _kind_for_status(response.status_code),
            self._redact(message or response.reason_phrase or "error"),
            status=response.status_code,
            retry_after_s=parse_retry_after(response.headers),
        )

    def _read_stream(
        self, response: httpx.Response, request: CompletionRequest, on_delta: OnDelta, started: float
    ) -> Completion:
        parts: list[str] = []
        length = 0
        model, usage, finish_reason, done = request.model, None, None, False
        for line in response.iter_lines():
            if time.monotonic() - started > request.timeout_s:
                raise ProviderError(ErrorKind.TIMEOUT, f"the answer took longer than {request.timeout_s:g} s")
            if not line.startswith("data:"):
                continue  # blank separators, ": keep-alive" comments, "event:" lines
            data = line[5:].strip()
            if data == "[DONE]":
                done = True
                break
            try:
                chunk = json.loads(data)
            except ValueError:
                raise ProviderError(ErrorKind.BAD_RESPONSE, "a streamed chunk was not valid JSON") from None
            if not isinstance(chunk, dict):
                raise ProviderError(ErrorKind.BAD_RESPONSE, "a streamed chunk was not a JSON object")
            if "error" in chunk:
                error = chunk["error"]
                message = error.get("message") if isinstance(error, dict) else str(error)
                raise ProviderError(ErrorKind.SERVER, self._redact(str(message or "error in the stream")))
            model = chunk.get("model") or model
            usage = chunk.get("usage") or usage
            for choice in chunk.get("choices") or []:
                delta = (choice or {}).get("delta") or {}
                piece = delta.get("content")
                if isinstance(piece, str) and piece:
                    parts.append(piece)
                    length += len(piece)
                    on_delta(piece)
                finish_reason = (choice or {}).get("finish_reason") or finish_reason
            if length > MAX_ANSWER_CHARS:
                finish_reason = "length"
                break
        if not done and finish_reason is None:
            raise ProviderError(ErrorKind.BAD_RESPONSE, "the stream ended before the answer was complete")
        return self._completion("".join(parts), model, usage, finish_reason)

    def _read_json(
        self, response: httpx.Response, request: CompletionRequest, on_delta: OnDelta
    ) -> Completion:
        """A server that ignored `stream: true` and answered in one JSON document."""
        raw = response.read()
        try:
            payload = json.loads(raw)
            choice = payload["choices"][0]
            text = choice["message"]["content"] or ""
        except (ValueError, KeyError, IndexError, TypeError):
            raise ProviderError(
                ErrorKind.BAD_RESPONSE, "the answer was not valid chat-completion JSON"
            ) from None
        if text:
            on_delta(text)
        return self._completion(
            text, payload.get("model") or request.model, payload.get("usage"), choice.get("finish_reason")
        )

    @staticmethod
    def _completion(text: str, model: str, usage: Any, finish_reason: str | None) -> Completion:
        if not text.strip():
            raise ProviderError(ErrorKind.BAD_RESPONSE, "the answer was empty")
        usage = usage if isinstance(usage, dict) else {}
        tokens_in, tokens_out = usage.get("prompt_tokens"), usage.get("completion_tokens")
        return Completion(
            text=text,
            model=str(model),
            tokens_in=tokens_in if isinstance(tokens_in, int) else None,
            tokens_out=tokens_out if isinstance(tokens_out, int) else None,
            finish_reason=finish_reason,
        )
