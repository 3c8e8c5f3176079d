"""Worker-side hooks: warm chart workers before they fork, and log each task's cost.

Every task logs one line with its duration, SQL statement count and CPU time — what an operator needs to
spot a slow or chatty task, and what `bench/job_latency.py` reads to report statements per chart.
A task's code may add figures of its own to that line with `note` (a chart: the time its files took).
"""

from __future__ import annotations

import contextvars
import logging
import threading
import time

from celery import signals
from django.db import close_old_connections, connection, connections

logger = logging.getLogger("intelli.tasks")

# A connection a task of this thread used less than this long ago skips Django's health check
# before the next task's first query (CONN_HEALTH_CHECKS: a `SELECT 1` round trip on PostgreSQL, one
# of about ten a chart makes), as PgBouncer skips its check for a server connection used within
# `server_check_delay`. One idle for longer is checked as Django checks it between requests. A
# connection that broke in that second fails the task's first statement, and the task retries
# (TRANSIENT_ERRORS) on a new one.
HEALTH_CHECK_AFTER_IDLE_S = 1.0

_task_stats: dict[str, dict] = {}
# When this thread's last task ended (time.monotonic()): Django's connections are per thread, and
# the ai queue runs its tasks in a pool of threads.
_this_thread = threading.local()
# The running task's own figures (a context variable: the ai queue runs tasks in threads).
_notes: contextvars.ContextVar[dict | None] = contextvars.ContextVar("task_notes", default=None)


def note(**figures: float) -> None:
    """Add figures to the running task's log line; nothing outside a worker's task."""
    notes = _notes.get()
    if notes is not None:
        notes.update(figures)


class _StatementCounter:
    def __init__(self) -> None:
        self.count = 0

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        return execute(sql, params, many, context)


@signals.worker_init.connect
def _warm_chart_workers(sender=None, **kwargs) -> None:
    """Load matplotlib and its fonts once in the parent; forked children inherit them warm."""
    consume_from = sender.app.amqp.queues.consume_from if sender is not None else None
    if consume_from and "charts_cpu" not in consume_from:
        return
    from apps.charts.rendering import warm_up

    started = time.perf_counter()
    warm_up()
    logger.info("Chart rendering warmed up in %.0f ms", (time.perf_counter() - started) * 1000)


def _close_old_connections(task, *, starting: bool) -> None:
    """As Django does between two requests (see CELERY_DB_REUSE_MAX in config.celery); not for a task
    applied in-process, which runs inside its caller's connection and transaction."""
    if task is None or getattr(task.request, "is_eager", False):
        return
    close_old_connections()
    if not starting:
        _this_thread.last_task_ended = time.monotonic()
    elif (
        time.monotonic() - getattr(_this_thread, "last_task_ended", float("-inf")) < HEALTH_CHECK_AFTER_IDLE_S
    ):
        for conn in connections.all(initialized_only=True):
            if conn.connection is not None:
                conn.health_check_done = True  # used a moment ago: see HEALTH_CHECK_AFTER_IDLE_S


@signals.task_prerun.connect
def _task_started(task_id=None, task=None, **kwargs) -> None:
    _close_old_connections(task, starting=True)
    counter = _StatementCounter()
    connection.execute_wrappers.append(counter)
    notes: dict = {}
    _notes.set(notes)
    _task_stats[task_id] = {
        "counter": counter,
        "notes": notes,
        "started": time.perf_counter(),
        "cpu": time.process_time(),
    }


@signals.task_postrun.connect
def _task_finished(task_id=None, task=None, args=None, state=None, **kwargs) -> None:
    _close_old_connections(task, starting=False)
    _notes.set(None)
    stats = _task_stats.pop(task_id, None)
    if stats is None:
        return
    counter = stats["counter"]
    if counter in connection.execute_wrappers:
        connection.execute_wrappers.remove(counter)
    logger.info(
        "task %s[%s] args=%s state=%s duration_ms=%.1f sql=%d cpu_ms=%.1f%s",
        task.name if task else "?",
        task_id,
        list(args or ()),
        state,
        (time.perf_counter() - stats["started"]) * 1000,
        counter.count,
        (time.process_time() - stats["cpu"]) * 1000,  # every thread of the process: its sends too
        "".join(f" {name}={value:.1f}" for name, value in stats["notes"].items()),
    )


@signals.worker_process_shutdown.connect
@signals.worker_shutdown.connect
def _flush_broadcasts(**kwargs) -> None:
    """Send the events still queued for browsers before the process goes (pool children skip atexit)."""
    from apps.realtime.broadcast import flush

    flush()
