"""Start the real product as subprocesses — daphne and one Celery worker per queue — for
end-to-end tests and benchmarks.

Every process gets the same environment: settings module, database URL, Redis URL and media
folder, so they share state exactly as a deployment does.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from apps.core.embedded_redis import free_port
from apps.core.queues import Queue, worker_argv

BASE_DIR = Path(__file__).resolve().parents[3]
START_TIMEOUT_S = 60


@dataclass
class LiveStack:
    env: dict[str, str]
    log_dir: Path
    queues: tuple[Queue, ...] = tuple(Queue)
    http_port: int = field(default_factory=free_port)
    processes: dict[str, subprocess.Popen] = field(default_factory=dict)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.http_port}"

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.http_port}"

    def _spawn(self, name: str, command: list[str]) -> subprocess.Popen:
        self.log_dir.mkdir(parents=True, exist_ok=True)
        log = open(self.log_dir / f"{name}.log", "ab")  # noqa: SIM115  (lives as long as the process)
        process = subprocess.Popen(
            command, cwd=BASE_DIR, env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        self.processes[name] = process
        return process

    def start_worker(self, queue: Queue, *, concurrency: int | None = None) -> subprocess.Popen:
        hostname = f"{queue.value}-{self.http_port}@%h"
        command = worker_argv(queue, python=sys.executable, hostname=hostname, concurrency=concurrency)
        return self._spawn(f"worker-{queue.value}", [*command, "--without-mingle", "--without-gossip"])

    def start_daphne(self) -> subprocess.Popen:
        command = [sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", str(self.http_port)]
        return self._spawn("daphne", [*command, "config.asgi:application"])

    def start(self) -> LiveStack:
        self.start_daphne()
        for queue in self.queues:
            self.start_worker(queue)
        self.wait_ready()
        return self

    def stop_process(self, name: str, sig: signal.Signals = signal.SIGTERM, timeout: float = 20) -> None:
        """Stop one process of the stack (and its children), as an operator or a crash would."""
        process = self.processes.pop(name)
        if process.poll() is None:
            os.killpg(process.pid, sig)
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()

    def restart_daphne(self, *, down_s: float = 0.0) -> None:
        """Stop the web server, stay down `down_s` seconds, start it again on the same port."""
        self.stop_process("daphne")
        time.sleep(down_s)
        self.start_daphne()
        self.wait_ready()

    def wait_ready(self) -> None:
        deadline = time.monotonic() + START_TIMEOUT_S
        pending = set(self.processes)
        while pending and time.monotonic() < deadline:
            for name in list(pending):
                process = self.processes[name]
                if process.poll() is not None:
                    raise RuntimeError(f"{name} exited at start:\n{self.log(name)[-3000:]}")
                if name == "daphne":
                    with socket.socket() as sock:
                        if sock.connect_ex(("127.0.0.1", self.http_port)) == 0:
                            pending.discard(name)
                elif " ready." in self.log(name):
                    pending.discard(name)
            time.sleep(0.1)
        if pending:
            raise RuntimeError(f"Not ready after {START_TIMEOUT_S} s: {sorted(pending)}")

    def log(self, name: str) -> str:
        path = self.log_dir / f"{name}.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def pool_children(self, queue: Queue) -> list[int]:
        import psutil

        main = self.processes[f"worker-{queue.value}"]
        return [child.pid for child in psutil.Process(main.pid).children()]

    def stop(self) -> None:
        for process in self.processes.values():
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in self.processes.values():
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
        self.processes.clear()
