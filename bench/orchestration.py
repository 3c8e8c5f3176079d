#!/usr/bin/env python
"""What does the machinery around a chart cost? A 1,000-item job of the cheapest chart.

Starts the stack as `make run` does (embedded Redis, daphne, a worker per queue with its production
concurrency) on a fresh SQLite database (or DATABASE_URL), uploads the Espacenet "Filters" export
and submits one job of N items (default 1,000, the most a job may hold) of the publication trend at
the smallest style (72 dpi, 3 x 2 in, PNG only), watched by a WebSocket client. It prints:

- orchestration overhead per item beyond the analysis itself, three ways:
  * claim → success: the item's started_at → finished_at minus its own load + compute + render
    time (the claim's transaction, the checkpoints, the chart's CSV and JSON);
  * inside the task: the task's duration in its worker log line (prerun → postrun) minus the same,
    which adds storing the three files (PNG, CSV, JSON) and the success transaction with its
    counters and events;
  * end to end: ((first chart's start → last chart's end) * chart processes - sum of load + compute
    + render) / N, which adds the broker hand-off and whatever keeps a process idle;
  and how much of the task storing the chart's files took (`store_ms` on its log line): a file
  system's metadata writes, which move by a factor of ten from one minute to the next on a shared VM;
- the machine's speed at the time: raw Celery's no-op rate (bench/celery_noop.py), measured first on
  the same Redis, and the inside-the-task overhead scaled to the issue's ~1,000 no-op tasks a second;
- raw Celery around the same work, measured after the job on the same Redis: a worker of the chart
  queue's profile running tasks that burn the charts' median CPU time (bench/celery_noop.py), its
  overhead computed as the end-to-end figure above; and Intelli's end to end minus it, what Intelli
  adds to Celery per item (the issue's target, measured rather than scaled);
- the CPU each part of the stack spent per item over the job (the chart processes, against the
  analysis's own mean; the charts worker's parent, against raw Celery's; daphne; Redis; the other
  workers), from psutil's counters: on a shared VM, CPU moves less than wall time;
- SQL statements per item (the workers' per-task log lines);
- the events a browser receives: persisted and transient, per second over the job, and the channel
  layer's messages per item (Redis PUBLISH commands).

Target (issue #7): ≤ 3 ms of overhead per item. For scale: raw Celery with Redis runs about 1,000
no-op tasks a second on this machine, i.e. ~2 ms a task per process.

    .venv/bin/python bench/orchestration.py [--items 1000]

Leave five minutes between two runs on a file system without a journal (this project's VM): ext4
then skips the inodes deleted in the last minutes, one by one, on every file it creates, and the
previous run's cleanup deleted thousands (README, "Load and orchestration", seventh round).
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import sys
import time
from datetime import datetime

import psutil
import redis
from celery_noop import chart_shaped_overhead, noop_rate
from common import bench_stack, cookie_header, machine, ready_dataset, signed_in
from websockets.sync.client import connect as ws_connect

from apps.core.queues import QUEUE_PROFILES, Queue
from apps.core.testing.stack import LiveStack

SQL_LINE = re.compile(r"task charts\.render_item\[.*?\] .* sql=(\d+)")
# A chart's log line (apps.core.instrumentation): its item id, then duration_ms, sql, cpu_ms, store_ms.
TASK_LINE = re.compile(r"task charts\.render_item\[.*?\] args=\[(\d+)\] state=SUCCESS (.*)")
FIGURE = re.compile(r"(\w+)=([\d.]+)")
BASELINE_TASKS = 300  # raw Celery's chart-shaped tasks (bench/celery_noop.py)
REFERENCE_NOOP_RATE = 1000  # issue #7: raw Celery with Redis, no-op tasks a second "on this machine"
STYLE = {"dpi": 72, "width": 3, "height": 2, "formats": ["png"]}


def publishes(redis_url: str) -> int:
    """PUBLISH commands the stack's Redis has run: the pub/sub channel layer's messages."""
    stats = redis.Redis.from_url(redis_url).info("commandstats")
    return int(stats.get("cmdstat_publish", {}).get("calls", 0))


def cpu_by_role(stack: LiveStack, redis_url: str) -> dict[str, float]:
    """CPU seconds (user + system) each part of the stack has used so far."""

    def own(process: psutil.Process) -> float:
        try:
            times = process.cpu_times()
        except psutil.NoSuchProcess:  # ended meanwhile (a database connection closed)
            return 0.0
        return times.user + times.system

    charts = psutil.Process(stack.processes[f"worker-{Queue.CHARTS_CPU.value}"].pid)
    reaped = charts.cpu_times()  # children that ended (a recycled process) count on their parent
    roles = {
        "chart processes": reaped.children_user
        + reaped.children_system
        + sum(own(child) for child in charts.children()),
        "charts worker's parent": own(charts),
        "daphne": own(psutil.Process(stack.processes["daphne"].pid)),
        "Redis": own(psutil.Process(redis.Redis.from_url(redis_url).info("server")["process_id"])),
    }
    if stack.env["DATABASE_URL"].startswith("postgres"):
        # Every server process on this machine (backends, WAL writer, checkpointer): the bench's
        # database is the only busy one.
        roles["PostgreSQL"] = sum(
            own(process) for process in psutil.process_iter(["name"]) if process.info["name"] == "postgres"
        )
    others = [
        psutil.Process(popen.pid)
        for name, popen in stack.processes.items()
        if name.startswith("worker-") and name != f"worker-{Queue.CHARTS_CPU.value}"
    ]
    roles["other workers"] = sum(
        own(process) for worker in others for process in [worker, *worker.children(recursive=True)]
    )
    return roles


def parse_time(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--items", type=int, default=1000)
    args = parser.parse_args()
    with bench_stack() as stack:
        run(stack, args.items)
    return 0


def run(stack: LiveStack, items: int) -> None:
    # The machine's speed now, on the stack's Redis (another database), before the stack is busy.
    redis_url = stack.env["REDIS_URL"]
    broker = redis_url[: redis_url.rindex("/")] + "/15"
    noop = noop_rate(broker)
    http = signed_in(stack)
    cookie = cookie_header(http)
    dataset_id = ready_dataset(stack, http)
    warm = {"dataset": dataset_id, "analyses": [{"key": "publication_trend"}] * 4, "style": STYLE}
    http.post(f"{stack.base_url}/api/v1/jobs/", json=warm).raise_for_status()  # wake every process
    time.sleep(3)
    sql_before = len(SQL_LINE.findall(stack.log("worker-charts_cpu")))

    payload = {"dataset": dataset_id, "analyses": [{"key": "publication_trend"}] * items, "style": STYLE}
    persisted = transient = 0
    publishes_before = publishes(redis_url)
    cpu_before = cpu_by_role(stack, redis_url)
    started = time.perf_counter()
    created = http.post(f"{stack.base_url}/api/v1/jobs/", json=payload)
    created.raise_for_status()
    submitted = time.perf_counter()
    job_id = created.json()["id"]
    with ws_connect(
        f"{stack.ws_url}/ws/jobs/{job_id}/?after_seq=0", origin=stack.base_url, additional_headers=cookie
    ) as socket:
        socket.recv(timeout=10)  # snapshot
        while True:
            event = json.loads(socket.recv(timeout=300))
            if event["seq"] is None:
                transient += 1
            else:
                persisted += 1
            if event["type"] == "job.finished":
                break
    wall = time.perf_counter() - started
    layer_messages = publishes(redis_url) - publishes_before
    cpu_after = cpu_by_role(stack, redis_url)

    job = http.get(f"{stack.base_url}/api/v1/jobs/{job_id}/").json()
    if job["status"] != "SUCCESS":
        raise SystemExit(f"Job ended {job['status']}")
    analysis_ms, task_ms = [], []
    for item in job["items"]:
        timings = item["timings"]
        analysis = timings["load_ms"] + timings["compute_ms"] + timings["render_ms"]
        analysis_ms.append(analysis)
        task_ms.append(
            (parse_time(item["finished_at"]) - parse_time(item["started_at"])).total_seconds() * 1000
        )
    in_task = [task - analysis for task, analysis in zip(task_ms, analysis_ms, strict=True)]
    log = stack.log("worker-charts_cpu")
    figures = {int(pk): dict(FIGURE.findall(rest)) for pk, rest in TASK_LINE.findall(log)}
    logged = [
        (item, analysis, figures[item["id"]])
        for item, analysis in zip(job["items"], analysis_ms, strict=True)
        if item["id"] in figures
    ]
    # The whole task, from the worker's prerun to postrun (its log line): the claim, the analysis,
    # storing the three files (PNG, CSV, JSON) and the success transaction with its events.
    whole_task = [float(line["duration_ms"]) - analysis for _, analysis, line in logged]
    # The same in CPU time: the task's process CPU (its sender thread's too) minus the drawing
    # thread's CPU for the analysis. Wall time on a shared VM moves with the host; this does not.
    cpu_overhead = [
        float(line["cpu_ms"]) - item["timings"]["cpu_ms"]
        for item, _, line in logged
        if "cpu_ms" in item["timings"]
    ]
    store = [float(line["store_ms"]) for _, _, line in logged if "store_ms" in line]
    without_files = [
        float(line["duration_ms"]) - analysis - float(line["store_ms"])
        for _, analysis, line in logged
        if "store_ms" in line
    ]
    processes = QUEUE_PROFILES[Queue.CHARTS_CPU].concurrency
    # From the first chart's start to the last one's end: the submit request is on its own line.
    span = max(parse_time(i["finished_at"]) for i in job["items"]) - min(
        parse_time(i["started_at"]) for i in job["items"]
    )
    end_to_end = (span.total_seconds() * 1000 * processes - sum(analysis_ms)) / items
    sql = [int(n) for n in SQL_LINE.findall(log)][sql_before:]
    # Raw Celery around the same CPU-bound work, measured now on the same Redis: what Celery alone
    # costs per task end to end (its parent's fetch, ack and hand-off, competing for the cores).
    analysis_cpu = statistics.median(item["timings"]["cpu_ms"] for item in job["items"])
    baseline_tasks = min(items, BASELINE_TASKS)
    celery_alone, celery_parent_ms = chart_shaped_overhead(broker, cpu_ms=analysis_cpu, tasks=baseline_tasks)

    print(f"Intelli orchestration — one job of {items} publication-trend charts at {STYLE}")
    print(f"  machine   {machine()}")
    print(f"  database  {stack.env['DATABASE_URL'].split('://')[0]}; {processes} chart processes")
    print(
        f"  raw Celery now                {noop:.0f} no-op tasks/s on {processes} processes "
        f"(the issue's machine: ~{REFERENCE_NOOP_RATE}/s)"
    )
    print(f"  POST /jobs/ with {items} items   {(submitted - started) * 1000:.0f} ms")
    print(f"  job wall time                 {wall:.1f} s  ({items / wall:.0f} items/s)")
    print(f"  analysis (load+compute+render) median {statistics.median(analysis_ms):.1f} ms per item")
    print(
        f"  overhead claim → success      median {statistics.median(in_task):.2f} ms  "
        f"mean {statistics.mean(in_task):.2f} ms per item (started_at → finished_at, minus the analysis)"
    )
    if whole_task:
        print(
            f"  overhead inside the task      median {statistics.median(whole_task):.2f} ms  "
            f"mean {statistics.mean(whole_task):.2f} ms per item   (target ≤ 3 ms; prerun → postrun, "
            f"minus the analysis: adds the files and the success transaction; {len(whole_task)} items)"
        )
    if store:
        rest = statistics.median(without_files)
        print(
            f"    of which storing the files  median {statistics.median(store):.2f} ms  "
            f"mean {statistics.mean(store):.2f} ms   (the rest: median {rest:.2f} ms)"
        )
    if whole_task:
        scale = noop / REFERENCE_NOOP_RATE
        print(
            f"  inside the task, scaled       median {statistics.median(whole_task) * scale:.2f} ms per item "
            f"at the issue's ~{REFERENCE_NOOP_RATE} no-op tasks/s (x {scale:.2f}: an estimate)"
        )
    if cpu_overhead:
        print(
            f"  overhead inside the task, CPU median {statistics.median(cpu_overhead):.2f} ms  "
            f"mean {statistics.mean(cpu_overhead):.2f} ms per item   (the task's CPU minus the analysis's)"
        )
    print(
        f"  overhead end to end           {end_to_end:.2f} ms per item "
        "(first start → last end, * processes - analysis) / items"
    )
    print(
        f"    raw Celery, same shape      {celery_alone:.2f} ms per task  ({baseline_tasks} tasks "
        f"of {analysis_cpu:.0f} ms CPU on the chart queue's profile, nothing of Intelli's)"
    )
    print(
        f"    Intelli beyond raw Celery   {end_to_end - celery_alone:.2f} ms per item   (target ≤ 3 ms: "
        "end to end minus raw Celery's, same machine, same minutes)"
    )
    cpu_ms = {role: (cpu_after[role] - cpu_before[role]) * 1000 / items for role in cpu_after}
    analysis_cpu_mean = statistics.mean(item["timings"]["cpu_ms"] for item in job["items"])
    print(
        f"  CPU per item                  chart processes {cpu_ms.pop('chart processes'):.2f} ms "
        f"(the analysis: mean {analysis_cpu_mean:.2f} ms), "
        + ", ".join(f"{role} {value:.2f} ms" for role, value in cpu_ms.items())
        + f"  (raw Celery's parent: {celery_parent_ms:.2f} ms a task)"
    )
    if sql:
        print(f"  SQL statements per item       median {statistics.median(sql):.0f}  max {max(sql)}")
    print(
        f"  events to the browser         {persisted} persisted + {transient} transient in {wall:.1f} s "
        f"= {(persisted + transient) / wall:.0f} per second"
    )
    print(
        f"  channel-layer messages        {layer_messages / items:.2f} per item  (Redis PUBLISHes: the job's "
        "group and the owner's job list; a batch of events is one)"
    )


if __name__ == "__main__":
    sys.exit(main())
