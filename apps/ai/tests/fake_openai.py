"""A local server that speaks the OpenAI chat-completions protocol, scripted per test.

    server = FakeOpenAI().start()              # a free port on 127.0.0.1, threads, no network
    server.push(error(429, retry_after=1), stream("Filings rose."))
    ... OPENAI_BASE_URL = server.base_url ...
    server.requests                             # what arrived: path, headers, JSON body
    server.stop()

Each request takes the next scripted step (or `default` when the script is empty): a streamed
answer (server-sent events, chunked, optionally slow), a one-piece JSON answer, an HTTP error with
headers (429 + Retry-After, 500, 401), a delay past the client's timeout, or malformed JSON.
Also used by bench/ai_throughput.py, which counts requests and the most in flight at once.
"""

from __future__ import annotations

import json
import sys
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Step:
    kind: str  # stream | json | error | malformed | malformed_stream | truncated_stream
    text: str = ""
    chunks: list[str] | None = None
    chunk_delay_s: float = 0.0
    delay_s: float = 0.0  # before the status line: "slow past the timeout"
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    body: Any = None
    usage: tuple[int, int] | None = (120, 40)
    model: str | None = None


def _words(text: str, n: int | None) -> list[str]:
    """Split `text` into pieces that join back exactly (n pieces, or one per word)."""
    pieces = [word + " " for word in text.split(" ")]
    pieces[-1] = pieces[-1][:-1]
    if n is None or n >= len(pieces):
        return [p for p in pieces if p]
    size = -(-len(pieces) // n)
    return ["".join(pieces[i : i + size]) for i in range(0, len(pieces), size)]


def stream(
    text: str,
    *,
    chunks: int | None = None,
    chunk_delay_s: float = 0.0,
    delay_s: float = 0.0,
    usage: tuple[int, int] | None = (120, 40),
    model: str | None = None,
) -> Step:
    return Step(
        "stream",
        text=text,
        chunks=_words(text, chunks),
        chunk_delay_s=chunk_delay_s,
        delay_s=delay_s,
        usage=usage,
        model=model,
    )


def reply_json(text: str, *, usage: tuple[int, int] | None = (120, 40)) -> Step:
    return Step("json", text=text, usage=usage)


def error(status: int, message: str = "scripted error", *, retry_after: str | float | None = None) -> Step:
    headers = {"Retry-After": str(retry_after)} if retry_after is not None else {}
    return Step("error", status=status, headers=headers, body={"error": {"message": message, "type": "test"}})


def slow(seconds: float, then: Step | None = None) -> Step:
    step = then or stream("Too late.")
    step.delay_s = seconds
    return step


def malformed() -> Step:
    return Step("malformed")


def malformed_stream() -> Step:
    return Step("malformed_stream", text="Half an answer")


def truncated_stream(text: str) -> Step:
    """A stream that stops mid-answer: no finish_reason, no [DONE]."""
    return Step("truncated_stream", text=text, chunks=_words(text, None))


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def log_message(self, format, *args) -> None:  # quiet
        pass

    def do_POST(self) -> None:
        fake = self.server.fake
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length)
        try:
            body = json.loads(raw)
        except ValueError:
            body = None
        step = fake.next_step(path=self.path, headers=dict(self.headers), body=body)
        fake.enter()
        try:
            if step.delay_s:
                time.sleep(step.delay_s)
            self._answer(step, body or {})
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (a timeout test): nothing to answer
        finally:
            fake.leave()

    def _send(
        self, status: int, content_type: str, payload: bytes, headers: dict[str, str] | None = None
    ) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(payload)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(payload)

    def _chunk(self, data: bytes) -> None:
        self.wfile.write(f"{len(data):X}\r\n".encode() + data + b"\r\n")
        self.wfile.flush()

    def _event(self, payload: dict | str) -> None:
        data = payload if isinstance(payload, str) else json.dumps(payload)
        self._chunk(f"data: {data}\n\n".encode())

    def _answer(self, step: Step, body: dict) -> None:
        model = step.model or body.get("model") or "fake-model"
        if step.kind == "error":
            self._send(step.status, "application/json", json.dumps(step.body).encode(), step.headers)
            return
        if step.kind == "malformed":
            self._send(200, "application/json", b'{"choices": [ {"message": oops')
            return
        if step.kind == "json":
            answer = {
                "id": "chatcmpl-fake",
                "object": "chat.completion",
                "model": model,
                "choices": [
                    {
                        "index": 0,
                        "message": {"role": "assistant", "content": step.text},
                        "finish_reason": "stop",
                    }
                ],
                **(
                    {"usage": {"prompt_tokens": step.usage[0], "completion_tokens": step.usage[1]}}
                    if step.usage
                    else {}
                ),
            }
            self._send(200, "application/json", json.dumps(answer).encode())
            return
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Transfer-Encoding", "chunked")
        self.send_header("Cache-Control", "no-cache")
        self.end_headers()
        self._chunk(b": keep-alive\n\n")  # an SSE comment, as real servers send: must be skipped
        base = {"id": "chatcmpl-fake", "object": "chat.completion.chunk", "model": model}
        self._event(
            {**base, "choices": [{"index": 0, "delta": {"role": "assistant"}, "finish_reason": None}]}
        )
        if step.kind == "malformed_stream":
            self._event({**base, "choices": [{"index": 0, "delta": {"content": step.text}}]})
            self._event("{this is not json")
        else:
            for piece in step.chunks or []:
                if step.chunk_delay_s:
                    time.sleep(step.chunk_delay_s)
                self._event(
                    {**base, "choices": [{"index": 0, "delta": {"content": piece}, "finish_reason": None}]}
                )
            if step.kind == "stream":
                self._event({**base, "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]})
                if step.usage:
                    usage = {"prompt_tokens": step.usage[0], "completion_tokens": step.usage[1]}
                    self._event({**base, "choices": [], "usage": usage})
                self._event("[DONE]")
        self._chunk(b"")  # the last, empty chunk


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    fake: FakeOpenAI

    def handle_error(self, request, client_address) -> None:
        if isinstance(sys.exc_info()[1], ConnectionError):
            return  # a client that went away (a stopped worker, a timeout test): nothing to report
        super().handle_error(request, client_address)


class FakeOpenAI:
    def __init__(self, *, default: Callable[[], Step] | None = None) -> None:
        self.default = default or (lambda: stream("A scripted description of the chart."))
        self.script: deque[Step] = deque()
        self.requests: list[dict[str, Any]] = []
        self.in_flight = 0
        self.max_in_flight = 0
        self._lock = threading.Lock()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    @property
    def base_url(self) -> str:
        assert self._server is not None
        return f"http://127.0.0.1:{self._server.server_address[1]}/v1"

    def start(self) -> FakeOpenAI:
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.fake = self
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, name="fake-openai", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def push(self, *steps: Step) -> None:
        with self._lock:
            self.script.extend(steps)

    def next_step(self, *, path: str, headers: dict[str, str], body: Any) -> Step:
        with self._lock:
            self.requests.append({"path": path, "headers": headers, "body": body, "at": time.monotonic()})
            return self.script.popleft() if self.script else self.default()

    def enter(self) -> None:
        with self._lock:
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)

    def leave(self) -> None:
        with self._lock:
            self.in_flight -= 1
