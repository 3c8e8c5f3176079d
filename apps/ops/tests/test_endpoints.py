"""/healthz, /readyz, /metrics and /api/v1/system/: who may see them and what they say."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from apps.accounts.tests.factories import UserFactory
from apps.jobs.models import ImageTask, ItemStatus
from apps.jobs.tests.factories import ImageTaskFactory as ItemFactory
from apps.ops import checks
from apps.ops.metrics import EVENTS_SENT_KEY, count_events_sent

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client():
    client = APIClient()
    client.force_authenticate(UserFactory(is_staff=True))
    return client


def test_healthz_answers_without_touching_the_database(client, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.get("/healthz")
    assert response.status_code == 200 and response.json() == {"status": "ok"}


def test_readyz_is_ready_when_database_broker_and_channel_layer_answer(client):
    response = client.get("/readyz")
    body = response.json()
    assert response.status_code == 200, body
    assert set(body["checks"]) == {"database", "broker", "channel_layer"}


def test_readyz_is_503_when_the_broker_is_down(client, monkeypatch):
    monkeypatch.setattr(
        checks, "check_broker", lambda **kw: checks.CheckResult("broker", False, "refused", hint="start it")
    )
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"]["broker"] == {"ok": False, "summary": "refused"}


def test_the_trace_id_of_a_request_is_answered_and_accepted_from_nginx(client):
    assert len(client.get("/healthz")["X-Request-ID"]) == 32
    assert client.get("/healthz", HTTP_X_REQUEST_ID="abcdef0123456789")["X-Request-ID"] == "abcdef0123456789"
    assert client.get("/healthz", HTTP_X_REQUEST_ID="bad id\n")["X-Request-ID"] != "bad id\n"


def test_system_is_for_staff_only(api_client):
    assert api_client.get("/api/v1/system/").status_code == 403
    assert APIClient().get("/api/v1/system/").status_code in (401, 403)


def test_system_returns_the_checks_workers_queues_and_recent_failures(staff_client, monkeypatch):
    failed = ItemFactory(status=ItemStatus.FAILED, error="The dataset has no inventors.")
    ImageTask.objects.filter(pk=failed.pk).update(finished_at=timezone.now())
    results = [
        checks.CheckResult("broker", True, "answered", latency_ms=1.0),
        checks.CheckResult(
            "workers",
            False,
            "no consumer for ai",
            hint="start it",
            details={
                "workers": {"charts_cpu@a": ["charts_cpu"]},
                "consumers": {"ingestion_io": [], "charts_cpu": ["charts_cpu@a"], "ai": []},
            },
        ),
        checks.CheckResult(
            "queues", True, "…", details={"queues": {"charts_cpu": {"depth": 3, "oldest_age_s": 2.5}}}
        ),
    ]
    monkeypatch.setattr("apps.ops.selectors.run_checks", lambda **kw: results)

    body = staff_client.get("/api/v1/system/").json()

    assert body["ok"] is False
    assert [c["name"] for c in body["checks"]] == ["broker", "workers", "queues"]
    assert body["workers"] == [{"name": "charts_cpu@a", "queues": ["charts_cpu"]}]
    charts = next(q for q in body["queues"] if q["name"] == "charts_cpu")
    assert charts == {"name": "charts_cpu", "depth": 3, "oldest_age_s": 2.5, "consumers": ["charts_cpu@a"]}
    assert body["recent_failures"][0]["item"] == failed.pk
    assert body["recent_failures"][0]["error"] == "The dataset has no inventors."


def test_system_runs_the_real_checks(staff_client):
    body = staff_client.get("/api/v1/system/").json()
    by_name = {c["name"]: c for c in body["checks"]}
    assert set(by_name) == set(checks.CHECK_NAMES)
    assert by_name["broker"]["ok"] and by_name["channel_layer"]["ok"] and by_name["eager_mode"]["ok"]
    assert not by_name["workers"]["ok"]  # no worker listens on the unit tests' Redis


def test_metrics_need_staff_or_the_token(client, settings):
    settings.METRICS_TOKEN = "s3cret-token"
    assert client.get("/metrics").status_code == 401
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer wrong").status_code == 401
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer s3cret-token").status_code == 200
    settings.METRICS_TOKEN = ""
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer ").status_code == 401
    client.force_login(UserFactory(is_staff=True))
    assert client.get("/metrics").status_code == 200
    client.force_login(UserFactory())
    assert client.get("/metrics").status_code == 401


def test_metrics_report_jobs_durations_queues_events_and_sockets(client, settings):
    settings.METRICS_TOKEN = "t0ken-for-tests"
    now = timezone.now()
    item = ItemFactory(status=ItemStatus.SUCCESS, analysis_key="top_applicants")
    ImageTask.objects.filter(pk=item.pk).update(started_at=now - timedelta(seconds=0.2), finished_at=now)
    count_events_sent(3)

    text = client.get("/metrics", HTTP_AUTHORIZATION="Bearer t0ken-for-tests").content.decode()

    assert 'intelli_jobs{status="PENDING"}' in text
    assert (
        'intelli_item_duration_seconds_bucket{analysis="top_applicants",le="0.25",status="SUCCESS"} 1.0'
        in text
    )
    assert (
        'intelli_item_duration_seconds_bucket{analysis="top_applicants",le="0.1",status="SUCCESS"} 0.0'
        in text
    )
    assert 'intelli_queue_depth{queue="charts_cpu"} 0.0' in text
    assert "intelli_events_sent_total 3.0" in text
    assert "intelli_websockets_open 0.0" in text


def test_events_broadcast_are_counted(db):
    from apps.core.redis import get_redis
    from apps.realtime.broadcast import flush, group_send_many

    group_send_many(
        [("job-1", {"type": "job.event", "event": {}}), ("job-2", {"type": "job.event", "event": {}})]
    )
    assert flush(timeout=5)
    assert int(get_redis().get(EVENTS_SENT_KEY)) == 2


def test_the_system_endpoint_is_in_the_openapi_schema(staff_client):
    schema = json.loads(staff_client.get("/api/v1/schema/", HTTP_ACCEPT="application/json").content)
    assert "/api/v1/system/" in schema["paths"]
    assert "System" in schema["components"]["schemas"]
