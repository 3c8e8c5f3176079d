"""One trace id per request, carried into the tasks it enqueues and onto every log line.

Lightweight on purpose (no OpenTelemetry): the middleware takes the id from an `X-Request-ID`
header (nginx sets one) or makes one, answers with it, and keeps it in a context variable. When a
task is published its message gets a `trace_id` header (and `published_at`, which the queue check
reads to report the oldest message's age); the worker puts that id back in the context while the
task runs, so tasks enqueued by tasks keep it. A logging filter adds `trace_id`, `job_id` and
`item_id` to every record, which the JSON formatter of the production settings writes out.
"""

from __future__ import annotations

import contextvars
import logging
import re
import time
import uuid

from celery import signals

TRACE_HEADER = "HTTP_X_REQUEST_ID"
_VALID_TRACE = re.compile(r"^[A-Za-z0-9._-]{8,64}$")

trace_id_var: contextvars.ContextVar[str | None] = contextvars.ContextVar("trace_id", default=None)
job_id_var: contextvars.ContextVar[int | None] = contextvars.ContextVar("job_id", default=None)
item_id_var: contextvars.ContextVar[int | None] = contextvars.ContextVar("item_id", default=None)


def new_trace_id() -> str:
    return uuid.uuid4().hex


def current_trace_id() -> str | None:
    return trace_id_var.get()


class TraceMiddleware:
    """Give each request a trace id (sync and async requests alike)."""

    sync_capable = True
    async_capable = False

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request):
        offered = request.META.get(TRACE_HEADER, "")
        trace_id = offered if _VALID_TRACE.match(offered) else new_trace_id()
        token = trace_id_var.set(trace_id)
        try:
            response = self.get_response(request)
        finally:
            trace_id_var.reset(token)
        response["X-Request-ID"] = trace_id
        return response


class ContextFilter(logging.Filter):
    """Adds trace_id, job_id and item_id (or None) to every log record."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.trace_id = getattr(record, "trace_id", None) or trace_id_var.get()
        record.job_id = getattr(record, "job_id", None) or job_id_var.get()
        record.item_id = getattr(record, "item_id", None) or item_id_var.get()
        return True


@signals.before_task_publish.connect
def _stamp_message(headers=None, **kwargs) -> None:
    if headers is None:
        return
    headers.setdefault("trace_id", trace_id_var.get() or new_trace_id())
    headers.setdefault("published_at", time.time())


_task_tokens: dict[str, tuple] = {}


@signals.task_prerun.connect
def _enter_task(task_id=None, task=None, args=None, kwargs=None, **extra) -> None:
    request = getattr(task, "request", None)
    trace_id = getattr(request, "trace_id", None) or (getattr(request, "headers", None) or {}).get("trace_id")
    tokens = [trace_id_var.set(trace_id or new_trace_id())]
    # Tasks take ids: render and describe take an item id, the reports a job id.
    if task is not None and args and isinstance(args[0], int):
        var = item_id_var if task.name.startswith(("charts.", "ai.")) else job_id_var
        tokens.append(var.set(args[0]))
    _task_tokens[task_id] = tuple(tokens)


@signals.task_postrun.connect
def _leave_task(task_id=None, **extra) -> None:
    for token in reversed(_task_tokens.pop(task_id, ())):
        try:
            token.var.reset(token)
        except ValueError:  # set in another context (threads pool): just clear it
            token.var.set(None)
