"""Faults survived: the stack loses Redis, the web server or its database connections mid-job.

Each test runs a real job on a stack of its own (daphne and a worker per queue, on a Redis server
of its own that the test may stop), watches it as a browser does — reconnecting after a drop and
resuming from the last sequence number it applied — and checks the end: the job in the right
terminal state, every chart made once, one set of files per chart, and every persisted event seen
exactly once, in order.
"""

from __future__ import annotations

import contextlib
import json
import os
import time

import pytest
import redis
from django.db import connection
from websockets.exceptions import ConnectionClosed, InvalidStatus

from apps.core.embedded_redis import free_port, start_redis, stop_redis
from apps.core.testing.stack import LiveStack
from apps.jobs.tests.test_e2e import PASSWORD, Client, _database_url_for_stack, analyst  # noqa: F401

pytestmark = [pytest.mark.e2e, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

WAIT_S = 90
ITEMS = 16


class FaultStack(LiveStack):
    """A LiveStack on a Redis server of its own, which a test may stop and start again."""

    redis_port: int
    redis_dir = None
    redis_process = None

    def start_redis(self) -> None:
        self.redis_process = start_redis(port=self.redis_port, data_dir=self.redis_dir, appendonly=True)

    def restart_redis(self, *, down_s: float) -> None:
        stop_redis(self.redis_process)  # SHUTDOWN writes the append-only file first
        time.sleep(down_s)
        self.start_redis()

    def stop(self) -> None:
        super().stop()
        if self.redis_process is not None:
            stop_redis(self.redis_process)


@pytest.fixture
def fault_stack(django_db_setup, django_db_blocker, tmp_path):
    with django_db_blocker.unblock():
        database_url = _database_url_for_stack()
    port = free_port()
    url = f"redis://127.0.0.1:{port}/0"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": database_url,
        "REDIS_URL": url,
        "CELERY_BROKER_URL": url,
        "MEDIA_ROOT": str(tmp_path / "media"),
        "PYTHONUNBUFFERED": "1",
        # Messages a worker held prefetched when Redis went away come back after the visibility
        # timeout (270 s in production); the charts here take well under a second.
        "CELERY_VISIBILITY_TIMEOUT_S": "20",
    }
    env.pop("CHANNEL_LAYER_URL", None)
    env.pop("CACHE_URL", None)
    stack = FaultStack(env=env, log_dir=tmp_path / "logs")
    stack.redis_port, stack.redis_dir = port, tmp_path / "redis"
    stack.media_root = tmp_path / "media"
    stack.start_redis()
    try:
        stack.start()
        yield stack
    finally:
        stack.stop()


def start_job(client: Client, *, items: int = ITEMS) -> int:
    dataset = client.upload_ready_dataset()
    analyses = [{"key": "publication_trend", "params": {}} for _ in range(items)]
    response = client.post(
        "/api/v1/jobs/", json={"dataset": dataset["id"], "analyses": analyses, "style": {"dpi": 200}}
    )
    assert response.status_code == 201, response.text
    return response.json()["id"]


class Browser:
    """Watches a job as the web UI does: on any drop it reconnects and resumes after the last seq."""

    def __init__(self, client: Client, job_id: int) -> None:
        self.client, self.job_id = client, job_id
        self.events: list[dict] = []
        self.reconnects = 0
        self.socket = None

    @property
    def last_seq(self) -> int:
        return self.events[-1]["seq"] if self.events else 0

    def apply(self, event: dict) -> None:
        if event["seq"] is None or event["type"] == "job.snapshot":
            return
        if event["seq"] <= self.last_seq:
            return  # a duplicate: the UI's reducer drops it too, but the server should not send it
        assert event["seq"] == self.last_seq + 1, f"gap: {self.last_seq} then {event['seq']}"
        self.events.append(event)

    def watch(self, *, until_artifacts: int | None = None) -> None:
        """Read events until job.finished (or until that many artifacts), reconnecting as needed.

        The socket stays open between calls, so a fault injected between two calls hits it live.
        """
        deadline = time.monotonic() + WAIT_S
        while time.monotonic() < deadline:
            try:
                if self.socket is None:
                    self.connect()
                while time.monotonic() < deadline:
                    event = json.loads(self.socket.recv(timeout=15))
                    assert event["type"] != "error", event
                    self.apply(event)
                    if self.finished or (
                        until_artifacts is not None and self.count("item.artifact") >= until_artifacts
                    ):
                        return
            except (ConnectionClosed, InvalidStatus, OSError, TimeoutError):
                self.close()
                self.reconnects += 1
                time.sleep(0.5)
        raise AssertionError(f"job {self.job_id} not finished; last seq {self.last_seq}")

    def connect(self) -> None:
        self.exits = contextlib.ExitStack()
        path = f"/ws/jobs/{self.job_id}/?after_seq={self.last_seq}"
        self.socket = self.exits.enter_context(self.client.socket(path))
        snapshot = json.loads(self.socket.recv(timeout=10))
        assert snapshot["type"] == "job.snapshot"

    def close(self) -> None:
        if self.socket is not None:
            with contextlib.suppress(ConnectionClosed, OSError):
                self.exits.close()
            self.socket = None

    def count(self, event_type: str) -> int:
        return sum(1 for event in self.events if event["type"] == event_type)

    @property
    def finished(self) -> bool:
        return bool(self.events) and self.events[-1]["type"] == "job.finished"


def assert_made_once(stack: LiveStack, client: Client, job_id: int, browser: Browser, *, items: int = ITEMS):
    job = client.wait_job(job_id)
    assert job["status"] == "SUCCESS", [(i["status"], i["error"]) for i in job["items"]]
    assert job["succeeded"] == items
    # Every persisted event exactly once, in order (Browser.apply refuses gaps), up to the end.
    assert [event["seq"] for event in browser.events] == list(range(1, job["event_seq"] + 1))
    assert browser.count("item.artifact") == items and browser.count("job.finished") == 1
    successes = [e for e in browser.events if e["type"] == "item.status" and e["data"]["status"] == "SUCCESS"]
    assert len(successes) == items and len({e["data"]["item"] for e in successes}) == items
    files = [path for path in (stack.media_root / "jobs" / str(job_id)).rglob("*") if path.is_file()]
    assert len(files) == items * 4  # PNG, SVG, CSV and JSON per chart: none twice, none left over


def test_redis_restarted_mid_job(fault_stack, analyst):  # noqa: F811
    """Broker, channel layer and cancel flags all live in Redis: it goes away for 3 s and comes back."""
    client = Client(fault_stack, analyst.username)
    job_id = start_job(client)
    browser = Browser(client, job_id)
    browser.watch(until_artifacts=2)

    fault_stack.restart_redis(down_s=3)

    browser.watch()
    browser.close()
    assert_made_once(fault_stack, client, job_id, browser)
    for name in ("daphne", "worker-charts_cpu"):
        assert fault_stack.processes[name].poll() is None, f"{name} died:\n{fault_stack.log(name)[-3000:]}"


def test_daphne_restarted_while_browsers_watch(fault_stack, analyst):  # noqa: F811
    client = Client(fault_stack, analyst.username)
    job_id = start_job(client)
    browsers = [Browser(client, job_id) for _ in range(3)]
    for browser in browsers:
        browser.watch(until_artifacts=1)

    fault_stack.restart_daphne(down_s=2)

    for browser in browsers:
        browser.watch()
        browser.close()
        assert_made_once(fault_stack, client, job_id, browser)
        assert browser.reconnects >= 1  # the socket really dropped


@pytest.mark.skipif(connection.vendor != "postgresql", reason="terminating backends needs PostgreSQL")
def test_database_connections_dropped_mid_job(fault_stack, analyst):  # noqa: F811
    """Every worker's PostgreSQL connection is terminated while charts run: the tasks retry."""
    client = Client(fault_stack, analyst.username)
    job_id = start_job(client)
    browser = Browser(client, job_id)
    browser.watch(until_artifacts=2)

    # The test settings close a worker's connection after each task (CONN_MAX_AGE = 0): the moment
    # may fall between two tasks of both chart processes, so try again until one is terminated.
    terminated, deadline = [], time.monotonic() + 5
    while not terminated and time.monotonic() < deadline:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
            terminated = cursor.fetchall()
    assert terminated, "no worker connection to terminate"

    browser.watch()
    browser.close()
    assert_made_once(fault_stack, client, job_id, browser)


def test_redis_keeps_what_the_job_needs_on_disk(fault_stack):
    """The stack's Redis runs with the append-only file, as `make run` starts it."""
    info = redis.Redis(port=fault_stack.redis_port).config_get("appendonly")
    assert info == {"appendonly": "yes"}
