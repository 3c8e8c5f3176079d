"""WebSocket consumers: `/ws/jobs/<id>/` (one job, live) and `/ws/jobs/` (the user's job list).

A job socket gets a snapshot on connect, then live events. The client may send
`{"action": "resume", "after_seq": N}` to have every event after N replayed in order, and
`{"action": "ping"}`; a browser reconnecting after a drop puts it in the URL instead
(`/ws/jobs/<id>/?after_seq=N`), so the replay comes before any live event. Live events carry
per-job sequence numbers: the consumer never forwards an event twice, and when the channel layer
dropped some (it is at-most-once, and drops when a socket falls behind) it reads the missing ones
from the event log before forwarding the next — the browser sees every event, in order. An event
that arrives ahead of an earlier one is held for INTELLI_WS_REORDER_WAIT_S first: two chart
processes publish independently, so the earlier one is usually milliseconds behind, not lost. When
nothing arrives for a while on a job that is not finished, the consumer reads the job's last
sequence number and forwards what the layer dropped: a lost *last* event (`job.finished`), which
no later event would reveal, still reaches the browser.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from typing import Any
from urllib.parse import parse_qs

from channels.consumer import get_handler_name
from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.conf import settings
from django.utils import timezone

from apps.jobs.events import EventType, envelope
from apps.jobs.selectors import (
    job_event_mark,
    job_events_after,
    job_for_viewer,
    job_snapshot,
    recent_jobs_snapshot,
)
from apps.ops.metrics import websocket_closed, websocket_opened

from .groups import job_group, user_jobs_group

logger = logging.getLogger(__name__)

MAX_CLIENT_MESSAGE_BYTES = 4096
# Close codes (4000-4999 are the application's): sent when refusing after the handshake.
CLOSE_UNAUTHENTICATED = 4401
CLOSE_NOT_FOUND = 4404
CLOSE_TOO_MANY_MESSAGES = 4429
# Events a job socket holds while it waits for an earlier one (INTELLI_WS_REORDER_WAIT_S); past
# this many it reads the missing ones from the event log at once.
MAX_EARLY_EVENTS = 1000


class MessageBudget:
    """A token bucket: `rate` messages a second on average, bursts of up to `burst`.

    A browser sends a resume after each reconnect and a ping now and then; a client that sends
    far more is broken or hostile, and its socket is closed before it costs the server more.
    """

    def __init__(self, rate: float, burst: int, clock=time.monotonic) -> None:
        self.rate, self.burst, self.clock = rate, burst, clock
        self.tokens, self.stamp = float(burst), clock()

    def take(self) -> bool:
        now = self.clock()
        self.tokens = min(self.burst, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now
        if self.tokens < 1:
            return False
        self.tokens -= 1
        return True


# What the channel layer brings a socket: events to forward, one message per transaction.
EVENT_MESSAGE_TYPES = frozenset({"job.events", "job.event", "jobs.event"})


class BaseConsumer(AsyncJsonWebsocketConsumer):
    job_id: int | None = None

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.budget = MessageBudget(
            rate=settings.INTELLI_WS_MESSAGES_PER_SECOND, burst=settings.INTELLI_WS_MESSAGE_BURST
        )

    async def dispatch(self, message):
        """Channels' dispatch, without its stop on the database thread before every event.

        Channels closes stale database connections before each message it hands a consumer, on
        the process's one database thread: with 500 sockets watching a job that was a queue of
        500 thread hops per event (bench/ws_fanout.py). Forwarding an event reads no database, and
        what does (filling a gap) goes through `database_sync_to_async`, which closes stale
        connections around each call itself. Other messages (connect, frames, disconnect) keep it.
        """
        if message.get("type") in EVENT_MESSAGE_TYPES:
            await getattr(self, get_handler_name(message))(message)
            return
        await super().dispatch(message)

    async def receive(self, text_data=None, bytes_data=None, **kwargs):
        if not self.budget.take():
            rate = settings.INTELLI_WS_MESSAGES_PER_SECOND
            await self.send_error(
                "too_many_messages", f"More than {rate:g} messages a second; reconnect to go on."
            )
            await self.close(code=CLOSE_TOO_MANY_MESSAGES)
            return
        if text_data is None:
            await self.send_error("bad_message", "Send JSON text frames.")
            return
        if len(text_data) > MAX_CLIENT_MESSAGE_BYTES:
            await self.send_error(
                "message_too_large", f"Messages are limited to {MAX_CLIENT_MESSAGE_BYTES} bytes."
            )
            return
        try:
            content = json.loads(text_data)
        except ValueError:
            await self.send_error("bad_message", "The message is not valid JSON.")
            return
        if not isinstance(content, dict):
            await self.send_error("bad_message", 'Expected a JSON object such as {"action": "ping"}.')
            return
        await self.receive_json(content)

    async def receive_json(self, content: dict[str, Any], **kwargs):
        action = content.get("action")
        if action == "ping":
            await self.send_json(
                envelope(type="pong", job_id=self.job_id, seq=None, at=timezone.now(), data={})
            )
        else:
            await self.send_error("unknown_action", f"Unknown action {action!r}.")

    async def accept(self, subprotocol=None, headers=None):
        await super().accept(subprotocol, headers)
        if not getattr(self, "_counted_open", False):
            self._counted_open = True
            await websocket_opened()  # the intelli_websockets_open metric (apps/ops)

    async def websocket_disconnect(self, message):
        if getattr(self, "_counted_open", False):
            self._counted_open = False
            await websocket_closed()
        await super().websocket_disconnect(message)

    async def send_error(self, code: str, message: str) -> None:
        await self.send_json(
            envelope(
                type=EventType.ERROR,
                job_id=self.job_id,
                seq=None,
                at=timezone.now(),
                data={"code": code, "message": message},
            )
        )

    def user(self):
        user = self.scope.get("user")
        return user if user is not None and user.is_authenticated else None


def resume_point(scope: dict[str, Any]) -> int | None:
    """The `after_seq` of the socket's query string (`/ws/jobs/7/?after_seq=42`), if valid."""
    values = parse_qs(scope.get("query_string", b"").decode("latin-1")).get("after_seq", [])
    if len(values) == 1 and values[0].isdigit() and len(values[0]) < 19:
        return int(values[0])
    return None


class SharedSnapshots:
    """Sockets opening the same job at once share one read of its snapshot.

    A job's snapshot is the same for every viewer and stamped with the sequence number it reflects,
    so one read can serve the sockets that open within INTELLI_WS_SNAPSHOT_SHARE_S of it: 500
    browsers opening a job read it a handful of times instead of queueing 500 reads (~10 ms each)
    on the process's one database thread. A socket handed a snapshot read before it joined the
    job's group may have missed events logged in between; it sends them from the log right after
    (`JobConsumer.connect`), and any later gap is filled as usual.
    """

    def __init__(self) -> None:
        # (event loop, job id) -> (when the read started, the read)
        self._reads: dict[tuple[asyncio.AbstractEventLoop, int], tuple[float, asyncio.Task]] = {}

    async def get(self, job_id: int) -> tuple[dict[str, Any], bool]:
        """The job's snapshot, and whether it was read for this call (read after the caller joined)."""
        share_s = settings.INTELLI_WS_SNAPSHOT_SHARE_S
        if share_s <= 0:
            return await database_sync_to_async(job_snapshot)(job_id=job_id), True
        loop = asyncio.get_running_loop()
        now = loop.time()
        for key, (started, _read) in list(self._reads.items()):
            if key[0] is not loop or now - started >= share_s:
                del self._reads[key]
        shared = self._reads.get((loop, job_id))
        if shared is not None:
            return await asyncio.shield(shared[1]), False
        read = loop.create_task(database_sync_to_async(job_snapshot)(job_id=job_id))
        self._reads[(loop, job_id)] = (now, read)
        try:
            # Shielded: a socket closing while the read runs must not cancel it for the others.
            return await asyncio.shield(read), True
        except Exception:
            self._reads.pop((loop, job_id), None)
            raise


shared_snapshots = SharedSnapshots()


class JobConsumer(BaseConsumer):
    async def connect(self):
        user = self.user()
        if user is None:
            await self.close(code=CLOSE_UNAUTHENTICATED)
            return
        job_id = int(self.scope["url_route"]["kwargs"]["job_id"])
        job = await database_sync_to_async(job_for_viewer)(user=user, job_id=job_id)
        if job is None:
            await self.close(code=CLOSE_NOT_FOUND)
            return
        self.job_id = job_id
        self.sent_seq = 0
        # Live events, replays and the catch-up all forward under this lock: never twice, in order.
        self.forwarding = asyncio.Lock()
        # Events that arrived ahead of an earlier one, by sequence number, and the wait for it.
        self.early: dict[int, dict[str, Any]] = {}
        self.reordering: asyncio.Task | None = None
        self.last_forwarded = time.monotonic()
        # Join before reading the snapshot: events committed meanwhile arrive after it and are
        # filtered by sequence number, so none falls between the two.
        await self.channel_layer.group_add(job_group(job_id), self.channel_name)
        await self.accept()
        snapshot, read_after_joining = await shared_snapshots.get(job_id)
        self.sent_seq = snapshot["seq"]
        await self.send_json(snapshot)
        # A browser coming back after a drop says where it stopped in the URL: the missed events are
        # replayed here, before this consumer handles any live one, so they arrive in order.
        after_seq = resume_point(self.scope)
        if after_seq is not None:
            await self.resume(after_seq)
        if not read_after_joining:
            await self.catch_up_now()  # what was logged between the shared read and the join
        self.catching_up = asyncio.create_task(self.catch_up())

    async def disconnect(self, code):
        for task in (getattr(self, "catching_up", None), getattr(self, "reordering", None)):
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):  # its errors were logged
                    await task
        if self.job_id is not None:
            await self.channel_layer.group_discard(job_group(self.job_id), self.channel_name)

    async def catch_up(self) -> None:
        """While the job runs, after each quiet interval, forward what the channel layer dropped."""
        interval = settings.INTELLI_WS_CATCH_UP_S
        while True:
            await asyncio.sleep(interval)
            if time.monotonic() - self.last_forwarded < interval:
                continue
            try:
                last_seq, finished = await self.catch_up_now()
            except Exception:
                logger.warning("Catch-up of job %s failed; trying again", self.job_id, exc_info=True)
                continue
            if finished and last_seq <= self.sent_seq:
                return  # everything the job will ever write has been forwarded

    async def catch_up_now(self) -> tuple[int, bool]:
        """Send what the log holds past this socket's last event; (the job's last seq, finished)."""
        last_seq, finished = await database_sync_to_async(job_event_mark)(job_id=self.job_id)
        if last_seq > self.sent_seq:
            async with self.forwarding:
                await self.fill_gap(upto_seq=last_seq)
        return last_seq, finished

    async def send_snapshot(self, *, replay_truncated: bool = False) -> None:
        snapshot = await database_sync_to_async(job_snapshot)(
            job_id=self.job_id, replay_truncated=replay_truncated
        )
        self.sent_seq = max(self.sent_seq, snapshot["seq"])
        await self.send_json(snapshot)

    async def receive_json(self, content: dict[str, Any], **kwargs):
        if content.get("action") != "resume":
            await super().receive_json(content)
            return
        after = content.get("after_seq")
        if not isinstance(after, int) or isinstance(after, bool) or after < 0:
            await self.send_error("bad_message", "resume needs after_seq, a non-negative integer.")
            return
        await self.resume(after)

    async def resume(self, after_seq: int) -> None:
        async with self.forwarding:
            await self.replay(after_seq)

    async def replay(self, after_seq: int) -> None:
        """Replay every event after `after_seq` up to what this socket has covered, in order."""
        upto = self.sent_seq
        if upto - after_seq > settings.INTELLI_MAX_REPLAY_EVENTS:
            await self.send_snapshot(replay_truncated=True)
            return
        events = await database_sync_to_async(job_events_after)(
            job_id=self.job_id, after_seq=after_seq, upto_seq=upto, limit=settings.INTELLI_MAX_REPLAY_EVENTS
        )
        for event in events:
            await self.send_json(event)

    async def job_events(self, message: dict[str, Any]) -> None:
        """Events persisted together (one transaction), sent as one channel-layer message."""
        for event in message["events"]:
            await self.forward(event)

    async def job_event(self, message: dict[str, Any]) -> None:
        await self.forward(message["event"])

    async def forward(self, event: dict[str, Any]) -> None:
        seq = event.get("seq")
        if seq is None:  # transient (progress): forward as is
            await self.send_json(event)
            return
        async with self.forwarding:
            if seq <= self.sent_seq:
                return  # already sent (in the snapshot, a replay or a gap fill)
            if seq > self.sent_seq + 1 and len(self.early) < MAX_EARLY_EVENTS:
                self.early[seq] = event  # sent when the earlier ones come, or after the wait
            else:
                await self.fill_gap(upto_seq=seq - 1)  # nothing to fill when it follows on
                if seq > self.sent_seq:
                    await self.send_json(event)
                    self.sent_seq = seq
                    self.last_forwarded = time.monotonic()
            await self.send_early()

    async def send_early(self) -> None:
        """Send the held events that now follow on; wait for the earlier ones of the rest.

        Called under the forwarding lock, after anything that may have moved `sent_seq`.
        """
        for seq in sorted(self.early):
            if seq > self.sent_seq + 1:
                break
            event = self.early.pop(seq)
            if seq == self.sent_seq + 1:
                await self.send_json(event)
                self.sent_seq = seq
                self.last_forwarded = time.monotonic()
        if not self.early and self.reordering is not None:
            self.reordering.cancel()
            self.reordering = None
        elif self.early and self.reordering is None:
            self.reordering = asyncio.create_task(self.fill_after_wait())

    async def fill_after_wait(self) -> None:
        """What did not come within the wait was dropped by the channel layer: read it from the log."""
        await asyncio.sleep(settings.INTELLI_WS_REORDER_WAIT_S)
        async with self.forwarding:
            self.reordering = None  # from here on this task is not cancelled by send_early
            if not self.early:
                return
            try:
                await self.fill_gap(upto_seq=max(self.early))
            except Exception:  # the next event or the quiet-interval catch-up tries again
                logger.warning("Reading the missing events of job %s failed", self.job_id, exc_info=True)

    async def fill_gap(self, *, upto_seq: int) -> None:
        """Send the logged events after `sent_seq` up to `upto_seq` (a snapshot if they are too many)."""
        gap = upto_seq - self.sent_seq
        if gap <= 0:
            return
        if gap > settings.INTELLI_MAX_REPLAY_EVENTS:
            await self.send_snapshot(replay_truncated=True)  # cheaper than streaming the history
        else:
            missing = await database_sync_to_async(job_events_after)(
                job_id=self.job_id, after_seq=self.sent_seq, upto_seq=upto_seq, limit=gap
            )
            for earlier in missing:
                await self.send_json(earlier)
                self.sent_seq = max(self.sent_seq, earlier["seq"])
        self.last_forwarded = time.monotonic()
        await self.send_early()


class JobListConsumer(BaseConsumer):
    async def connect(self):
        user = self.user()
        if user is None:
            await self.close(code=CLOSE_UNAUTHENTICATED)
            return
        self.group = user_jobs_group(user.pk)
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()
        snapshot = await database_sync_to_async(recent_jobs_snapshot)(user=user)
        # The last sequence number of each job whose summary this socket has shown (group messages
        # wait until connect returns, so none is handled before this is set).
        self.shown: dict[int, int] = {job["id"]: job["seq"] for job in snapshot["data"]["jobs"]}
        await self.send_json(snapshot)

    async def disconnect(self, code):
        if hasattr(self, "group"):
            await self.channel_layer.group_discard(self.group, self.channel_name)

    async def jobs_event(self, message: dict[str, Any]) -> None:
        event = message["event"]
        job_id, seq = event.get("job"), event.get("seq")
        if event.get("type") == EventType.JOB_UPDATED and seq is not None:
            # A job's chart processes publish their summaries independently, so one can overtake
            # another; shown after it, the older one would take the job back (a finished job
            # listed as running). The sequence number says which is newer.
            if seq <= self.shown.get(job_id, 0):
                return
            self.shown[job_id] = seq
        await self.send_json(event)
