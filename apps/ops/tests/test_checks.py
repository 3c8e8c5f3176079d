"""scripts/check_celery.py against a healthy stack of real workers (Redis broker) and broken ones:
broker down, no `ai` worker, eager mode on. Flower is started once against the same stack."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests
from django.conf import settings

from apps.core.embedded_redis import free_port
from apps.core.queues import Queue
from apps.core.testing.stack import LiveStack
from apps.ops import checks

from .conftest import subprocess_env

SCRIPT = Path(settings.BASE_DIR) / "scripts" / "check_celery.py"


def run_check(env: dict[str, str], *extra: str) -> tuple[int, dict]:
    result = subprocess.run(
        [sys.executable, str(SCRIPT), "--json", "--timeout", "2", *extra],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        cwd=settings.BASE_DIR,
    )
    try:
        document = json.loads(result.stdout)
    except ValueError as exc:
        raise AssertionError(f"not JSON: {result.stdout}\n{result.stderr}") from exc
    return result.returncode, document


def by_name(document: dict) -> dict[str, dict]:
    return {check["name"]: check for check in document["checks"]}


# --- Unit level (in-process, the session's Redis, no workers) ----------------------------------------


def test_queue_depth_and_oldest_message_age_are_read_from_redis(db):
    from config.celery import app

    app.send_task("jobs.reap_stale_items")  # routed to ingestion_io; no worker listens on this Redis
    time.sleep(0.2)

    result = checks.check_queues()

    assert result.ok
    queues = result.details["queues"]
    assert queues["ingestion_io"]["depth"] == 1 and queues["charts_cpu"]["depth"] == 0
    assert 0 <= queues["ingestion_io"]["oldest_age_s"] < 60
    assert "ingestion_io: 1 (oldest" in result.summary


def test_a_message_waiting_long_is_reported_as_a_backlog():
    old = json.dumps({"headers": {"published_at": time.time() - 900, "eta": None}}).encode()
    assert checks._message_age(old, time.time()) >= 899
    assert checks._message_age(b"not json", time.time()) is None


def test_eager_mode_on_is_a_failure(settings):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    result = checks.check_eager_mode()
    assert not result.ok and "CELERY_TASK_ALWAYS_EAGER" in result.summary and "unset" in result.hint


def test_channel_layer_round_trip_on_the_test_redis():
    result = checks.check_channel_layer()
    assert result.ok, result.summary
    assert result.latency_ms is not None


def test_workers_check_names_the_queue_without_a_consumer():
    replies = {
        "ingestion_io@a": [{"name": "ingestion_io"}],
        "charts_cpu@a": [{"name": "charts_cpu"}],
    }
    result = checks.check_workers(replies=replies)
    assert not result.ok and "no consumer for ai" in result.summary
    assert "--queue ai" in result.hint
    assert result.details["consumers"]["ai"] == []


def test_tasks_check_finds_a_worker_running_other_code():
    expected = checks.code_task_names()
    replies = {"w@a": [*sorted(expected - {"jobs.reap_stale_items"}), "old.task"]}
    result = checks.check_tasks(replies=replies)
    assert not result.ok
    assert result.details["differences"]["w@a"] == {
        "missing": ["jobs.reap_stale_items"],
        "extra": ["old.task"],
    }


def test_passwords_are_redacted():
    assert checks.redact_url("redis://:s3cret@host:6379/0") == "redis://:***@host:6379/0"
    assert checks.redact_url("amqp://guest:guest@127.0.0.1:5672//") == "amqp://guest:***@127.0.0.1:5672//"


def test_production_settings_refuse_eager_mode_and_the_script_says_so():
    env = {
        **subprocess_env_minimal(),
        "DJANGO_SETTINGS_MODULE": "config.settings.prod",
        "DJANGO_SECRET_KEY": "x" * 50,
        "CELERY_TASK_ALWAYS_EAGER": "true",
    }
    code, document = run_check(env)
    assert code == 2 and not document["ok"]
    assert "CELERY_TASK_ALWAYS_EAGER" in document["error"]


def subprocess_env_minimal() -> dict[str, str]:
    import os

    return {**os.environ, "PYTHONUNBUFFERED": "1"}


# --- Against real workers ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def worker_stack(django_db_setup, django_db_blocker, tmp_path_factory):
    with django_db_blocker.unblock():
        env = subprocess_env(redis_offset=2, media=str(tmp_path_factory.mktemp("ops-media")))
    live = LiveStack(env=env, log_dir=tmp_path_factory.mktemp("ops-logs"))
    for queue in Queue:
        live.start_worker(queue, concurrency=1)
    live.wait_ready()
    yield live
    live.stop()


@pytest.mark.e2e
def test_a_healthy_stack_passes_every_check(worker_stack):
    code, document = run_check(worker_stack.env)

    checks_by_name = by_name(document)
    assert code == 0, document
    assert document["ok"] and set(checks_by_name) == set(checks.CHECK_NAMES)
    consumers = checks_by_name["workers"]["details"]["consumers"]
    assert all(len(consumers[q.value]) == 1 for q in Queue)
    assert checks_by_name["broker"]["latency_ms"] is not None
    assert checks_by_name["tasks"]["details"]["differences"] == {}


@pytest.mark.e2e
def test_the_human_output_has_a_line_per_check(worker_stack):
    result = subprocess.run(
        [sys.executable, str(SCRIPT)], capture_output=True, text=True, env=worker_stack.env, timeout=120
    )
    assert result.returncode == 0, result.stdout
    lines = [line for line in result.stdout.splitlines() if line[:1] in "✓✗"]
    assert len(lines) == len(checks.CHECK_NAMES) and all(line.startswith("✓") for line in lines)


@pytest.mark.e2e
def test_a_broker_that_is_down_fails_the_broker_and_worker_checks(worker_stack):
    env = {**worker_stack.env, "CELERY_BROKER_URL": f"redis://127.0.0.1:{free_port()}/0"}
    code, document = run_check(env)

    failed = {name for name, check in by_name(document).items() if not check["ok"]}
    assert code == 1
    assert failed == {"broker", "workers", "tasks", "queues"}
    assert "CELERY_BROKER_URL" in by_name(document)["broker"]["hint"]


@pytest.mark.e2e
def test_eager_mode_fails_the_eager_check_only(worker_stack):
    code, document = run_check({**worker_stack.env, "CELERY_TASK_ALWAYS_EAGER": "true"})

    failed = {name for name, check in by_name(document).items() if not check["ok"]}
    assert code == 1 and failed == {"eager_mode"}


@pytest.mark.e2e
@pytest.mark.slow
def test_flower_sees_the_workers_and_the_tasks(worker_stack, tmp_path):
    port = free_port()
    env = {**worker_stack.env, "FLOWER_UNAUTHENTICATED_API": "true"}
    log = open(tmp_path / "flower.log", "wb")  # noqa: SIM115  (closed below)
    flower = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "config", "flower", f"--port={port}", "--address=127.0.0.1"],
        env=env,
        cwd=settings.BASE_DIR,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_port(port, flower, tmp_path / "flower.log")
        deadline = time.monotonic() + 90
        workers: dict = {}
        while time.monotonic() < deadline and len(workers) < len(Queue):
            workers = requests.get(f"{base}/api/workers", params={"refresh": "1"}, timeout=30).json()
            time.sleep(0.5)
        queues = {q["name"] for info in workers.values() for q in info.get("active_queues", [])}
        assert queues == {q.value for q in Queue}

        from config.celery import app

        with app.connection_for_write(env["CELERY_BROKER_URL"]) as conn:
            sent = app.send_task("jobs.reap_stale_items", connection=conn)
        task: dict = {}
        while time.monotonic() < deadline:
            task = requests.get(f"{base}/api/tasks", timeout=10).json().get(sent.id) or {}
            if task.get("state") == "SUCCESS" and task.get("name"):
                break
            time.sleep(0.5)
        assert task.get("name") == "jobs.reap_stale_items" and task.get("state") == "SUCCESS", task
    finally:
        flower.terminate()
        flower.wait(timeout=20)
        log.close()


@pytest.mark.e2e
def test_without_an_ai_worker_the_workers_check_fails_naming_ai(worker_stack):
    # Last in this module: it stops the stack's ai worker.
    worker_stack.stop_process(f"worker-{Queue.AI.value}")
    time.sleep(1)

    code, document = run_check(worker_stack.env)

    workers = by_name(document)["workers"]
    assert code == 1 and not workers["ok"]
    assert "no consumer for ai" in workers["summary"]
    assert workers["details"]["consumers"]["ai"] == []
    assert {name for name, check in by_name(document).items() if not check["ok"]} == {"workers"}


def _wait_port(port: int, process: subprocess.Popen, log: Path, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(log.read_text(errors="replace"))
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.2)
    raise AssertionError(f"flower did not listen:\n{log.read_text(errors='replace')}")
