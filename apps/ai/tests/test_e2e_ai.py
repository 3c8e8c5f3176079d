"""End to end: daphne and a real `ai` worker (threads pool) against the local OpenAI-compatible
server; a browser-like client asks for a description and watches it stream over the job's WebSocket."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
import redis
import requests
from django.db import connection
from websockets.sync.client import connect as ws_connect

from apps.accounts.tests.factories import UserFactory
from apps.core.queues import Queue
from apps.core.testing.stack import LiveStack

from .conftest import TEST_KEY
from .factories import described_job, drawn_item
from .fake_openai import FakeOpenAI, error, stream

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct horse battery"
WAIT_S = 30
ANSWER = (
    "Publications rose from a single document in 2012 to twelve in 2020, a compound annual growth rate of "
    "36.4% over eight years, and the busiest year was also the latest one shown in the chart."
)


def _own_redis_database() -> str:
    """A Redis database of its own: apart from the unit tests' and from the other e2e stack's."""
    parts = urlsplit(os.environ["REDIS_URL"])
    db = int(parts.path.strip("/") or 0)
    return urlunsplit(parts._replace(path=f"/{(db + 2) % 16}"))


def _database_url() -> str:
    db = connection.settings_dict
    if db["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{db['NAME']}"
    user = db.get("USER") or ""
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    auth = f"{user}{password}@" if user else ""
    return f"postgres://{auth}{db.get('HOST') or '127.0.0.1'}:{db.get('PORT') or 5432}/{db['NAME']}"


@pytest.fixture(scope="module")
def fake_server():
    # About 1 s of streaming: 20 pieces 50 ms apart, so several coalesced deltas go out.
    server = FakeOpenAI(default=lambda: stream(ANSWER, chunks=20, chunk_delay_s=0.05)).start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def ai_stack(django_db_setup, django_db_blocker, tmp_path_factory, fake_server):
    with django_db_blocker.unblock():
        database_url = _database_url()
    media = tmp_path_factory.mktemp("ai-e2e-media")
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": database_url,
        "REDIS_URL": _own_redis_database(),
        "CELERY_BROKER_URL": _own_redis_database(),
        "MEDIA_ROOT": str(media),
        "PYTHONUNBUFFERED": "1",
        "OPENAI_BASE_URL": fake_server.base_url,
        "OPENAI_API_KEY": TEST_KEY,
        "AI_PROVIDER": "openai",
        "AI_MODEL": "gpt-4o-mini",
        "AI_REQUESTS_PER_MINUTE": "600",
        "AI_RETRY_BACKOFF_S": "0.05",
    }
    env.pop("CHANNEL_LAYER_URL", None)
    redis.Redis.from_url(env["REDIS_URL"]).flushdb()
    live = LiveStack(env=env, log_dir=tmp_path_factory.mktemp("ai-e2e-logs"), queues=(Queue.AI,))
    live.media_root = Path(media)
    live.start()
    yield live
    live.stop()


def login(stack: LiveStack, username: str) -> requests.Session:
    http = requests.Session()
    http.headers["Origin"] = stack.base_url
    http.get(f"{stack.base_url}/api/v1/auth/csrf/", timeout=10).raise_for_status()
    http.headers["X-CSRFToken"] = http.cookies["csrftoken"]
    http.post(
        f"{stack.base_url}/api/v1/auth/login/", json={"username": username, "password": PASSWORD}, timeout=10
    ).raise_for_status()
    http.headers["X-CSRFToken"] = http.cookies["csrftoken"]
    return http


def events_until(socket, *types: str) -> list[dict]:
    events = []
    deadline = time.monotonic() + WAIT_S
    while time.monotonic() < deadline:
        event = json.loads(socket.recv(timeout=WAIT_S))
        assert event["type"] != "error", event
        events.append(event)
        if event["type"] in types:
            return events
    raise AssertionError(f"none of {types} arrived: {[e['type'] for e in events]}")


def test_a_description_streams_live_to_the_browser(ai_stack, fake_server, settings):
    settings.MEDIA_ROOT = ai_stack.media_root  # the chart's data where the worker will read it
    analyst = UserFactory(password=PASSWORD)
    item = drawn_item(job=described_job(owner=analyst))
    http = login(ai_stack, analyst.username)
    cookies = "; ".join(f"{k}={v}" for k, v in http.cookies.items())

    with ws_connect(
        f"{ai_stack.ws_url}/ws/jobs/{item.job_id}/",
        origin=ai_stack.base_url,
        additional_headers={"Cookie": cookies},
        open_timeout=10,
    ) as socket:
        assert json.loads(socket.recv(timeout=10))["type"] == "job.snapshot"
        response = http.post(f"{ai_stack.base_url}/api/v1/items/{item.pk}/describe/", json={}, timeout=10)
        assert response.status_code == 202, response.text
        events = events_until(socket, "description.done")

        # A second request meets a rejected key: the failure arrives the same way, with its reason.
        fake_server.push(error(401, "Invalid API key"))
        again = http.post(f"{ai_stack.base_url}/api/v1/items/{item.pk}/describe/", json={}, timeout=10)
        assert again.status_code == 202, again.text
        failure = events_until(socket, "description.done", "description.status")
        while failure[-1]["data"].get("status") != "FAILED":
            failure += events_until(socket, "description.done", "description.status")

    deltas = [e for e in events if e["type"] == "description.delta"]
    persisted = [e for e in events if e["seq"] is not None]
    assert len(deltas) >= 2, [e["type"] for e in events]
    assert len(deltas) < 20  # coalesced: fewer events than pieces streamed
    for delta in deltas:
        assert delta["seq"] is None and delta["data"]["item"] == item.pk
        assert ANSWER.startswith(delta["data"]["text"])
    assert [d["data"]["offset"] for d in deltas] == sorted(d["data"]["offset"] for d in deltas)
    assert [(e["type"], e["data"]["status"]) for e in persisted] == [
        ("description.status", "PENDING"),
        ("description.status", "RUNNING"),
        ("description.done", "SUCCESS"),
    ]
    assert [e["seq"] for e in persisted] == list(range(persisted[0]["seq"], persisted[0]["seq"] + 3))
    done = persisted[-1]["data"]
    assert (done["text"], done["provider"], done["model"], done["item"]) == (
        ANSWER,
        "openai",
        "gpt-4o-mini",
        item.pk,
    )
    assert done["tokens_in"] == 120 and done["latency_ms"] >= 900

    assert failure[-1]["data"]["error"].startswith("API key rejected by the AI provider (HTTP 401)")

    # Every fact pushed is readable over REST too.
    history = http.get(f"{ai_stack.base_url}/api/v1/items/{item.pk}/descriptions/", timeout=10).json()
    assert [(h["generation"], h["status"]) for h in history] == [(2, "FAILED"), (1, "SUCCESS")]
    assert history[1]["text"] == ANSWER

    log = ai_stack.log("worker-ai")
    assert "(thread)" in log  # the threads pool of apps/core/queues.py
    assert "Event loop is closed" not in log and "database is locked" not in log
    assert TEST_KEY not in log
