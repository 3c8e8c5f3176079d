"""The job sockets through the real ASGI application and a real Redis channel layer."""

from __future__ import annotations

import asyncio

import pytest
from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from channels.testing import WebsocketCommunicator
from django.contrib.auth.models import AnonymousUser
from django.db import transaction
from django.utils import timezone

from apps.accounts.tests.factories import UserFactory
from apps.jobs.events import EventType, NewEvent, emit_events, envelope
from apps.jobs.models import Job
from apps.jobs.tests.factories import job_with_items
from apps.realtime.consumers import MessageBudget
from apps.realtime.groups import job_group, user_jobs_group
from config.asgi import application

pytestmark = pytest.mark.django_db(transaction=True)

ORIGIN = (b"origin", b"http://127.0.0.1")
TIMEOUT = 5


async def connect(path: str, user, origin=ORIGIN) -> tuple[WebsocketCommunicator, bool]:
    headers = [origin] if origin else []
    communicator = WebsocketCommunicator(application, path, headers=headers)
    communicator.scope["user"] = user  # what the session middleware would have found
    connected, _ = await communicator.connect(timeout=TIMEOUT)
    return communicator, connected


@database_sync_to_async
def make_job(items: int = 2, **kwargs):
    job = job_with_items(items, **kwargs)
    with transaction.atomic():
        emit_events(
            job=job,
            events=[NewEvent(EventType.JOB_STATUS, {"status": "PENDING", "previous": None})],
        )
    return Job.objects.select_related("owner").get(pk=job.pk)


@database_sync_to_async
def add_events(job, count: int) -> list[dict]:
    """Persist events without broadcasting them (as if the channel layer dropped every one)."""
    from apps.jobs.events import event_envelope

    with transaction.atomic():
        rows = emit_events(job=job, events=[NewEvent(EventType.LOG, {"n": i}) for i in range(count)])
        transaction.get_connection().run_on_commit = []  # drop the broadcast
    return [event_envelope(row) for row in rows]


async def test_owner_gets_a_snapshot_then_live_events():
    job = await make_job()
    socket, connected = await connect(f"/ws/jobs/{job.pk}/", job.owner)
    assert connected
    snapshot = await socket.receive_json_from(TIMEOUT)
    assert snapshot["type"] == "job.snapshot" and snapshot["v"] == 1
    assert snapshot["seq"] == 1 and snapshot["job"] == job.pk
    assert [i["status"] for i in snapshot["data"]["items"]] == ["PENDING", "PENDING"]

    @database_sync_to_async
    def emit_live():
        with transaction.atomic():
            emit_events(job=job, events=[NewEvent(EventType.LOG, {"message": "hello"})])

    await emit_live()
    event = await socket.receive_json_from(TIMEOUT)
    assert (event["type"], event["seq"], event["data"]) == ("log", 2, {"message": "hello"})
    await socket.disconnect()


@pytest.mark.parametrize("who", ["anonymous", "another user"])
async def test_strangers_are_refused(who):
    job = await make_job()
    user = AnonymousUser() if who == "anonymous" else await database_sync_to_async(UserFactory)()
    _socket, connected = await connect(f"/ws/jobs/{job.pk}/", user)
    assert not connected


async def test_staff_may_watch_any_job():
    job = await make_job()
    staff = await database_sync_to_async(UserFactory)(is_staff=True)
    socket, connected = await connect(f"/ws/jobs/{job.pk}/", staff)
    assert connected
    await socket.disconnect()


async def test_a_foreign_origin_is_refused():
    job = await make_job()
    _socket, connected = await connect(
        f"/ws/jobs/{job.pk}/", job.owner, origin=(b"origin", b"https://evil.example")
    )
    assert not connected


async def test_resume_replays_every_missed_event_in_order():
    job = await make_job()
    await add_events(job, 5)  # seq 2..6, never broadcast
    socket, _ = await connect(f"/ws/jobs/{job.pk}/", job.owner)
    snapshot = await socket.receive_json_from(TIMEOUT)
    assert snapshot["seq"] == 6

    await socket.send_json_to({"action": "resume", "after_seq": 3})
    replayed = [await socket.receive_json_from(TIMEOUT) for _ in range(3)]
    assert [e["seq"] for e in replayed] == [4, 5, 6]
    assert [e["data"]["n"] for e in replayed] == [2, 3, 4]
    assert await socket.receive_nothing(0.3)
    await socket.disconnect()


async def test_dropped_broadcasts_are_filled_from_the_log_and_duplicates_dropped():
    job = await make_job()
    socket, _ = await connect(f"/ws/jobs/{job.pk}/", job.owner)
    await socket.receive_json_from(TIMEOUT)  # snapshot at seq 1
    missed = await add_events(job, 3)  # seq 2, 3, 4 never broadcast
    layer = get_channel_layer()

    # seq 4 arrives live: 2 and 3 must come first, from the log.
    await layer.group_send(job_group(job.pk), {"type": "job.event", "event": missed[-1]})
    received = [await socket.receive_json_from(TIMEOUT) for _ in range(3)]
    assert [e["seq"] for e in received] == [2, 3, 4]
    # A late duplicate of seq 3 is not forwarded again.
    await layer.group_send(job_group(job.pk), {"type": "job.event", "event": missed[1]})
    assert await socket.receive_nothing(0.3)
    await socket.disconnect()


async def test_an_event_ahead_of_an_earlier_one_waits_for_it_not_for_the_log(settings, monkeypatch):
    """Two chart processes publish independently: the later transaction's events may come first."""
    settings.INTELLI_WS_REORDER_WAIT_S = 5  # past the test's end: a log read here would be a gap fill
    from apps.realtime import consumers

    reads = []
    real = consumers.job_events_after
    monkeypatch.setattr(consumers, "job_events_after", lambda **kw: reads.append(kw) or real(**kw))
    job = await make_job()
    socket, _ = await connect(f"/ws/jobs/{job.pk}/", job.owner)
    await socket.receive_json_from(TIMEOUT)  # snapshot at seq 1
    first, *later = await add_events(job, 3)  # seq 2, then 3 and 4 (another transaction)
    layer = get_channel_layer()

    await layer.group_send(job_group(job.pk), {"type": "job.events", "events": later})
    assert await socket.receive_nothing(0.3)  # held: seq 2 has not been sent
    await layer.group_send(job_group(job.pk), {"type": "job.events", "events": [first]})

    received = [await socket.receive_json_from(TIMEOUT) for _ in range(3)]
    assert [e["seq"] for e in received] == [2, 3, 4]
    assert reads == []
    assert await socket.receive_nothing(0.3)
    await socket.disconnect()


async def test_a_socket_holding_too_many_early_events_reads_the_missing_ones_at_once(settings, monkeypatch):
    settings.INTELLI_WS_REORDER_WAIT_S = 30
    from apps.realtime import consumers

    monkeypatch.setattr(consumers, "MAX_EARLY_EVENTS", 1)
    job = await make_job()
    socket, _ = await connect(f"/ws/jobs/{job.pk}/", job.owner)
    await socket.receive_json_from(TIMEOUT)  # snapshot at seq 1
    events = await add_events(job, 3)  # seq 2, 3, 4; 2 never comes
    layer = get_channel_layer()

    await layer.group_send(job_group(job.pk), {"type": "job.event", "event": events[1]})  # held
    await layer.group_send(job_group(job.pk), {"type": "job.event", "event": events[2]})  # one too many

    received = [await socket.receive_json_from(TIMEOUT) for _ in range(3)]
    assert [e["seq"] for e in received] == [2, 3, 4]
    assert await socket.receive_nothing(0.3)
    await socket.disconnect()


async def test_a_failed_read_after_the_wait_is_logged_and_the_next_event_tries_again(
    settings, monkeypatch, caplog
):
    settings.INTELLI_WS_REORDER_WAIT_S = 0.05
    from apps.realtime import consumers

    reads = []
    real = consumers.job_events_after

    def flaky(**kwargs):
        reads.append(kwargs)
        if len(reads) == 1:
            raise RuntimeError("database unavailable")
        return real(**kwargs)

    monkeypatch.setattr(consumers, "job_events_after", flaky)
    job = await make_job()
    socket, _ = await connect(f"/ws/jobs/{job.pk}/", job.owner)
    await socket.receive_json_from(TIMEOUT)  # snapshot at seq 1
    events = await add_events(job, 3)  # seq 2, 3, 4; 2 never comes
    layer = get_channel_layer()

    await layer.group_send(job_group(job.pk), {"type": "job.event", "event": events[1]})
    assert await socket.receive_nothing(0.3)  # held, and the read after the wait failed
    assert "Reading the missing events of job" in caplog.text
    await layer.group_send(job_group(job.pk), {"type": "job.event", "event": events[2]})

    received = [await socket.receive_json_from(TIMEOUT) for _ in range(3)]
    assert [e["seq"] for e in received] == [2, 3, 4]
    assert len(reads) == 2
    await socket.disconnect()


async def test_a_transactions_events_arrive_as_one_message_and_leave_one_frame_each():
    job = await make_job()
    socket, _ = await connect(f"/ws/jobs/{job.pk}/", job.owner)
    await socket.receive_json_from(TIMEOUT)  # snapshot at seq 1
    batch = await add_events(job, 3)  # seq 2, 3, 4
    await get_channel_layer().group_send(job_group(job.pk), {"type": "job.events", "events": batch})
    received = [await socket.receive_json_from(TIMEOUT) for _ in range(3)]
    assert [e["seq"] for e in received] == [2, 3, 4]
    assert await socket.receive_nothing(0.3)
    await socket.disconnect()


async def test_a_dropped_last_event_reaches_the_browser_after_a_quiet_interval(settings):
    """Nothing comes after `job.finished`: if the layer drops it, only the catch-up can send it."""
    settings.INTELLI_WS_CATCH_UP_S = 0.2
    job = await make_job()
    socket, _ = await connect(f"/ws/jobs/{job.pk}/", job.owner)
    await socket.receive_json_from(TIMEOUT)  # snapshot at seq 1
    await add_events(job, 2)  # seq 2, 3: written, never broadcast, and nothing follows them
    received = [await socket.receive_json_from(TIMEOUT) for _ in range(2)]
    assert [e["seq"] for e in received] == [2, 3]
    # Caught up: a late broadcast of the same events is not forwarded again.
    assert await socket.receive_nothing(0.5)
    await socket.disconnect()


async def test_a_finished_jobs_socket_stops_checking(settings):
    settings.INTELLI_WS_CATCH_UP_S = 0.05
    job = await make_job(status="SUCCESS")
    socket, _ = await connect(f"/ws/jobs/{job.pk}/", job.owner)
    assert (await socket.receive_json_from(TIMEOUT))["type"] == "job.snapshot"
    assert await socket.receive_nothing(0.4)  # checked once, found nothing, and stopped
    await socket.disconnect()


async def test_sockets_opening_a_job_at_once_share_one_snapshot_read(settings, monkeypatch):
    settings.INTELLI_WS_SNAPSHOT_SHARE_S = 30
    from apps.realtime import consumers

    reads = []
    real = consumers.job_snapshot
    monkeypatch.setattr(consumers, "job_snapshot", lambda **kw: reads.append(kw) or real(**kw))
    job = await make_job()

    sockets = [socket for socket, _ in [await connect(f"/ws/jobs/{job.pk}/", job.owner) for _ in range(5)]]
    snapshots = [await socket.receive_json_from(TIMEOUT) for socket in sockets]

    assert len(reads) == 1
    assert {(s["type"], s["seq"]) for s in snapshots} == {("job.snapshot", 1)}
    for socket in sockets:
        await socket.disconnect()


async def test_a_shared_snapshot_is_followed_by_what_was_logged_since_it_was_read(settings):
    settings.INTELLI_WS_SNAPSHOT_SHARE_S = 30
    settings.INTELLI_WS_CATCH_UP_S = 30  # not the quiet-interval catch-up: the join's own
    job = await make_job()
    first, _ = await connect(f"/ws/jobs/{job.pk}/", job.owner)
    assert (await first.receive_json_from(TIMEOUT))["seq"] == 1
    await add_events(job, 2)  # seq 2, 3: logged after the read, never broadcast

    second, _ = await connect(f"/ws/jobs/{job.pk}/", job.owner)

    snapshot = await second.receive_json_from(TIMEOUT)
    assert (snapshot["type"], snapshot["seq"]) == ("job.snapshot", 1)  # the shared read
    missed = [await second.receive_json_from(TIMEOUT) for _ in range(2)]
    assert [e["seq"] for e in missed] == [2, 3]
    assert await second.receive_nothing(0.3)
    for socket in (first, second):
        await socket.disconnect()


async def test_transient_progress_events_pass_through():
    job = await make_job()
    socket, _ = await connect(f"/ws/jobs/{job.pk}/", job.owner)
    await socket.receive_json_from(TIMEOUT)
    progress = envelope(
        type=EventType.ITEM_PROGRESS, job_id=job.pk, seq=None, at=timezone.now(), data={"progress": 50}
    )
    await get_channel_layer().group_send(job_group(job.pk), {"type": "job.event", "event": progress})
    assert (await socket.receive_json_from(TIMEOUT))["data"] == {"progress": 50}
    await socket.disconnect()


@pytest.mark.parametrize(
    ("frame", "code"),
    [
        ("not json", "bad_message"),
        ("[1, 2]", "bad_message"),
        ('{"action": "dance"}', "unknown_action"),
        ('{"action": "resume", "after_seq": -1}', "bad_message"),
        ('{"action": "resume", "after_seq": "7"}', "bad_message"),
        ('{"action": "resume"}', "bad_message"),
        ("x" * 10_000, "message_too_large"),
    ],
)
async def test_bad_frames_get_an_error_and_the_socket_stays_open(frame, code):
    job = await make_job()
    socket, _ = await connect(f"/ws/jobs/{job.pk}/", job.owner)
    await socket.receive_json_from(TIMEOUT)
    await socket.send_to(text_data=frame)
    error = await socket.receive_json_from(TIMEOUT)
    assert error["type"] == "error" and error["data"]["code"] == code
    await socket.send_json_to({"action": "ping"})
    assert (await socket.receive_json_from(TIMEOUT))["type"] == "pong"
    await socket.disconnect()


async def test_binary_frames_are_refused_politely():
    job = await make_job()
    socket, _ = await connect(f"/ws/jobs/{job.pk}/", job.owner)
    await socket.receive_json_from(TIMEOUT)
    await socket.send_to(bytes_data=b"\x00\x01")
    assert (await socket.receive_json_from(TIMEOUT))["data"]["code"] == "bad_message"
    await socket.disconnect()


async def test_job_list_socket_streams_the_users_jobs():
    job = await make_job()
    socket, connected = await connect("/ws/jobs/", job.owner)
    assert connected
    snapshot = await socket.receive_json_from(TIMEOUT)
    assert snapshot["type"] == "jobs.snapshot"
    assert [j["id"] for j in snapshot["data"]["jobs"]] == [job.pk]

    update = envelope(
        type=EventType.JOB_UPDATED, job_id=job.pk, seq=2, at=timezone.now(), data={"id": job.pk}
    )
    await get_channel_layer().group_send(
        user_jobs_group(job.owner_id), {"type": "jobs.event", "event": update}
    )
    assert (await socket.receive_json_from(TIMEOUT))["type"] == "job.updated"
    await socket.disconnect()


async def test_job_list_socket_never_takes_a_job_back_to_an_older_summary():
    """Two chart processes publish independently: a summary can arrive after a newer one."""
    job = await make_job()  # its last event: seq 1
    socket, _ = await connect("/ws/jobs/", job.owner)
    snapshot = await socket.receive_json_from(TIMEOUT)
    assert snapshot["data"]["jobs"][0]["seq"] == 1

    for seq, status in [(1, "PENDING"), (4, "SUCCESS"), (3, "RUNNING"), (4, "SUCCESS"), (5, "SUCCESS")]:
        update = envelope(
            type=EventType.JOB_UPDATED, job_id=job.pk, seq=seq, at=timezone.now(), data={"status": status}
        )
        await get_channel_layer().group_send(
            user_jobs_group(job.owner_id), {"type": "jobs.event", "event": update}
        )

    assert [(await socket.receive_json_from(TIMEOUT))["seq"] for _ in range(2)] == [4, 5]
    assert await socket.receive_nothing(timeout=0.2)
    await socket.disconnect()


async def test_job_list_socket_refuses_anonymous():
    _, connected = await connect("/ws/jobs/", AnonymousUser())
    assert not connected


async def test_socket_survives_a_quiet_period_after_a_burst():
    """A burst, then silence longer than channels_redis' 5 s blocking read: the socket must live.

    With redis-py's default 5 s socket timeout the consumer crashed with TimeoutError here.
    """
    job = await make_job()
    socket, _ = await connect(f"/ws/jobs/{job.pk}/", job.owner)
    await socket.receive_json_from(TIMEOUT)
    layer = get_channel_layer()
    at = timezone.now()
    for seq in range(2, 202):
        progress = envelope(type=EventType.ITEM_PROGRESS, job_id=job.pk, seq=None, at=at, data={"n": seq})
        await layer.group_send(job_group(job.pk), {"type": "job.event", "event": progress})
    for _ in range(200):
        await socket.receive_json_from(TIMEOUT)

    await asyncio.sleep(7)

    await socket.send_json_to({"action": "ping"})
    assert (await socket.receive_json_from(TIMEOUT))["type"] == "pong"
    late = envelope(type=EventType.ITEM_PROGRESS, job_id=job.pk, seq=None, at=at, data={"n": "late"})
    await layer.group_send(job_group(job.pk), {"type": "job.event", "event": late})
    assert (await socket.receive_json_from(TIMEOUT))["data"] == {"n": "late"}
    await socket.disconnect()


async def test_a_huge_frame_gets_an_error_and_the_socket_stays_open():
    job = await make_job()
    socket, _ = await connect(f"/ws/jobs/{job.pk}/", job.owner)
    await socket.receive_json_from(TIMEOUT)
    await socket.send_to(text_data='{"action": "ping", "pad": "' + "x" * 5_000_000 + '"}')
    assert (await socket.receive_json_from(TIMEOUT))["data"]["code"] == "message_too_large"
    await socket.send_json_to({"action": "ping"})
    assert (await socket.receive_json_from(TIMEOUT))["type"] == "pong"
    await socket.disconnect()


async def test_a_flood_is_cut_off_politely_and_other_sockets_carry_on(settings):
    settings.INTELLI_WS_MESSAGES_PER_SECOND = 5
    settings.INTELLI_WS_MESSAGE_BURST = 10
    job = await make_job()
    flooder, _ = await connect(f"/ws/jobs/{job.pk}/", job.owner)
    calm, _ = await connect(f"/ws/jobs/{job.pk}/", job.owner)
    await flooder.receive_json_from(TIMEOUT)
    await calm.receive_json_from(TIMEOUT)

    for _ in range(200):
        await flooder.send_json_to({"action": "ping"})
    replies = []
    while True:
        output = await flooder.receive_output(TIMEOUT)
        if output["type"] == "websocket.close":
            break
        replies.append(output)
    assert output["code"] == 4429
    frames = [message for message in replies if message["type"] == "websocket.send"]
    assert len(frames) <= 11  # the burst's pongs, then one error
    assert '"too_many_messages"' in frames[-1]["text"]

    await calm.send_json_to({"action": "ping"})
    assert (await calm.receive_json_from(TIMEOUT))["type"] == "pong"
    await calm.disconnect()


def test_the_message_budget_refills_at_its_rate():
    now = [0.0]
    budget = MessageBudget(rate=2, burst=3, clock=lambda: now[0])
    assert [budget.take() for _ in range(4)] == [True, True, True, False]
    now[0] = 0.5  # one token back
    assert [budget.take(), budget.take()] == [True, False]
    now[0] = 100.0  # never more than the burst
    assert [budget.take() for _ in range(4)] == [True, True, True, False]


async def test_resume_point_in_the_url_replays_before_any_live_event():
    job = await make_job()
    await add_events(job, 5)  # seqs 2..6, never broadcast
    socket, connected = await connect(f"/ws/jobs/{job.pk}/?after_seq=3", job.owner)
    assert connected
    snapshot = await socket.receive_json_from(TIMEOUT)
    assert snapshot["type"] == "job.snapshot" and snapshot["seq"] == 6
    assert [(await socket.receive_json_from(TIMEOUT))["seq"] for _ in range(3)] == [4, 5, 6]
    await socket.disconnect()


@pytest.mark.parametrize("query", ["after_seq=-1", "after_seq=abc", "after_seq=1&after_seq=2", "after_seq="])
async def test_a_bad_resume_point_in_the_url_is_ignored(query):
    job = await make_job()
    socket, connected = await connect(f"/ws/jobs/{job.pk}/?{query}", job.owner)
    assert connected
    assert (await socket.receive_json_from(TIMEOUT))["type"] == "job.snapshot"
    assert await socket.receive_nothing(0.2)
    await socket.disconnect()
