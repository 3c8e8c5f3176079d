"""Sends from synchronous code reach the channel layer's receivers, in order, through a real Redis."""

from __future__ import annotations

import asyncio
import copy
import logging

import pytest
from channels.layers import get_channel_layer

from apps.core.redis import get_redis
from apps.ops.metrics import EVENTS_SENT_KEY
from apps.realtime import broadcast
from apps.realtime.broadcast import flush, group_send_many

TIMEOUT = 5


@pytest.fixture
def core_layer(settings):
    """channels_redis' classic layer (CHANNEL_LAYER_BACKEND=core) on the same Redis."""
    layers = copy.deepcopy(settings.CHANNEL_LAYERS)
    layers["default"]["BACKEND"] = "channels_redis.core.RedisChannelLayer"
    settings.CHANNEL_LAYERS = layers


@pytest.fixture
def unreachable_layer(settings):
    layers = copy.deepcopy(settings.CHANNEL_LAYERS)
    layers["default"]["CONFIG"]["hosts"][0]["address"] = "redis://127.0.0.1:1/0"  # nothing listens
    settings.CHANNEL_LAYERS = layers


async def listen(*groups: str) -> tuple[object, str]:
    layer = get_channel_layer()
    channel = await layer.new_channel()
    for group in groups:
        await layer.group_add(group, channel)
    return layer, channel


async def received(layer, channel: str, count: int) -> list[dict]:
    return [await asyncio.wait_for(layer.receive(channel), TIMEOUT) for _ in range(count)]


def messages(group: str, start: int, count: int) -> list[tuple[str, dict]]:
    return [
        (group, {"type": "job.event", "event": {"seq": n, "text": "é ✓"}})
        for n in range(start, start + count)
    ]


async def test_the_pubsub_layer_receives_what_sync_code_sends_in_order():
    layer, channel = await listen("job-41", "jobs-user-7")
    sent = [*messages("job-41", 1, 30), ("jobs-user-7", {"type": "jobs.event", "event": {"seq": 30}})]

    sender = broadcast._get_sender()
    for start in range(0, len(sent), 4):  # queued faster than they are sent (no test-settings wait)
        sender.submit(sent[start : start + 4])

    assert await received(layer, channel, len(sent)) == [message for _, message in sent]


async def test_the_core_layer_receives_what_sync_code_sends(core_layer):
    layer, channel = await listen("job-42")

    group_send_many(messages("job-42", 1, 3))

    assert [m["event"]["seq"] for m in await received(layer, channel, 3)] == [1, 2, 3]


def test_an_unreachable_layer_is_logged_never_raised(unreachable_layer, caplog):
    with caplog.at_level(logging.WARNING, logger="apps.realtime.broadcast"):
        group_send_many(messages("job-43", 1, 2))  # returns although nothing can be sent
        assert flush(timeout=TIMEOUT)

    assert "Channel-layer send of 2 message(s) failed; clients will resume" in caplog.text


async def test_sends_go_on_once_the_layer_is_back(settings):
    original = settings.CHANNEL_LAYERS
    layers = copy.deepcopy(original)
    layers["default"]["CONFIG"]["hosts"][0]["address"] = "redis://127.0.0.1:1/0"
    settings.CHANNEL_LAYERS = layers
    group_send_many(messages("job-44", 1, 1))  # fails in the sender thread

    settings.CHANNEL_LAYERS = original
    layer, channel = await listen("job-44")
    group_send_many(messages("job-44", 2, 1))

    assert [m["event"]["seq"] for m in await received(layer, channel, 1)] == [2]


def test_sent_messages_are_counted_by_flush():
    redis = get_redis()
    before = int(redis.get(EVENTS_SENT_KEY) or 0)
    sender = broadcast._get_sender()
    sender.submit(messages("job-45", 1, 3))  # without the test settings' wait: counted later
    sender.submit(messages("job-45", 4, 2))

    assert flush(timeout=TIMEOUT)
    assert int(redis.get(EVENTS_SENT_KEY)) - before == 5


def test_batches_queued_within_the_linger_leave_in_one_round_trip(monkeypatch):
    group_send_many(messages("job-47", 1, 1))  # the sender has its publisher for this layer
    sender = broadcast._get_sender()
    publish, calls = sender.publish, []
    monkeypatch.setattr(broadcast, "LINGER_S", 0.5)  # longer than three submits take on any machine
    monkeypatch.setattr(sender, "publish", lambda batch: (calls.append(len(batch)), publish(batch)))

    for start in (2, 4, 6):
        sender.submit(messages("job-47", start, 2))
    assert flush(timeout=TIMEOUT)

    assert calls == [6]


def events_message(*seqs: int) -> dict:
    return {"type": "job.events", "events": [{"seq": n} for n in seqs]}


def test_a_groups_consecutive_event_batches_are_merged_in_order():
    first, second = events_message(1, 2), events_message(3)
    batch = [
        ("job-1", first),
        ("jobs-user-7", {"type": "jobs.event", "event": {"seq": 2}}),  # another group: no barrier
        ("job-1", second),
        ("job-2", events_message(1)),
        ("job-1", {"type": "job.event", "event": {"seq": None}}),  # another type: a barrier
        ("job-1", events_message(4)),
        ("job-1", events_message(5)),
    ]

    assert broadcast._merged(batch) == [
        ("job-1", events_message(1, 2, 3)),
        ("jobs-user-7", {"type": "jobs.event", "event": {"seq": 2}}),
        ("job-2", events_message(1)),
        ("job-1", {"type": "job.event", "event": {"seq": None}}),
        ("job-1", events_message(4, 5)),
    ]
    assert first == events_message(1, 2) and second == events_message(3)  # the callers' own untouched


async def test_event_batches_queued_within_the_linger_reach_a_socket_as_one_message(monkeypatch):
    layer, channel = await listen("job-48")
    group_send_many(messages("job-48", 1, 1))  # the sender has its publisher for this layer
    assert (await received(layer, channel, 1))[0]["event"]["seq"] == 1
    monkeypatch.setattr(broadcast, "LINGER_S", 0.5)
    sender = broadcast._get_sender()

    sender.submit([("job-48", events_message(2, 3))])  # a chart's last events
    sender.submit([("job-48", events_message(4))])  # the next chart's first, a few ms later

    assert await received(layer, channel, 1) == [events_message(2, 3, 4)]
