"""The event log and the coalescing of transient events."""

from __future__ import annotations

import time

import pytest
from django.db import transaction

from apps.jobs.events import EventType, NewEvent, emit_events, emit_transient

from .factories import job_with_items

pytestmark = pytest.mark.django_db


def test_progress_events_are_coalesced_to_five_per_second_per_job(monkeypatch):
    sent: list = []
    monkeypatch.setattr("apps.jobs.events.group_send_many", lambda messages: sent.extend(messages))
    job, other = job_with_items(1), job_with_items(1)

    results = [emit_transient(job_id=job.pk, type=EventType.ITEM_PROGRESS, data={"n": n}) for n in range(50)]
    assert results.count(True) == 1  # a burst of 50 within 200 ms: one goes out
    assert emit_transient(job_id=other.pk, type=EventType.ITEM_PROGRESS, data={})  # per job
    time.sleep(0.25)
    assert emit_transient(job_id=job.pk, type=EventType.ITEM_PROGRESS, data={"n": "later"})

    assert [m["event"]["seq"] for _, m in sent] == [None, None, None]  # transient: no sequence number


def test_events_are_broadcast_only_after_commit(monkeypatch, django_capture_on_commit_callbacks):
    sent: list = []
    monkeypatch.setattr("apps.jobs.events.group_send_many", lambda messages: sent.extend(messages))
    job = job_with_items(1)
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        rows = emit_events(
            job=job, events=[NewEvent(EventType.LOG, {"a": 1}), NewEvent(EventType.LOG, {"a": 2})]
        )
        assert sent == []
    assert [r.seq for r in rows] == [1, 2]
    # One channel-layer message carries the transaction's events, in order.
    assert [(group, m["type"]) for group, m in sent] == [(f"job.{job.pk}", "job.events")]
    events = sent[0][1]["events"]
    assert [e["seq"] for e in events] == [1, 2]
    assert events[0]["v"] == 1 and events[0]["at"].endswith("Z")


@pytest.mark.django_db(transaction=True)
def test_events_outside_a_transaction_are_refused():
    job = job_with_items(1)
    with pytest.raises(RuntimeError, match=r"inside transaction\.atomic"):
        emit_events(job=job, events=[NewEvent(EventType.LOG, {})])
