#!/usr/bin/env python
"""How many descriptions a second does one `ai` worker write, and does it lose or repeat any?

Starts an embedded Redis, a fresh SQLite database, the local OpenAI-compatible test server
answering every request in about 1 s (ten streamed pieces 100 ms apart) and one real `ai` worker
with its production profile (a threads pool, 8 threads). Then, for each rate limit asked for
(default: 240 and 6000 requests a minute), it queues N descriptions (default 100) at once and
prints:

- throughput, from the first description started to the last one written, and in the steady state
  (between the first and the last one written), against what it should be:
  min(rate limit, concurrency / latency);
- the most requests the server saw in flight at once (never above the worker's concurrency);
- lost (not written) and duplicated (a second request for a description, or two rows) counts;
- the worker's resident memory after a warm-up, at its peak and at the end.

    .venv/bin/python bench/ai_throughput.py [--descriptions 100] [--rpm 240,6000] [--latency 1.0]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))

import psutil  # noqa: E402

from apps.ai.tests.fake_openai import FakeOpenAI, stream  # noqa: E402
from apps.core.embedded_redis import free_port, start_redis, stop_redis  # noqa: E402
from apps.core.queues import QUEUE_PROFILES, Queue  # noqa: E402
from apps.core.testing.stack import LiveStack  # noqa: E402

ANSWER = (
    "Publications grew from one document in 2012 to twelve in 2020, a compound annual growth rate of 36.4% "
    "over eight years; the busiest year was the latest, and the last five years hold most of the total."
)
WAIT_S = 600


def rss_mb(process: psutil.Process) -> float:
    """Resident memory of the worker and any children it has (the threads pool has none)."""
    total = process.memory_info().rss
    for child in process.children(recursive=True):
        with contextlib.suppress(psutil.NoSuchProcess):
            total += child.memory_info().rss
    return total / 1024 / 1024


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--descriptions", type=int, default=100)
    parser.add_argument("--rpm", default="240,6000", help="rate limits to run with, comma-separated")
    parser.add_argument("--latency", type=float, default=1.0, help="seconds the server takes per answer")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="intelli-ai-bench-"))
    port = free_port()
    redis_process = start_redis(port=port, data_dir=work / "redis", appendonly=False)
    pieces = 10
    server = FakeOpenAI(
        default=lambda: stream(ANSWER, chunks=pieces, chunk_delay_s=args.latency / pieces, usage=(900, 60))
    ).start()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.dev",
        "DJANGO_SECRET_KEY": "bench-only-" + "x" * 40,
        "DATABASE_URL": f"sqlite:///{work / 'db.sqlite3'}",
        "REDIS_URL": f"redis://127.0.0.1:{port}/0",
        "CELERY_BROKER_URL": f"redis://127.0.0.1:{port}/0",
        "MEDIA_ROOT": str(work / "media"),
        "PYTHONUNBUFFERED": "1",
        "OPENAI_BASE_URL": server.base_url,
        "OPENAI_API_KEY": "bench-not-a-key",
        "AI_PROVIDER": "openai",
        "AI_MODEL": "bench-model",
        "AI_DAILY_BUDGET_USD": "0",
    }
    env.pop("CHANNEL_LAYER_URL", None)
    os.environ.update(env)  # this process reads and writes the same database and broker
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "-v0"], cwd=BASE_DIR, env=env, check=True
    )

    import django

    django.setup()
    try:
        rows = []
        for rpm in [int(r) for r in args.rpm.split(",") if r.strip()]:
            rows.append(
                run(
                    env={**env, "AI_REQUESTS_PER_MINUTE": str(rpm)},
                    rpm=rpm,
                    server=server,
                    n=args.descriptions,
                    latency=args.latency,
                    work=work,
                )
            )
        report(rows, args)
    finally:
        server.stop()
        stop_redis(redis_process)
    shutil.rmtree(work, ignore_errors=True)  # kept when a run failed: its worker logs are there
    return 0


def make_items(n: int):
    """A job of n drawn charts sharing one stored chart table (the describe path reads it n times)."""
    from django.contrib.auth import get_user_model
    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage

    from apps.charts.analyses import REGISTRY
    from apps.charts.tests.data import sample_data
    from apps.datasets.models import Dataset, DatasetStatus
    from apps.jobs.models import ImageTask, ItemStatus, Job

    user = get_user_model().objects.create_user(f"bench-{time.monotonic_ns()}")
    dataset = Dataset.objects.create(
        owner=user,
        name="bench",
        original_filename="bench.csv",
        size_bytes=1,
        content_hash="0" * 64,
        status=DatasetStatus.READY,
        summary={"format_label": "Lens.org patent CSV", "records": 46},
    )
    job = Job.objects.create(owner=user, dataset=dataset, title="bench", total=n, status="SUCCESS")
    analysis = REGISTRY["publication_trend"]
    chart = analysis.compute(sample_data(), analysis.params_model()).to_json()
    path = default_storage.save(f"bench/{job.pk}/chart.json", ContentFile(json.dumps(chart).encode()))
    items = ImageTask.objects.bulk_create(
        [
            ImageTask(
                job=job,
                position=i,
                analysis_key=analysis.key,
                analysis_version=analysis.version,
                status=ItemStatus.SUCCESS,
                data_json=path,
                claim_id=f"bench-{job.pk}-{i}",
            )
            for i in range(n)
        ]
    )
    return user, items


def wait_for(item_ids: list[int], sample) -> list:
    from apps.ai.models import Description

    deadline = time.monotonic() + WAIT_S
    while time.monotonic() < deadline:
        sample()
        rows = list(Description.objects.filter(item_id__in=item_ids))
        if len(rows) >= len(item_ids) and all(d.status in ("SUCCESS", "FAILED") for d in rows):
            return rows
        time.sleep(0.2)
    raise SystemExit("descriptions did not finish in time")


def run(*, env: dict, rpm: int, server: FakeOpenAI, n: int, latency: float, work: Path) -> dict:
    from apps.ai.services import description_request

    stack = LiveStack(env=env, log_dir=work / f"logs-{rpm}", queues=(Queue.AI,))
    stack.start_worker(Queue.AI)
    stack.wait_ready()
    worker = psutil.Process(stack.processes["worker-ai"].pid)
    try:
        # Warm-up: one description per thread (each thread's first imports, connections, buffers).
        user, warm = make_items(QUEUE_PROFILES[Queue.AI].concurrency * 2)
        for item in warm:
            description_request(item=item, user=user, interactive=False)
        wait_for([i.pk for i in warm], lambda: None)
        rss_start = rss_mb(worker)
        peak = [rss_start]
        lock = threading.Lock()

        def sample() -> None:
            with lock:
                peak[0] = max(peak[0], rss_mb(worker))

        user, items = make_items(n)
        with server._lock:
            server.requests.clear()
            server.max_in_flight = 0
        started = time.monotonic()
        for item in items:
            description_request(item=item, user=user, interactive=False)
        rows = wait_for([i.pk for i in items], sample)
        ended = time.monotonic()
        rss_end = rss_mb(worker)
    finally:
        stack.stop()

    finished = sorted(d.finished_at for d in rows if d.status == "SUCCESS")
    written = len(finished)
    requests = len(server.requests)
    per_item: dict[int, int] = {}
    for d in rows:
        per_item[d.item_id] = per_item.get(d.item_id, 0) + 1
    first_start = min(d.started_at for d in rows if d.started_at)
    steady = (written - 1) / (finished[-1] - finished[0]).total_seconds() if written > 1 else 0.0
    concurrency = QUEUE_PROFILES[Queue.AI].concurrency
    return {
        "rpm": rpm,
        "n": n,
        "written": written,
        "lost": n - written,
        "duplicated": (requests - n) + sum(c - 1 for c in per_item.values()),
        "wall_s": ended - started,
        "throughput": written / (finished[-1] - first_start).total_seconds() if finished else 0.0,
        "steady": steady,
        "expected": min(rpm / 60, concurrency / latency),
        "concurrency": concurrency,
        "max_in_flight": server.max_in_flight,
        "rss_start": rss_start,
        "rss_peak": peak[0],
        "rss_end": rss_end,
        "failed": [d.error for d in rows if d.status != "SUCCESS"][:3],
    }


def report(rows: list[dict], args: argparse.Namespace) -> None:
    print(
        f"Intelli AI throughput — {args.descriptions} descriptions per run, "
        f"server answering in {args.latency:g} s"
    )
    print(
        f"  machine   {platform.node()}: {os.cpu_count()} CPUs, {platform.platform()}, "
        f"Python {platform.python_version()}; one ai worker, threads pool"
    )
    for r in rows:
        limit = "rate limit" if r["rpm"] / 60 < r["concurrency"] / args.latency else "concurrency"
        print(
            f"  rate limit {r['rpm']:>5}/min, {r['concurrency']} threads "
            f"→ expected {r['expected']:.2f}/s (set by the {limit})"
        )
        print(
            f"      throughput {r['throughput']:.2f}/s overall, {r['steady']:.2f}/s steady "
            f"({r['written']} written in {r['wall_s']:.1f} s); "
            f"at most {r['max_in_flight']} requests in flight"
        )
        print(f"      lost {r['lost']}, duplicated {r['duplicated']}")
        print(
            f"      worker RSS {r['rss_start']:.0f} MB after warm-up, peak {r['rss_peak']:.0f} MB, "
            f"end {r['rss_end']:.0f} MB ({r['rss_end'] - r['rss_start']:+.1f} MB)"
        )
        if r["failed"]:
            print(f"      failures, e.g.: {r['failed']}")


if __name__ == "__main__":
    sys.exit(main())
