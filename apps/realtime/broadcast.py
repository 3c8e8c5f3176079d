"""Send to channel-layer groups from synchronous code (Celery workers, views, admin actions).

Callers put batches on a queue and go on: a chart does not wait for Redis. One daemon thread per
process sends them one after another, so messages leave in the order they were submitted. It
waits a few milliseconds after a batch arrives (LINGER_S) and sends whatever has queued up by then
in one go; messages of one type to one group that carry a list of `events` are merged into one
(in order), so a socket wakes once for them. A forked child (Celery prefork) starts its own thread.

How the thread sends depends on the layer:

- **The pub/sub layer** (`RedisPubSubChannelLayer`, the default): a group send is one `PUBLISH`
  on a channel named after the group. channels_redis only offers it as a coroutine, and running
  coroutines from a worker costs more than the publish: an event loop woken through its self-pipe,
  a task and a future per batch, the asyncio Redis client. Those cost a chart ~1.4 ms of CPU
  against 3.4 ms for everything else around it (`bench/orchestration.py`, with broadcasts off),
  and the loop's thread took the GIL from the chart at every wake-up. So the thread publishes
  with redis-py's blocking client instead: one pipelined round trip per shard for everything
  queued. It uses the layer's own channel names, shard choice, connection settings and
  serializer, so consumers cannot tell the difference (`test_broadcast.py` checks it against the
  layer's `receive`).
- **Any other layer** (`RedisChannelLayer`, the in-memory layer): its `group_send` coroutine, on an
  event loop the thread keeps for the life of the process. channels_redis keeps one connection
  pool per loop, and `async_to_sync` from a plain thread would leave pools bound to closed loops
  behind ("Event loop is closed" in workers).

With `INTELLI_BROADCAST_WAIT` (the test settings) each call waits for its send. `flush()` waits
until everything submitted has been sent; it runs when the process exits (atexit, and Celery's
worker_process_shutdown for pool children, which leave through `os._exit`).

The channel layer is at-most-once: a failed or dropped send is logged, never raised, because the
event is already persisted and browsers resume from the event log.
"""

from __future__ import annotations

import asyncio
import atexit
import logging
import os
import queue
import threading
import time
from collections.abc import Iterable
from typing import Any

import redis
from channels.layers import get_channel_layer
from channels_redis.pubsub import RedisPubSubChannelLayer, RedisPubSubLoopLayer
from django.conf import settings

from apps.ops.metrics import count_events_sent

logger = logging.getLogger(__name__)

SEND_TIMEOUT_S = 5
FLUSH_TIMEOUT_S = 10
# How long the thread waits after a batch arrives before sending it (flush() does not wait): what
# comes meanwhile goes in the same round trip, and a chart's task ends before the send takes the GIL
# (with no wait the send ran inside the task's last milliseconds: bench/orchestration.py). 10 ms
# covers a chart process's hand-off to its next chart (3-7 ms), so a chart's last events and the
# next one's first leave as one message; a browser cannot see 10 ms (a screen frame is 16 ms).
LINGER_S = 0.01
# The sent-messages metric is added to Redis at most this often (and on flush), not per batch.
COUNT_EVERY_S = 1.0

Batch = list[tuple[str, dict[str, Any]]]
_FLUSH = None  # queued by flush(): count what has been sent, now


def _merged(batch: Batch) -> Batch:
    """The batch with each group's consecutive messages of one type that carry `events` merged, in
    order: the events a chart process commits within LINGER_S reach a socket as one message."""
    merged: Batch = []
    last: dict[str, int] = {}  # group -> index in merged of its latest message
    for group, message in batch:
        index = last.get(group)
        if index is not None and isinstance(message.get("events"), list):
            previous = merged[index][1]
            if previous.get("type") == message.get("type") and isinstance(previous.get("events"), list):
                merged[index] = (group, {**previous, "events": previous["events"] + message["events"]})
                continue
        last[group] = len(merged)
        merged.append((group, message))
    return merged


class _PubSubPublisher:
    """PUBLISH as channels_redis' pub/sub layer does, from a blocking client, one round trip per shard."""

    def __init__(self, layer: RedisPubSubChannelLayer) -> None:
        self.layer = layer
        # The layer's per-loop half holds its naming and sharding; it connects only when used
        # from a loop, which this one never is.
        self.naming = RedisPubSubLoopLayer(*layer._args, **layer._kwargs, channel_layer=layer)
        self.clients = {
            shard: redis.Redis(connection_pool=_blocking_pool(shard.host)) for shard in self.naming._shards
        }  # connect when first used

    def __call__(self, batch: Batch) -> None:
        pipelines: dict[Any, redis.client.Pipeline] = {}
        for group, message in batch:
            channel = self.naming._get_group_channel_name(group)
            shard = self.naming._get_shard(channel)
            if shard not in pipelines:
                pipelines[shard] = self.clients[shard].pipeline(transaction=False)
            pipelines[shard].publish(channel, self.layer.serialize(message))
        for pipeline in pipelines.values():
            pipeline.execute()

    def close(self) -> None:
        for client in self.clients.values():
            client.close()


def _blocking_pool(host: dict[str, Any]) -> redis.ConnectionPool:
    """redis-py's blocking twin of channels_redis.utils.create_pool, for one host entry."""
    host = dict(host)
    # The layer's socket timeout sits above its 5 s blocking read; a publish never blocks that long.
    host["socket_timeout"] = min(host.get("socket_timeout") or SEND_TIMEOUT_S, SEND_TIMEOUT_S)
    if "address" in host:
        return redis.ConnectionPool.from_url(host.pop("address"), **host)
    master_name = host.pop("master_name", None)
    if master_name is not None:
        from redis.sentinel import Sentinel, SentinelConnectionPool

        sentinel = Sentinel(host.pop("sentinels"), sentinel_kwargs=host.pop("sentinel_kwargs", None))
        return SentinelConnectionPool(master_name, sentinel, **host)
    return redis.ConnectionPool(**host)


class _LoopPublisher:
    """The layer's own group_send, on one event loop kept for the life of the sending thread."""

    def __init__(self, layer: Any) -> None:
        self.layer = layer
        self.loop = asyncio.new_event_loop()

    def __call__(self, batch: Batch) -> None:
        self.loop.run_until_complete(asyncio.wait_for(self._send_all(batch), SEND_TIMEOUT_S))

    async def _send_all(self, batch: Batch) -> None:
        for group, message in batch:
            await self.layer.group_send(group, message)

    def close(self) -> None:
        self.loop.close()


def _publisher_for(layer: Any) -> _PubSubPublisher | _LoopPublisher | None:
    if layer is None:
        return None
    if isinstance(layer, RedisPubSubChannelLayer):
        return _PubSubPublisher(layer)
    return _LoopPublisher(layer)


class _Sender:
    """One daemon thread sending the queued batches in order."""

    def __init__(self) -> None:
        self.queue: queue.SimpleQueue[Batch | None] = queue.SimpleQueue()
        self.pending = 0
        self.idle = threading.Condition()
        self.layer: Any = None
        self.publish: _PubSubPublisher | _LoopPublisher | None = None
        self.uncounted = 0
        self.counted_at = time.monotonic()
        self.thread = threading.Thread(target=self._run, name="channel-layer-sender", daemon=True)
        self.thread.start()

    def _run(self) -> None:
        while True:
            wait = max(0.0, self.counted_at + COUNT_EVERY_S - time.monotonic()) if self.uncounted else None
            try:
                first = self.queue.get(timeout=wait)
            except queue.Empty:
                self._count()
                continue
            taken = [first]
            # Linger: whatever is queued meanwhile goes in the same round trip, and the caller
            # finishes what it was doing (a chart, its task) before this thread takes the GIL.
            deadline = time.monotonic() + LINGER_S
            while taken[-1] is not _FLUSH:
                try:
                    taken.append(self.queue.get(timeout=max(0.0, deadline - time.monotonic())))
                except queue.Empty:
                    break
            batch = _merged([message for item in taken if item is not _FLUSH for message in item])
            try:
                if batch:
                    self._send(batch)
                if _FLUSH in taken or time.monotonic() - self.counted_at >= COUNT_EVERY_S:
                    self._count()
            finally:
                with self.idle:
                    self.pending -= len(taken)
                    if not self.pending:
                        self.idle.notify_all()

    def _send(self, batch: Batch) -> None:
        try:
            layer = get_channel_layer()
            if layer is not self.layer:  # first send, or the settings changed (tests)
                if self.publish is not None:
                    self.publish.close()
                self.layer, self.publish = layer, _publisher_for(layer)
            if self.publish is not None:
                self.publish(batch)
                self.uncounted += len(batch)
        except Exception:
            logger.warning(
                "Channel-layer send of %d message(s) failed; clients will resume", len(batch), exc_info=True
            )

    def _count(self) -> None:
        if self.uncounted:
            count_events_sent(self.uncounted)  # the intelli_events_sent_total metric (apps/ops)
            self.uncounted = 0
        self.counted_at = time.monotonic()

    def submit(self, batch: Batch | None) -> None:
        with self.idle:
            self.pending += 1
        self.queue.put(batch)

    def flush(self, timeout: float) -> bool:
        self.submit(_FLUSH)
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


def group_send_many(messages: Iterable[tuple[str, dict[str, Any]]]) -> None:
    """Queue (group, message) pairs to be sent in order after everything queued before; never raises."""
    batch = list(messages)
    if batch:
        _get_sender().submit(batch)
        if getattr(settings, "INTELLI_BROADCAST_WAIT", False):
            flush(SEND_TIMEOUT_S)


def flush(timeout: float = FLUSH_TIMEOUT_S) -> bool:
    """Wait until every queued message of this process has been sent (or failed) and counted.

    False on timeout.
    """
    if _sender is None or _sender_pid != os.getpid():
        return True
    done = _sender.flush(timeout)
    if not done:
        logger.warning("Channel-layer sends still pending after %s s; clients will resume", timeout)
    return done


atexit.register(flush)
