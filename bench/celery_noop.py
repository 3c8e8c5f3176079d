#!/usr/bin/env python
"""How fast is raw Celery on this machine, now? Tasks through Redis, nothing of Intelli's.

Two measurements, both on a fresh worker of CONCURRENCY prefork processes (the chart queue's):

- the no-op rate. Issue #7 gives the scale "raw Celery with Redis runs about 1,000 no-op tasks a
  second on this machine"; a shared VM's speed moves from one hour to the next, so
  bench/orchestration.py measures this first and prints it beside its own figures. Each task only
  counts itself in Redis (Celery's defaults: prefetch 4, early acks).
- the overhead of a chart-shaped task: the chart queue's profile (apps.core.queues: prefetch 1,
  late acks, a process that dies puts its message back, the time limits) and a task that keeps a
  core busy for a given CPU time, as a chart does, and records when it started and ended. Its
  overhead is computed as bench/orchestration.py computes Intelli's end to end: ((first start →
  last end) * processes - the tasks' own time) / tasks. What Celery alone costs around a CPU-bound
  task — its parent's fetch, acknowledgement and hand-off, competing with the busy processes for
  the cores — so the difference to Intelli's figure is what Intelli adds.

    .venv/bin/python bench/celery_noop.py [--tasks 2000] [--burn-ms 70 --burn-tasks 300]
    (starts an embedded Redis)
"""

from __future__ import annotations

import argparse
import contextlib
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import psutil
import redis
from celery import Celery

HERE = Path(__file__).resolve().parent
if str(HERE.parent) not in sys.path:  # the worker runs from bench/: the project's queue profiles
    sys.path.insert(0, str(HERE.parent))

from apps.core.queues import QUEUE_PROFILES, Queue, task_options  # noqa: E402

BROKER = os.environ.get("NOOP_BROKER_URL", "redis://127.0.0.1:6379/15")
COUNTER = "bench:noop:done"
SPANS = "bench:noop:spans"
CHARTS = QUEUE_PROFILES[Queue.CHARTS_CPU]
CONCURRENCY = CHARTS.concurrency

app = Celery("celery_noop", broker=BROKER)
app.conf.update(task_ignore_result=True, worker_prefetch_multiplier=4, worker_hijack_root_logger=False)
if os.environ.get("NOOP_PROFILE") == "charts":
    app.conf.update(worker_prefetch_multiplier=CHARTS.prefetch_multiplier)


@app.task(name="noop")
def noop() -> None:
    _counter().incr(COUNTER)


@app.task(name="burn", **task_options(Queue.CHARTS_CPU))  # late acks, time limits: a chart's options
def burn(cpu_ms: float) -> None:
    """Keep the core busy for cpu_ms of this thread's CPU time; record the task's wall span."""
    started = time.time()
    until = time.thread_time() + cpu_ms / 1000
    while time.thread_time() < until:
        pass
    pipe = _counter().pipeline(transaction=False)
    pipe.rpush(SPANS, f"{started} {time.time()}")
    pipe.incr(COUNTER)
    pipe.execute()


_client: redis.Redis | None = None


def _counter() -> redis.Redis:
    global _client
    if _client is None:
        _client = redis.Redis.from_url(BROKER)
    return _client


def noop_rate(broker_url: str, tasks: int = 2000) -> float:
    """Tasks per second of a fresh CONCURRENCY-process worker on broker_url (its queue is emptied first)."""
    with _worker(broker_url) as (sender, client, _):
        for _ in range(50):  # warm the worker's processes
            sender.send_task("noop")
        _wait(client, 50, timeout=60)
        client.delete(COUNTER)
        started = time.perf_counter()
        with sender.producer_or_acquire() as producer:
            for _ in range(tasks):
                sender.send_task("noop", producer=producer)
        _wait(client, tasks, timeout=300)
        return tasks / (time.perf_counter() - started)


def chart_shaped_overhead(broker_url: str, *, cpu_ms: float, tasks: int = 300) -> tuple[float, float]:
    """Raw Celery around tasks that each burn cpu_ms of CPU, on the chart queue's profile: its
    overhead per task (ms, end to end) and its parent process's CPU per task (ms)."""
    with _worker(broker_url, profile="charts") as (sender, client, worker):
        for _ in range(2 * CONCURRENCY):  # warm the worker's processes
            sender.send_task("burn", args=[1.0])
        _wait(client, 2 * CONCURRENCY, timeout=60)
        client.delete(COUNTER, SPANS)
        parent = psutil.Process(worker.pid)
        parent_cpu = sum(parent.cpu_times()[:2])
        with sender.producer_or_acquire() as producer:
            for _ in range(tasks):
                sender.send_task("burn", args=[cpu_ms], producer=producer)
        _wait(client, tasks, timeout=60 + tasks * cpu_ms / 1000)
        parent_cpu = sum(parent.cpu_times()[:2]) - parent_cpu
        spans = [tuple(map(float, raw.split())) for raw in client.lrange(SPANS, 0, -1)]
    wall_s = max(end for _, end in spans) - min(start for start, _ in spans)
    own_s = sum(end - start for start, end in spans)
    return (wall_s * CONCURRENCY - own_s) * 1000 / len(spans), parent_cpu * 1000 / len(spans)


@contextlib.contextmanager
def _worker(broker_url: str, *, profile: str = "") -> Iterator[tuple[Celery, redis.Redis, subprocess.Popen]]:
    """A fresh worker on broker_url (its queue and counters emptied first), a client to send with,
    and the worker's process."""
    env = {**os.environ, "NOOP_BROKER_URL": broker_url, "NOOP_PROFILE": profile}
    client = redis.Redis.from_url(broker_url)
    client.delete(COUNTER, SPANS, "celery")
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "celery_noop", "worker", "--concurrency", str(CONCURRENCY),
         "--loglevel", "WARNING", "--without-mingle", "--without-gossip", "-Q", "celery"],
        cwd=HERE, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        yield Celery("celery_noop", broker=broker_url), client, worker
    finally:
        worker.terminate()
        worker.wait(30)
        client.delete(COUNTER, SPANS)


def _wait(client: redis.Redis, count: int, *, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while int(client.get(COUNTER) or 0) < count:
        if time.monotonic() > deadline:
            done = int(client.get(COUNTER) or 0)
            raise SystemExit(f"the raw Celery worker did {done} of {count} tasks in {timeout:.0f} s")
        time.sleep(0.01)


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--tasks", type=int, default=2000)
    parser.add_argument("--burn-ms", type=float, default=70.0, help="CPU time of a chart-shaped task")
    parser.add_argument("--burn-tasks", type=int, default=300)
    args = parser.parse_args()
    from apps.core.embedded_redis import free_port, start_redis, stop_redis

    with tempfile.TemporaryDirectory() as work:
        port = free_port()
        server = start_redis(port=port, data_dir=Path(work), appendonly=True)  # as the stack's
        try:
            url = f"redis://127.0.0.1:{port}/0"
            rate = noop_rate(url, args.tasks)
            overhead, parent_ms = chart_shaped_overhead(url, cpu_ms=args.burn_ms, tasks=args.burn_tasks)
        finally:
            stop_redis(server)
    print(f"raw Celery, {CONCURRENCY} prefork processes, Redis broker: {rate:,.0f} no-op tasks/s")
    print(
        f"  chart-shaped tasks ({args.burn_ms:g} ms of CPU each; prefetch 1, late acks): "
        f"{overhead:.2f} ms of overhead per task end to end; "
        f"the worker's parent: {parent_ms:.2f} ms of CPU a task"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
