"""scripts/start_celery_worker.sh starts a real worker that runs a task and stops cleanly on
SIGTERM; scripts/start_celery_worker.ps1 stays in step with it (same options, queues, messages)."""

from __future__ import annotations

import re
import signal
import subprocess
import time
from pathlib import Path

import pytest
from django.conf import settings

from apps.core.queues import Queue
from apps.ops.launch import worker_command

from .conftest import subprocess_env

SCRIPTS = Path(settings.BASE_DIR) / "scripts"
SH, PS1 = SCRIPTS / "start_celery_worker.sh", SCRIPTS / "start_celery_worker.ps1"
OPTION = re.compile(r"(?<![\w-])--[a-z][a-z-]*")


def _usage(text: str) -> list[str]:
    start = text.index("Usage: start_celery_worker")
    end = text.index("Settings: DJANGO_SETTINGS_MODULE", start)
    return [line.replace(".ps1", ".sh") for line in text[start:end].splitlines()]


def test_the_powershell_script_has_the_same_options_queues_and_messages():
    sh, ps1 = SH.read_text(), PS1.read_text()

    assert _usage(sh) == _usage(ps1)
    assert set(OPTION.findall(_usage(sh)[0])) == {"--queue", "--all", "--beat", "--wait"}
    for queue in Queue:
        assert queue.value in sh and queue.value in ps1
    for message in (
        "Say which queue: --queue ingestion_io|charts_cpu|ai, or --all for one worker on all three.",
        "--queue needs a name: ingestion_io, charts_cpu or ai",
        "--wait needs a number of seconds",
        "use ingestion_io, charts_cpu or ai.",
        "Starting one Celery worker for all queues (hostname all@",
        "Starting celery beat (housekeeping schedule)…",
        "-m apps.ops.launch",
    ):
        assert message in sh and message in ps1, message
    assert "localhost" not in sh + ps1 and "6379" not in sh + ps1  # the broker comes from settings


def test_worker_command_uses_the_queue_profile_and_solo_on_windows():
    charts = worker_command(queue=Queue.CHARTS_CPU, python="py", platform="linux")
    assert (
        charts[charts.index("-Q") + 1] == "charts_cpu" and charts[charts.index("-n") + 1] == "charts_cpu@%h"
    )
    assert charts[charts.index("--concurrency") + 1] == "2"
    assert charts[charts.index("--prefetch-multiplier") + 1] == "1"
    assert "--pool" not in charts

    windows = worker_command(queue=Queue.CHARTS_CPU, python="py", platform="win32")
    assert windows[-2:] == ["--pool", "solo"]
    ai_windows = worker_command(queue=Queue.AI, python="py", platform="win32")
    assert ai_windows[ai_windows.index("--pool") + 1] == "threads" and "solo" not in ai_windows

    every = worker_command(queue=None, python="py", platform="linux")
    assert every[every.index("-Q") + 1] == "ingestion_io,charts_cpu,ai" and "all@%h" in every


def test_without_a_queue_the_script_says_what_to_pass():
    result = subprocess.run(["bash", str(SH)], capture_output=True, text=True, timeout=30)
    assert result.returncode == 2
    assert "Say which queue" in result.stderr and "--all" in result.stderr


@pytest.mark.django_db(transaction=True)
def test_an_unreachable_broker_gives_a_clear_message_and_a_hint(tmp_path):
    from apps.core.embedded_redis import free_port

    env = subprocess_env(redis_offset=3, media=str(tmp_path))
    env["CELERY_BROKER_URL"] = f"redis://:hunter2@127.0.0.1:{free_port()}/0"
    result = subprocess.run(
        ["bash", str(SH), "--queue", "ai", "--wait", "1"], capture_output=True, text=True, env=env, timeout=60
    )
    assert result.returncode == 3
    assert "Waiting for the broker at" in result.stderr or "did not answer within" in result.stderr
    assert "Hint: start redis-server" in result.stderr
    assert "hunter2" not in result.stderr  # the password is never printed


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
def test_the_bash_script_starts_a_worker_that_runs_a_task_and_stops_on_sigterm(tmp_path):
    env = subprocess_env(redis_offset=3, media=str(tmp_path / "media"))
    log_path = tmp_path / "worker.log"
    with open(log_path, "wb") as log:
        worker = subprocess.Popen(
            ["bash", str(SH), "--queue", "ingestion_io", "--", "--concurrency", "1", "--without-mingle"],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            cwd=settings.BASE_DIR,
        )
    try:
        _wait_for(log_path, " ready.", worker)
        assert "ingestion_io@" in log_path.read_text()

        from config.celery import app

        with app.connection_for_write(env["CELERY_BROKER_URL"]) as conn:
            sent = app.send_task("jobs.reap_stale_items", queue=Queue.INGESTION_IO.value, connection=conn)
        _wait_for(log_path, f"task jobs.reap_stale_items[{sent.id}] args=[] state=SUCCESS", worker)

        worker.send_signal(signal.SIGTERM)  # exec: the signal reaches Celery itself, not a shell
        assert worker.wait(timeout=30) == 0
        assert "warm shutdown" in log_path.read_text().lower()
    finally:
        if worker.poll() is None:
            worker.kill()
            worker.wait()


def _wait_for(path: Path, text: str, process: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if text in path.read_text(errors="replace"):
            return
        if process.poll() is not None:
            break
        time.sleep(0.2)
    raise AssertionError(f"{text!r} not seen:\n{path.read_text(errors='replace')[-3000:]}")
