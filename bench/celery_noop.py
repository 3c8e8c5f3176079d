#!/usr/bin/env python
"""How fast is raw Celery on this machine, now? No-op tasks through Redis, nothing of Intelli's.

Issue #7 gives the scale "raw Celery with Redis runs about 1,000 no-op tasks a second on this
machine"; a shared VM's speed moves from one hour to the next, so bench/orchestration.py measures
this first and prints it beside its own figures. A worker of CONCURRENCY prefork processes (the
chart queue's) takes N tasks that each only count themselves in Redis.

    .venv/bin/python bench/celery_noop.py [--tasks 2000]   (starts an embedded Redis)
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import redis
from celery import Celery

HERE = Path(__file__).resolve().parent
BROKER = os.environ.get("NOOP_BROKER_URL", "redis://127.0.0.1:6379/15")
COUNTER = "bench:noop:done"
CONCURRENCY = 2

app = Celery("celery_noop", broker=BROKER)
app.conf.update(task_ignore_result=True, worker_prefetch_multiplier=4, worker_hijack_root_logger=False)


@app.task(name="noop")
def noop() -> None:
    _counter().incr(COUNTER)


_client: redis.Redis | None = None


def _counter() -> redis.Redis:
    global _client
    if _client is None:
        _client = redis.Redis.from_url(BROKER)
    return _client


def noop_rate(broker_url: str, tasks: int = 2000) -> float:
    """Tasks per second of a fresh CONCURRENCY-process worker on broker_url (its queue is emptied first)."""
    env = {**os.environ, "NOOP_BROKER_URL": broker_url}
    client = redis.Redis.from_url(broker_url)
    client.delete(COUNTER, "celery")
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "celery_noop", "worker", "--concurrency", str(CONCURRENCY),
         "--loglevel", "WARNING", "--without-mingle", "--without-gossip", "-Q", "celery"],
        cwd=HERE, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        sender = Celery("celery_noop", broker=broker_url)
        for _ in range(50):  # wait for the worker, warm its processes
            sender.send_task("noop")
        _wait(client, 50, timeout=60)
        client.delete(COUNTER)
        started = time.perf_counter()
        with sender.producer_or_acquire() as producer:
            for _ in range(tasks):
                sender.send_task("noop", producer=producer)
        _wait(client, tasks, timeout=300)
        return tasks / (time.perf_counter() - started)
    finally:
        worker.terminate()
        worker.wait(30)
        client.delete(COUNTER)


def _wait(client: redis.Redis, count: int, *, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while int(client.get(COUNTER) or 0) < count:
        if time.monotonic() > deadline:
            raise SystemExit(
                f"the no-op worker did {int(client.get(COUNTER) or 0)} of {count} tasks in {timeout} s"
            )
        time.sleep(0.01)


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--tasks", type=int, default=2000)
    args = parser.parse_args()
    sys.path.insert(0, str(HERE.parent))
    from apps.core.embedded_redis import free_port, start_redis, stop_redis

    with tempfile.TemporaryDirectory() as work:
        port = free_port()
        server = start_redis(port=port, data_dir=Path(work), appendonly=True)  # as the stack's
        try:
            rate = noop_rate(f"redis://127.0.0.1:{port}/0", args.tasks)
        finally:
            stop_redis(server)
    print(f"raw Celery, {CONCURRENCY} prefork processes, Redis broker: {rate:,.0f} no-op tasks/s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
