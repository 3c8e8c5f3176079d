"""End to end: real daphne, real Celery workers on the three queues, real Redis, real WebSocket.

Upload through the API, wait for ingestion, submit the eight-chart job, follow it over the
WebSocket from the first event to `job.finished`, then download what it made.
"""

from __future__ import annotations

import json
import os
import signal
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
import redis
import requests
from django.conf import settings
from django.db import connection
from websockets.exceptions import InvalidStatus
from websockets.sync.client import connect as ws_connect

from apps.accounts.tests.factories import UserFactory
from apps.charts.analyses import CLASSIC_EIGHT
from apps.core.queues import Queue
from apps.core.testing.stack import LiveStack
from apps.datasets.tests.fixtures import build_filters_xlsx

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct horse battery"
WAIT_S = 60


def _redis_url_for_stack() -> str:
    """The stack gets its own Redis database, apart from the one unit tests flush."""
    parts = urlsplit(os.environ["REDIS_URL"])
    db = int(parts.path.strip("/") or 0)
    return urlunsplit(parts._replace(path=f"/{(db + 1) % 16 if db != 15 else 14}"))


def _database_url_for_stack() -> str:
    db = connection.settings_dict
    if db["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{db['NAME']}"
    user = db.get("USER") or ""
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    auth = f"{user}{password}@" if user else ""
    return f"postgres://{auth}{db.get('HOST') or '127.0.0.1'}:{db.get('PORT') or 5432}/{db['NAME']}"


@pytest.fixture(scope="session")
def stack(django_db_setup, django_db_blocker, tmp_path_factory):
    with django_db_blocker.unblock():
        database_url = _database_url_for_stack()
    media = tmp_path_factory.mktemp("e2e-media")
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": database_url,
        "REDIS_URL": _redis_url_for_stack(),
        "CELERY_BROKER_URL": _redis_url_for_stack(),
        "MEDIA_ROOT": str(media),
        "PYTHONUNBUFFERED": "1",
    }
    env.pop("CHANNEL_LAYER_URL", None)
    redis.Redis.from_url(env["REDIS_URL"]).flushdb()  # the stack's own database: start clean
    live = LiveStack(env=env, log_dir=tmp_path_factory.mktemp("e2e-logs"))
    live.media_root = Path(media)
    live.start()
    yield live
    live.stop()


class Client:
    """A browser-like client: session cookie, CSRF header, Origin."""

    def __init__(self, stack: LiveStack, username: str) -> None:
        self.stack = stack
        self.http = requests.Session()
        self.http.headers["Origin"] = stack.base_url
        self.http.get(self.url("/api/v1/auth/csrf/"), timeout=10).raise_for_status()
        response = self.http.post(
            self.url("/api/v1/auth/login/"),
            json={"username": username, "password": PASSWORD},
            headers=self.csrf(),
            timeout=10,
        )
        response.raise_for_status()

    def url(self, path: str) -> str:
        return self.stack.base_url + path

    def csrf(self) -> dict[str, str]:
        return {"X-CSRFToken": self.http.cookies.get("csrftoken", "")}

    def get(self, path: str) -> requests.Response:
        return self.http.get(self.url(path), timeout=10)

    def post(self, path: str, headers: dict[str, str] | None = None, **kwargs) -> requests.Response:
        return self.http.post(
            self.url(path), headers={**self.csrf(), **(headers or {})}, timeout=30, **kwargs
        )

    def socket(self, path: str):
        cookies = "; ".join(f"{k}={v}" for k, v in self.http.cookies.items())
        return ws_connect(
            self.stack.ws_url + path,
            origin=self.stack.base_url,
            additional_headers={"Cookie": cookies},
            open_timeout=10,
        )

    def upload_ready_dataset(self) -> dict:
        response = self.post(
            "/api/v1/datasets/",
            files={"file": ("espacenet-filters.xlsx", build_filters_xlsx())},
            data={"name": "Phytoremediation sensors"},
        )
        assert response.status_code == 201, response.text
        dataset_id = response.json()["id"]
        deadline = time.monotonic() + WAIT_S
        while time.monotonic() < deadline:
            dataset = self.get(f"/api/v1/datasets/{dataset_id}/").json()
            if dataset["status"] in ("READY", "FAILED"):
                assert dataset["status"] == "READY", dataset["error"]
                return dataset
            time.sleep(0.1)
        raise AssertionError("the dataset was not read in time")

    def wait_job(self, job_id: int, statuses=("SUCCESS", "PARTIAL_SUCCESS", "FAILED", "CANCELLED")) -> dict:
        deadline = time.monotonic() + WAIT_S
        while time.monotonic() < deadline:
            job = self.get(f"/api/v1/jobs/{job_id}/").json()
            if job["status"] in statuses:
                return job
            time.sleep(0.1)
        raise AssertionError(f"job {job_id} did not finish in time")


def receive_until_finished(socket) -> tuple[dict, list[dict], list[dict]]:
    """Read a job socket to `job.finished`: (snapshot, persisted events, transient events)."""
    snapshot = json.loads(socket.recv(timeout=10))
    assert snapshot["type"] == "job.snapshot"
    socket.send(json.dumps({"action": "resume", "after_seq": 0}))
    persisted, transient = [], []
    deadline = time.monotonic() + WAIT_S
    while time.monotonic() < deadline:
        event = json.loads(socket.recv(timeout=WAIT_S))
        assert event["v"] == 1 and event["type"] != "error", event
        (persisted if event["seq"] is not None else transient).append(event)
        if event["type"] == "job.finished":
            return snapshot, persisted, transient
    raise AssertionError("no job.finished event")


@pytest.fixture
def analyst(transactional_db):
    return UserFactory(password=PASSWORD)


def test_an_export_becomes_eight_charts_watched_live(stack, analyst):
    client = Client(stack, analyst.username)
    dataset = client.upload_ready_dataset()
    assert dataset["detected_format"] == "espacenet_filters"
    assert all(fit["available"] for fit in dataset["analyses"] if fit["key"] in CLASSIC_EIGHT)

    response = client.post(
        "/api/v1/jobs/",
        json={
            "dataset": dataset["id"],
            "analyses": [{"key": key} for key in CLASSIC_EIGHT],
            "style": {"dpi": 100},
        },
        headers={"Idempotency-Key": "e2e-1"},
    )
    assert response.status_code == 201, response.text
    job_id = response.json()["id"]
    with client.socket(f"/ws/jobs/{job_id}/") as socket:
        _snapshot, events, _ = receive_until_finished(socket)

    # Every persisted event exactly once, in order, from the first to job.finished.
    seqs = [e["seq"] for e in events]
    assert seqs == list(range(1, len(seqs) + 1))
    types = [e["type"] for e in events]
    assert types[0] == "job.status" and events[0]["data"]["status"] == "PENDING"
    assert types.count("item.artifact") == 8 and types.count("job.finished") == 1
    item_statuses = [e["data"]["status"] for e in events if e["type"] == "item.status"]
    assert item_statuses.count("RUNNING") == 8 and item_statuses.count("SUCCESS") == 8
    assert events[-1]["data"]["status"] == "SUCCESS" and events[-1]["data"]["succeeded"] == 8

    job = client.get(f"/api/v1/jobs/{job_id}/").json()
    assert job["status"] == "SUCCESS" and job["event_seq"] == seqs[-1]
    for item in job["items"]:
        png = client.get(item["artifacts"]["png"])
        assert png.status_code == 200 and png.content.startswith(b"\x89PNG")
        assert b"<svg" in client.get(item["artifacts"]["svg"]).content
        assert client.get(item["artifacts"]["csv"]).text.splitlines()[0]
        assert json.loads(client.get(item["artifacts"]["json"]).content)["rows"]

    # Two chart processes and the ingestion worker wrote at once: SQLite never refused a writer.
    # Events were sent from the workers' own event loop: channels_redis never met a closed one.
    for worker in ("worker-charts_cpu", "worker-ingestion_io"):
        assert "database is locked" not in stack.log(worker)
        assert "Event loop is closed" not in stack.log(worker)

    # A double submit returns the same job.
    again = client.post(
        "/api/v1/jobs/",
        json={"dataset": dataset["id"], "analyses": [{"key": "forecast"}]},
        headers={"Idempotency-Key": "e2e-1"},
    )
    assert again.status_code == 200 and again.json()["id"] == job_id

    # Another user sees nothing: 404 over REST, a refused socket.
    stranger = UserFactory(password=PASSWORD)
    other = Client(stack, stranger.username)
    assert other.get(f"/api/v1/jobs/{job_id}/").status_code == 404
    assert other.get(job["items"][0]["artifacts"]["png"]).status_code == 404
    with pytest.raises(InvalidStatus), other.socket(f"/ws/jobs/{job_id}/"):
        pass


def test_a_chart_worker_killed_mid_chart_reruns_the_chart(stack, analyst):
    """SIGKILL every charts pool process while charts are drawing: the charts run again."""
    client = Client(stack, analyst.username)
    dataset = client.upload_ready_dataset()
    # Large, high-resolution charts take long enough to be caught mid-render.
    style = {"dpi": 400, "width": 16, "height": 10}
    analyses = [{"key": key} for key in CLASSIC_EIGHT]
    response = client.post(
        "/api/v1/jobs/", json={"dataset": dataset["id"], "analyses": analyses, "style": style}
    )
    assert response.status_code == 201, response.text
    job_id = response.json()["id"]

    deadline = time.monotonic() + WAIT_S
    while time.monotonic() < deadline:
        items = client.get(f"/api/v1/jobs/{job_id}/").json()["items"]
        if any(item["status"] == "RUNNING" for item in items):
            break
        time.sleep(0.02)
    victims = stack.pool_children(Queue.CHARTS_CPU)
    assert victims
    for pid in victims:
        os.kill(pid, signal.SIGKILL)

    job = client.wait_job(job_id)
    assert job["status"] == "SUCCESS", [(i["analysis_key"], i["status"], i["error"]) for i in job["items"]]
    assert job["succeeded"] == 8
    assert max(item["attempts"] for item in job["items"]) >= 2  # something ran again
    # One set of artifacts per chart: nothing duplicated by the rerun.
    files = sorted(p.name for p in (stack.media_root / "jobs" / str(job_id)).rglob("*") if p.is_file())
    assert len(files) == 8 * 4 and len(set(files)) == 32


def test_cancel_mid_job_ends_cancelled(stack, analyst):
    client = Client(stack, analyst.username)
    dataset = client.upload_ready_dataset()
    analyses = [{"key": "publication_trend", "params": {}} for _ in range(30)]
    response = client.post(
        "/api/v1/jobs/", json={"dataset": dataset["id"], "analyses": analyses, "style": {"dpi": 300}}
    )
    job_id = response.json()["id"]
    with client.socket(f"/ws/jobs/{job_id}/") as socket:
        json.loads(socket.recv(timeout=10))
        while json.loads(socket.recv(timeout=WAIT_S))["type"] != "item.artifact":
            pass  # wait until the job is really under way
        cancel = client.post(f"/api/v1/jobs/{job_id}/cancel/")
        assert cancel.status_code == 200 and cancel.json()["status"] == "CANCELLED"
        finished = []
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and not finished:
            event = json.loads(socket.recv(timeout=10))
            if event["type"] == "job.finished":
                finished.append(event)
        assert finished and finished[0]["data"]["status"] == "CANCELLED"

    time.sleep(1)  # let running charts reach their checkpoint
    job = client.get(f"/api/v1/jobs/{job_id}/").json()
    assert job["status"] == "CANCELLED"
    assert job["succeeded"] + job["cancelled"] == 30 and job["cancelled"] > 0
    assert settings.CELERY_TASK_ALWAYS_EAGER is False
