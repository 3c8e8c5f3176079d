"""Send to channel-layer groups from synchronous code (Celery workers, views, admin actions).

channels_redis keeps one connection pool per event loop. `async_to_sync` called from a plain
thread runs each call on a short-lived loop, which leaves pools bound to closed loops behind
("Event loop is closed" in workers). Instead, each process owns one long-lived loop in a daemon
thread with one sender task: callers put batches on its queue and go on (a chart worker does not
wait two Redis round trips per event), and the sender sends them one after another, so messages
leave in the order they were submitted. A forked child (Celery prefork) starts its own loop.

With `INTELLI_BROADCAST_WAIT` (the test settings) each call waits for its send, as before the
queue existed: a test's sends never overlap its event loop's teardown. `flush()` waits until
everything submitted has been sent; it runs when the process exits (atexit,
and Celery's worker_process_shutdown for pool children, which leave through `os._exit`).

The channel layer is at-most-once: a failed or dropped send is logged, never raised, because the
event is already persisted and browsers resume from the event log.
"""

from __future__ import annotations

import asyncio
import atexit
import logging
import os
import threading
from collections.abc import Iterable
from typing import Any

from channels.layers import get_channel_layer
from django.conf import settings

from apps.ops.metrics import count_events_sent

logger = logging.getLogger(__name__)

SEND_TIMEOUT_S = 5
FLUSH_TIMEOUT_S = 10

Batch = list[tuple[str, dict[str, Any]]]


class _Sender:
    """One event loop in a daemon thread, and one task on it sending the queued batches in order."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.queue: asyncio.Queue[Batch] | None = None
        self.pending = 0
        self.idle = threading.Condition()
        started = threading.Event()
        self.thread = threading.Thread(
            target=self._run, args=(started,), name="channel-layer-sender", daemon=True
        )
        self.thread.start()
        started.wait()

    def _run(self, started: threading.Event) -> None:
        asyncio.set_event_loop(self.loop)
        self.queue = asyncio.Queue()
        self.loop.create_task(self._drain())
        self.loop.call_soon(started.set)
        self.loop.run_forever()

    async def _drain(self) -> None:
        while True:
            batch = await self.queue.get()
            try:
                await asyncio.wait_for(_send_all(batch), SEND_TIMEOUT_S)
                count_events_sent(len(batch))  # the intelli_events_sent_total metric (apps/ops)
            except Exception:
                logger.warning(
                    "Channel-layer send of %d message(s) failed; clients will resume",
                    len(batch),
                    exc_info=True,
                )
            finally:
                with self.idle:
                    self.pending -= 1
                    if not self.pending:
                        self.idle.notify_all()

    def submit(self, batch: Batch) -> None:
        with self.idle:
            self.pending += 1
        self.loop.call_soon_threadsafe(self.queue.put_nowait, batch)

    def flush(self, timeout: float) -> bool:
        with self.idle:
            return self.idle.wait_for(lambda: not self.pending, timeout=timeout)


_sender: _Sender | None = None
_sender_pid: int | None = None
_sender_lock = threading.Lock()


def _get_sender() -> _Sender:
    global _sender, _sender_pid
    with _sender_lock:
        if _sender is None or _sender_pid != os.getpid():
            _sender = _Sender()
            _sender_pid = os.getpid()
        return _sender


async def _send_all(messages: Batch) -> None:
    layer = get_channel_layer()
    if layer is None:
        return
    for group, message in messages:
        await layer.group_send(group, message)


def group_send_many(messages: Iterable[tuple[str, dict[str, Any]]]) -> None:
    """Queue (group, message) pairs to be sent in order after everything queued before; never raises."""
    batch = list(messages)
    if batch:
        _get_sender().submit(batch)
        if getattr(settings, "INTELLI_BROADCAST_WAIT", False):
            flush(SEND_TIMEOUT_S)


def flush(timeout: float = FLUSH_TIMEOUT_S) -> bool:
    """Wait until every queued message of this process has been sent (or failed). False on timeout."""
    if _sender is None or _sender_pid != os.getpid():
        return True
    done = _sender.flush(timeout)
    if not done:
        logger.warning("Channel-layer sends still pending after %s s; clients will resume", timeout)
    return done


atexit.register(flush)
