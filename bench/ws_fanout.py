#!/usr/bin/env python
"""How do the sockets hold up when many browsers watch? 500 browsers on one job, 20 more jobs running.

Starts the stack as `make run` does (one daphne process, a worker per queue), submits the watched
job (default 100 charts) and 20 other jobs (10 charts each) at once, and opens 500 sockets on the
watched job as the web UI does: a browser that opens the page gets the job's snapshot and then
every event after it; a tenth of the browsers drop their socket halfway and come back with
`?after_seq=<last applied>`, and must receive exactly the events they missed. It prints:

- event latency, from the event's own timestamp (set when the transaction that wrote it committed
  its row) to its arrival in the browser, for live events: p50, p99, max;
- events lost (a browser whose sequence numbers are not exactly snapshot+1..last) — target 0 —
  and duplicates dropped by the browsers;
- daphne's CPU time and peak memory while it served them.

    .venv/bin/python bench/ws_fanout.py [--browsers 500] [--items 100] [--other-jobs 20]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import statistics
import sys
import time
from datetime import datetime

import psutil
import websockets
from common import bench_stack, cookie_header, machine, percentile, ready_dataset, signed_in

from apps.core.testing.stack import LiveStack

FINISHED = {"SUCCESS", "PARTIAL_SUCCESS", "FAILED", "CANCELLED"}
STYLE = {"dpi": 72, "width": 4, "height": 3, "formats": ["png"]}


class Browser:
    def __init__(self, number: int, url: str, origin: str, cookie: dict[str, str], *, drops: bool) -> None:
        self.number, self.url, self.origin, self.cookie = number, url, origin, cookie
        self.drops = drops
        self.start: int | None = None  # the sequence number of the first snapshot it applied
        self.seqs: list[int] = []
        self.latencies_ms: list[float] = []
        self.duplicates = 0
        self.reconnects = 0
        self.finished = False

    async def run(self, total_hint: int) -> None:
        failures = 0
        while not self.finished:
            last = self.seqs[-1] if self.seqs else self.start
            try:
                async with websockets.connect(
                    self.url if last is None else f"{self.url}?after_seq={last}",
                    origin=self.origin,
                    additional_headers=self.cookie,
                    open_timeout=60,
                    max_size=None,
                ) as socket:
                    snapshot = json.loads(await asyncio.wait_for(socket.recv(), 60))
                    live_from = snapshot["seq"]  # events after this one are live, not replayed
                    failures = 0
                    if self.start is None:
                        self.start = live_from
                        if snapshot["data"]["job"]["status"] in FINISHED:
                            self.finished = True  # opened after the end: the snapshot is the final state
                            return
                    async for frame in socket:
                        event = json.loads(frame)
                        seq = event["seq"]
                        if seq is None:
                            continue
                        if self.seqs and seq <= self.seqs[-1]:
                            self.duplicates += 1
                            continue
                        self.seqs.append(seq)
                        if seq > live_from:
                            sent = datetime.fromisoformat(event["at"].replace("Z", "+00:00")).timestamp()
                            self.latencies_ms.append((time.time() - sent) * 1000)
                        if event["type"] == "job.finished":
                            self.finished = True
                            return
                        if self.drops and self.reconnects == 0 and self.seqs[-1] > total_hint // 2:
                            self.reconnects += 1
                            break  # drop the socket halfway, come back where we stopped
            except (TimeoutError, OSError, websockets.exceptions.WebSocketException):
                self.reconnects += 1
                failures += 1
                # As the web UI does (src/realtime/socket.ts): exponential backoff from 0.5 s, capped
                # at 15 s, with jitter over the upper half.
                ceiling = min(15.0, 0.5 * 2 ** min(failures, 16))
                await asyncio.sleep(ceiling / 2 + random.random() * ceiling / 2)


async def watch(browsers: list[Browser], total_hint: int) -> None:
    # Open the sockets in waves, as page loads would arrive, not all in the same millisecond.
    tasks = []
    for browser in browsers:
        tasks.append(asyncio.create_task(browser.run(total_hint)))
        await asyncio.sleep(0.002)
    await asyncio.wait_for(asyncio.gather(*tasks), timeout=900)


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--browsers", type=int, default=500)
    parser.add_argument("--items", type=int, default=100)
    parser.add_argument("--other-jobs", type=int, default=20)
    args = parser.parse_args()
    with bench_stack() as stack:
        run(stack, args)
    return 0


def run(stack: LiveStack, args: argparse.Namespace) -> None:
    http = signed_in(stack)
    dataset_id = ready_dataset(stack, http)
    daphne = psutil.Process(stack.processes["daphne"].pid)

    def submit(items: int) -> int:
        payload = {"dataset": dataset_id, "analyses": [{"key": "publication_trend"}] * items, "style": STYLE}
        response = http.post(f"{stack.base_url}/api/v1/jobs/", json=payload)
        response.raise_for_status()
        return response.json()["id"]

    watched = submit(args.items)
    for _ in range(args.other_jobs):
        submit(10)
    cpu_before = sum(daphne.cpu_times()[:2])
    browsers_cpu_before = time.process_time()
    started = time.perf_counter()
    browsers = [
        Browser(
            n, f"{stack.ws_url}/ws/jobs/{watched}/", stack.base_url, cookie_header(http), drops=n % 10 == 0
        )
        for n in range(args.browsers)
    ]
    peak_rss = [daphne.memory_info().rss]

    async def sample_memory():
        while True:
            peak_rss.append(daphne.memory_info().rss)
            await asyncio.sleep(0.5)

    async def report_progress():
        while True:
            await asyncio.sleep(10)
            done = sum(b.finished for b in browsers)
            waiting = [b.seqs[-1] if b.seqs else (b.start or 0) for b in browsers if not b.finished]
            print(
                f"  … {time.perf_counter() - started:.0f} s: {done} browsers finished, "
                f"{sum(b.start is None for b in browsers)} without a snapshot yet; the others at seq "
                f"{min(waiting, default=0)}-{max(waiting, default=0)}",
                file=sys.stderr,
                flush=True,
            )

    async def main_async():
        sampler = asyncio.create_task(sample_memory())
        progress = asyncio.create_task(report_progress())
        try:
            await watch(browsers, total_hint=args.items * 3)
        finally:
            sampler.cancel()
            progress.cancel()

    asyncio.run(main_async())
    wall = time.perf_counter() - started
    cpu = sum(daphne.cpu_times()[:2]) - cpu_before
    browsers_cpu = time.process_time() - browsers_cpu_before

    job = http.get(f"{stack.base_url}/api/v1/jobs/{watched}/").json()
    last = job["event_seq"]
    lost = sum(1 for b in browsers if b.start is None or b.seqs != list(range(b.start + 1, last + 1)))
    latencies = [ms for b in browsers for ms in b.latencies_ms]
    print(f"Intelli WebSocket fan-out — {args.browsers} browsers on one job of {args.items} charts")
    print(f"  machine   {machine()}")
    print(f"  other jobs running meanwhile: {args.other_jobs} x 10 charts; one daphne process")
    print(f"  watched job {job['status']}, {last} persisted events; wall {wall:.1f} s")
    if latencies:
        p50, p99 = statistics.median(latencies), percentile(latencies, 0.99)
        print(
            f"  live event latency   p50 {p50:.0f} ms  p99 {p99:.0f} ms  max {max(latencies):.0f} ms"
            f"  ({len(latencies)} deliveries)"
        )
    else:
        print("  live event latency   (no live events: the job finished before the sockets opened)")
    reconnects, duplicates = sum(b.reconnects for b in browsers), sum(b.duplicates for b in browsers)
    print(
        f"  browsers with a gap or a loss: {lost} of {len(browsers)} (target 0); "
        f"reconnects {reconnects}; duplicates dropped {duplicates}"
    )
    print(
        f"  daphne CPU {cpu:.1f} s over {wall:.1f} s ({cpu / wall * 100:.0f}% of one core); "
        f"peak RSS {max(peak_rss) / 1024 / 1024:.0f} MB"
    )
    # The browsers are this process: on a 2-core machine they compete with the server for CPU, and
    # a browser busy parsing its other sockets' frames adds to the latency it measures.
    print(
        f"  the {len(browsers)} browsers (this process) CPU {browsers_cpu:.1f} s "
        f"({browsers_cpu / wall * 100:.0f}% of one core)"
    )


if __name__ == "__main__":
    sys.exit(main())
