"""One trace id follows a request into the tasks it enqueues and onto their log lines."""

from __future__ import annotations

import json
import logging
from types import SimpleNamespace

from apps.core.redis import get_redis
from apps.ops import tracing


def test_published_messages_carry_the_trace_id_and_their_publication_time(db):
    from config.celery import app

    token = tracing.trace_id_var.set("trace-0123456789")
    try:
        app.send_task("jobs.reap_stale_items")
    finally:
        tracing.trace_id_var.reset(token)

    headers = json.loads(get_redis().lindex("ingestion_io", -1))["headers"]
    assert headers["trace_id"] == "trace-0123456789"
    assert headers["published_at"] > 0


def test_a_task_runs_under_its_message_trace_id_and_logs_it(caplog):
    task = SimpleNamespace(name="charts.render_item", request=SimpleNamespace(trace_id="trace-abcdef012345"))
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "drawing", None, None)

    tracing._enter_task(task_id="t1", task=task, args=[42])
    try:
        tracing.ContextFilter().filter(record)
    finally:
        tracing._leave_task(task_id="t1")

    assert (record.trace_id, record.item_id, record.job_id) == ("trace-abcdef012345", 42, None)
    assert tracing.current_trace_id() is None


def test_json_log_lines_carry_the_ids():
    from pythonjsonlogger.json import JsonFormatter

    formatter = JsonFormatter(
        "%(asctime)s %(levelname)s %(name)s %(message)s %(trace_id)s %(job_id)s %(item_id)s",
        rename_fields={"levelname": "level"},
    )
    record = logging.LogRecord("intelli.tasks", logging.INFO, __file__, 1, "task done", None, None)
    token = tracing.job_id_var.set(7)
    try:
        tracing.ContextFilter().filter(record)
    finally:
        tracing.job_id_var.reset(token)
    line = json.loads(formatter.format(record))
    assert line["message"] == "task done" and line["level"] == "INFO" and line["job_id"] == 7


def test_a_requests_trace_id_reaches_the_events_it_writes(api_client, user, monkeypatch):
    """POST /jobs/ with X-Request-ID: the job's first events carry that id, stored and as sent."""
    from apps.datasets.tests.factories import DatasetFactory
    from apps.jobs.events import event_envelope
    from apps.jobs.models import JobEvent

    monkeypatch.setattr("apps.jobs.services.enqueue_items", lambda tickets: None)
    dataset = DatasetFactory(owner=user)
    response = api_client.post(
        "/api/v1/jobs/",
        {"dataset": dataset.pk, "analyses": [{"key": "publication_trend"}]},
        format="json",
        HTTP_X_REQUEST_ID="trace-from-the-browser-01",
    )
    assert response.status_code == 201, response.content
    assert response["X-Request-ID"] == "trace-from-the-browser-01"
    events = list(JobEvent.objects.filter(job_id=response.json()["id"]))
    assert events and {event.trace_id for event in events} == {"trace-from-the-browser-01"}
    assert event_envelope(events[0])["trace"] == "trace-from-the-browser-01"
