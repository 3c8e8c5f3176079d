#!/usr/bin/env python
"""How long does the eight-chart job take, end to end, on this machine?

Starts the stack the way `make run` does (embedded Redis, daphne, one worker per queue with its
production concurrency) on a fresh SQLite database (or DATABASE_URL), uploads the Espacenet
"Filters" export, runs one warm-up job, then submits the eight-chart job N times (default 10) and
prints:

- POST → job finished, as seen by a WebSocket client watching the job list (min / median / max);
- render time per chart (PNG + SVG), from the items' own timings;
- SQL statements per chart task, from the workers' per-task log lines.

Targets (issue #2, 2-core machine, warm workers): median ≤ 1.2 s end to end, ≤ 150 ms per chart
render, ≤ 10 SQL statements per chart.

    .venv/bin/python bench/job_latency.py [--runs 10] [--file ../shared/data/espacenet-filters.xlsx]
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import sys
import time
from pathlib import Path

from common import FILTERS_EXPORT, bench_stack, cookie_header, machine, percentile, signed_in
from websockets.sync.client import connect as ws_connect

from apps.charts.analyses import CLASSIC_EIGHT
from apps.core.testing.stack import LiveStack

TERMINAL = {"SUCCESS", "PARTIAL_SUCCESS", "FAILED", "CANCELLED"}
SQL_LINE = re.compile(r"task charts\.render_item\[.*?\] .* sql=(\d+)")


def export_bytes(path: Path) -> tuple[bytes, str]:
    if path.is_file():
        return path.read_bytes(), str(path)
    from apps.datasets.tests.fixtures import build_filters_xlsx

    return build_filters_xlsx(), "generated fixture (../shared/data not found)"


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--file", type=Path, default=FILTERS_EXPORT)
    args = parser.parse_args()
    with bench_stack() as stack:
        report(stack, args)
    return 0


def report(stack: LiveStack, args: argparse.Namespace) -> None:
    http = signed_in(stack)
    content, source = export_bytes(args.file)
    response = http.post(f"{stack.base_url}/api/v1/datasets/", files={"file": ("export.xlsx", content)})
    response.raise_for_status()
    dataset_id = response.json()["id"]
    while (dataset := http.get(f"{stack.base_url}/api/v1/datasets/{dataset_id}/").json())["status"] not in (
        "READY",
        "FAILED",
    ):
        time.sleep(0.05)
    if dataset["status"] != "READY":
        raise SystemExit(f"Ingestion failed: {dataset['error']}")

    payload = {"dataset": dataset_id, "analyses": [{"key": key} for key in CLASSIC_EIGHT]}

    def run_job() -> tuple[float, int]:
        with ws_connect(
            f"{stack.ws_url}/ws/jobs/", origin=stack.base_url, additional_headers=cookie_header(http)
        ) as socket:
            socket.recv(timeout=10)  # the list snapshot
            started = time.perf_counter()
            created = http.post(f"{stack.base_url}/api/v1/jobs/", json=payload)
            created.raise_for_status()
            job_id = created.json()["id"]
            while True:
                event = json.loads(socket.recv(timeout=60))
                if event["job"] == job_id and event["data"].get("status") in TERMINAL:
                    elapsed = time.perf_counter() - started
                    if event["data"]["status"] != "SUCCESS":
                        raise SystemExit(f"Job {job_id} ended {event['data']['status']}")
                    return elapsed, job_id

    run_job()  # warm-up: first use of each worker process
    latencies, job_ids = [], []
    for _ in range(args.runs):
        elapsed, job_id = run_job()
        latencies.append(elapsed)
        job_ids.append(job_id)
        time.sleep(0.2)

    render_ms: list[float] = []
    by_analysis: dict[str, list[float]] = {}
    for job_id in job_ids:
        for item in http.get(f"{stack.base_url}/api/v1/jobs/{job_id}/").json()["items"]:
            render_ms.append(item["timings"]["render_ms"])
            by_analysis.setdefault(item["analysis_key"], []).append(item["timings"]["render_ms"])
    sql = [int(n) for n in SQL_LINE.findall(stack.log("worker-charts_cpu"))][
        len(CLASSIC_EIGHT) :
    ]  # skip warm-up

    print(f"Intelli job latency — {args.runs} runs of the eight-chart job")
    print(f"  input     {source}")
    print(f"  machine   {machine()}")
    print(f"  database  {stack.env['DATABASE_URL'].split('://')[0]}; broker {stack.env['REDIS_URL']}")
    print(
        "  POST → finished (WebSocket)  "
        f"min {min(latencies) * 1000:.0f} ms  median {statistics.median(latencies) * 1000:.0f} ms  "
        f"max {max(latencies) * 1000:.0f} ms   (target median ≤ 1200 ms)"
    )
    print(
        f"  render per chart (PNG+SVG)   median {statistics.median(render_ms):.0f} ms  "
        f"p95 {percentile(render_ms, 0.95):.0f} ms  max {max(render_ms):.0f} ms   (target ≤ 150 ms)"
    )
    for key, values in by_analysis.items():
        print(f"      {key:<20} median {statistics.median(values):4.0f} ms  max {max(values):4.0f} ms")
    print(
        f"  SQL statements per chart     median {statistics.median(sql):.0f}  max {max(sql)}   (target ≤ 10)"
        if sql
        else "  SQL statements per chart     (no task log lines found)"
    )


if __name__ == "__main__":
    sys.exit(main())
