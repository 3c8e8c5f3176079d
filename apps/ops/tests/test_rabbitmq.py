"""The same product on RabbitMQ: CELERY_BROKER_URL=amqp://… while the channel layer and cancel
flags stay on Redis. Runs when RabbitMQ answers on 127.0.0.1:5672 (skips otherwise)."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

from apps.accounts.tests.factories import UserFactory
from apps.core.queues import Queue
from apps.core.testing.stack import LiveStack
from apps.jobs.tests.test_e2e import PASSWORD, Client, receive_until_finished

from .conftest import subprocess_env

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
ANALYSES = ["publication_trend", "top_applicants", "top_countries"]


def rabbitmq_answers() -> bool:
    with socket.socket() as sock:
        sock.settimeout(1)
        return sock.connect_ex(("127.0.0.1", 5672)) == 0


def _rabbitmqctl(*args: str) -> bool:
    tool = shutil.which("rabbitmqctl") or "/usr/sbin/rabbitmqctl"
    if not Path(tool).exists():
        return False
    try:
        return subprocess.run([tool, "-q", *args], capture_output=True, timeout=60).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


@pytest.fixture(scope="module")
def rabbit_stack(django_db_setup, django_db_blocker, tmp_path_factory):
    if not rabbitmq_answers():
        pytest.skip("RabbitMQ does not answer on 127.0.0.1:5672")
    # A virtual host of its own, so test sessions running at once never share queues; the default
    # one when rabbitmqctl cannot create it.
    vhost = f"intelli-test-{os.getpid()}"
    own_vhost = _rabbitmqctl("add_vhost", vhost) and _rabbitmqctl(
        "set_permissions", "-p", vhost, "guest", ".*", ".*", ".*"
    )
    broker = f"amqp://guest:guest@127.0.0.1:5672/{vhost if own_vhost else ''}"
    with django_db_blocker.unblock():
        env = subprocess_env(redis_offset=4, media=str(tmp_path_factory.mktemp("rabbit-media")))
    env["CELERY_BROKER_URL"] = broker
    live = LiveStack(env=env, log_dir=tmp_path_factory.mktemp("rabbit-logs"))
    live.start_daphne()
    for queue in Queue:
        live.start_worker(queue, concurrency=1)
    try:
        live.wait_ready()
        yield live
    finally:
        live.stop()
        if own_vhost:
            _rabbitmqctl("delete_vhost", vhost)


def test_a_job_runs_end_to_end_on_rabbitmq(rabbit_stack):
    analyst = UserFactory(password=PASSWORD)
    client = Client(rabbit_stack, analyst.username)
    dataset = client.upload_ready_dataset()  # ingestion_io through RabbitMQ

    response = client.post(
        "/api/v1/jobs/",
        json={"dataset": dataset["id"], "analyses": [{"key": key} for key in ANALYSES], "style": {"dpi": 80}},
    )
    assert response.status_code == 201, response.text
    job_id = response.json()["id"]
    with client.socket(f"/ws/jobs/{job_id}/") as ws:  # events still travel through Redis
        _snapshot, events, _ = receive_until_finished(ws)

    assert [e["seq"] for e in events] == list(range(1, len(events) + 1))
    assert [e["type"] for e in events].count("item.artifact") == len(ANALYSES)
    assert events[-1]["type"] == "job.finished" and events[-1]["data"]["status"] == "SUCCESS"
    assert client.get(f"/api/v1/jobs/{job_id}/").json()["succeeded"] == len(ANALYSES)
    for name in rabbit_stack.processes:
        if name.startswith("worker-"):
            assert "amqp://guest:**@127.0.0.1:5672" in rabbit_stack.log(name)


def test_check_celery_reads_rabbitmq_queue_depths(rabbit_stack):
    result = subprocess.run(
        [sys.executable, str(Path(settings.BASE_DIR) / "scripts" / "check_celery.py"), "--json"],
        capture_output=True,
        text=True,
        env=rabbit_stack.env,
        timeout=120,
    )
    document = json.loads(result.stdout)
    checks = {c["name"]: c for c in document["checks"]}
    assert result.returncode == 0, result.stdout
    assert checks["broker"]["details"]["kind"] == "amqp" and "guest:***@" in checks["broker"]["summary"]
    queues = checks["queues"]["details"]["queues"]
    assert {name: info["depth"] for name, info in queues.items()} == {q.value: 0 for q in Queue}
    assert all(info["consumers"] == 1 for info in queues.values())
