"""Send to channel-layer groups from synchronous code (Celery workers, views, admin actions).

channels_redis keeps one connection pool per event loop. `async_to_sync` called from a plain
thread runs each call on a short-lived loop, which leaves pools bound to closed loops behind
("Event loop is closed" in workers). Instead, each process owns one long-lived loop in a daemon
thread and every send is submitted to it: the pool lives as long as the process, and sends from
many threads are serialised on one loop. A forked child (Celery prefork) starts its own loop.

The channel layer is at-most-once: a failed or dropped send is logged, never raised, because the
event is already persisted and browsers resume from the event log.
"""

from __future__ import annotations

import asyncio
import logging
import os
import threading
from collections.abc import Iterable
from typing import Any

from channels.layers import get_channel_layer

from apps.ops.metrics import count_events_sent

logger = logging.getLogger(__name__)

SEND_TIMEOUT_S = 5


class _LoopThread:
    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self._run, name="channel-layer-sender", daemon=True)
        self.thread.start()

    def _run(self) -> None:
        asyncio.set_event_loop(self.loop)
        self.loop.run_forever()


_sender: _LoopThread | None = None
_sender_pid: int | None = None
_sender_lock = threading.Lock()


def _get_sender() -> _LoopThread:
    global _sender, _sender_pid
    with _sender_lock:
        if _sender is None or _sender_pid != os.getpid():
            _sender = _LoopThread()
            _sender_pid = os.getpid()
        return _sender


async def _send_all(messages: list[tuple[str, dict[str, Any]]]) -> None:
    layer = get_channel_layer()
    if layer is None:
        return
    for group, message in messages:
        await layer.group_send(group, message)


def group_send_many(messages: Iterable[tuple[str, dict[str, Any]]]) -> None:
    """Send (group, message) pairs in order; wait for them, but never raise."""
    batch = list(messages)
    if not batch:
        return
    future = asyncio.run_coroutine_threadsafe(_send_all(batch), _get_sender().loop)
    try:
        future.result(timeout=SEND_TIMEOUT_S)
        count_events_sent(len(batch))  # the intelli_events_sent_total metric (apps/ops)
    except Exception:
        future.cancel()
        logger.warning(
            "Channel-layer send of %d message(s) failed; clients will resume", len(batch), exc_info=True
        )
