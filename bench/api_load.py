#!/usr/bin/env python
"""The REST API under 50 concurrent clients: job list, job detail and artifact download.

Starts the stack as `make run` does (one daphne process), makes a user with 30 finished jobs of 8
charts, then for each endpoint lets 50 clients (each with its own session, as 50 browsers) send
requests back to back for a fixed time and prints requests per second and latency p50 / p99 / max.
Every response must be a 200; anything else is counted and printed.

    .venv/bin/python bench/api_load.py [--clients 50] [--seconds 15]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time

import httpx
from common import bench_stack, machine, percentile, ready_dataset, signed_in

from apps.charts.analyses import CLASSIC_EIGHT
from apps.core.testing.stack import LiveStack

JOBS = 30


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=15)
    args = parser.parse_args()
    with bench_stack() as stack:
        run(stack, args)
    return 0


def prepare(stack: LiveStack) -> tuple[int, str, dict[str, str]]:
    http = signed_in(stack)
    dataset_id = ready_dataset(stack, http)
    payload = {
        "dataset": dataset_id,
        "analyses": [{"key": key} for key in CLASSIC_EIGHT],
        "style": {"dpi": 100},
    }
    job_ids = []
    for _ in range(JOBS):
        response = http.post(f"{stack.base_url}/api/v1/jobs/", json=payload)
        response.raise_for_status()
        job_ids.append(response.json()["id"])
    deadline = time.monotonic() + 600
    while time.monotonic() < deadline:
        jobs = http.get(f"{stack.base_url}/api/v1/jobs/?limit=100").json()["results"]
        if all(job["status"] in ("SUCCESS", "PARTIAL_SUCCESS", "FAILED") for job in jobs):
            break
        time.sleep(1)
    detail = http.get(f"{stack.base_url}/api/v1/jobs/{job_ids[-1]}/").json()
    png = detail["items"][0]["artifacts"]["png"]
    return job_ids[-1], png, dict(http.cookies)


async def hammer(base_url: str, path: str, cookies: dict[str, str], clients: int, seconds: float):
    latencies: list[float] = []
    errors: dict[int, int] = {}
    stop = time.perf_counter() + seconds

    async def client() -> None:
        async with httpx.AsyncClient(base_url=base_url, cookies=cookies, timeout=30) as http:
            while time.perf_counter() < stop:
                started = time.perf_counter()
                response = await http.get(path)
                latencies.append((time.perf_counter() - started) * 1000)
                if response.status_code != 200:
                    errors[response.status_code] = errors.get(response.status_code, 0) + 1

    started = time.perf_counter()
    await asyncio.gather(*(client() for _ in range(clients)))
    return latencies, errors, time.perf_counter() - started


def run(stack: LiveStack, args: argparse.Namespace) -> None:
    job_id, png, cookies = prepare(stack)
    print(f"Intelli REST API under load — {args.clients} concurrent clients, {args.seconds:g} s per endpoint")
    print(f"  machine   {machine()}")
    print(
        f"  database  {stack.env['DATABASE_URL'].split('://')[0]}; one daphne process; {JOBS} jobs x 8 charts"
    )
    for name, path in (
        ("job list (50 per page)", "/api/v1/jobs/"),
        ("job detail (8 items)", f"/api/v1/jobs/{job_id}/"),
        ("artifact download (PNG)", png.replace(stack.base_url, "")),
    ):
        latencies, errors, wall = asyncio.run(
            hammer(stack.base_url, path, cookies, args.clients, args.seconds)
        )
        print(
            f"  {name:<26} {len(latencies) / wall:6.0f} req/s   p50 {statistics.median(latencies):5.0f} ms"
            f"   p99 {percentile(latencies, 0.99):5.0f} ms   max {max(latencies):5.0f} ms"
            + (f"   non-200: {errors}" if errors else "")
        )


if __name__ == "__main__":
    sys.exit(main())
