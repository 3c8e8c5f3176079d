#!/usr/bin/env python
"""How long does every analysis take on 100,000 records, alone and as one job?

Generates a 100,000-record canonical dataset with realistic distributions (≈3,000 applicants
drawn from a Zipf law, 20 publication years growing then levelling off, CPC and IPC codes with a
long tail, families of one to a dozen members across offices, legal statuses, forward citations
with a heavy tail), then:

1. in this process: computes and renders (PNG + SVG, default style) every registered analysis with
   its default parameters, printing compute and render time per analysis;
2. through the real product: stores the dataset as a canonical bundle, starts the stack the way
   `make run` does (daphne, one worker per queue, charts_cpu at concurrency 2) on a fresh SQLite
   database, and submits every analysis as one job, timing POST → job finished as seen by a
   WebSocket client (first job: cold per-process data cache; then `--runs` warm jobs).

Target (issue #3, 2-core machine): the whole set as one job ≤ 8 s wall.

    .venv/bin/python bench/analyses.py [--records 100000] [--runs 3] [--skip-job]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))

PASSWORD = "bench-password-not-secret"  # noqa: S105
TERMINAL = {"SUCCESS", "PARTIAL_SUCCESS", "FAILED", "CANCELLED"}
TARGET_S = 8.0
SETTLE_S = 8.0

OFFICES = ["US", "CN", "EP", "WO", "JP", "KR", "DE", "FR", "GB", "CA", "AU", "ES", "IN", "BR", "RU", "TW"]
OFFICE_WEIGHTS = [24, 30, 10, 9, 9, 6, 3, 1.5, 1.5, 1.2, 1.2, 0.8, 1.0, 0.6, 0.6, 0.6]
STATUSES = ["active", "pending", "discontinued", "expired", "inactive", None]
STATUS_WEIGHTS = [38, 22, 17, 9, 8, 6]
FIRST_YEAR, YEARS = 2005, 20


def generate(n: int, *, seed: int = 20261123):
    """`n` publications in the canonical schema (a polars DataFrame)."""
    import numpy as np
    import polars as pl

    from apps.datasets.canonical import publication_schema

    rng = np.random.default_rng(seed)

    def zipf_pick(size: int, population: int, exponent: float) -> np.ndarray:
        ranks = np.arange(1, population + 1)
        weights = 1.0 / ranks**exponent
        return rng.choice(population, size=size, p=weights / weights.sum())

    applicants = np.array([f"APPLICANT {i:04d} {'CORP' if i % 3 else 'UNIVERSITY'}" for i in range(3000)])
    inventors = np.array([f"INVENTOR {i:05d}" for i in range(25000)])
    # CPC: 14 subclasses, 8 main groups each, 6 subgroups each; popularity follows Zipf at each level.
    subclasses = [
        "G01N",
        "A61B",
        "H01M",
        "G06F",
        "C12N",
        "A61K",
        "B01D",
        "H04L",
        "G06N",
        "C07K",
        "B33Y",
        "F24S",
        "Y02E",
        "H01L",
    ]
    subgroups = np.array(
        [f"{sc}{10 + 3 * g}/{2 * s}" for sc in subclasses for g in range(8) for s in range(6)]
    )

    # Families: ~45% of records start a new family; the others join a recent one in another office.
    family_of = np.empty(n, dtype=np.int64)
    new_family = rng.random(n) < 0.45
    new_family[0] = True
    family_ids = np.cumsum(new_family) - 1
    family_of[:] = family_ids
    joiners = ~new_family
    family_of[joiners] = np.maximum(family_ids[joiners] - rng.integers(0, 50, joiners.sum()), 0)
    families = int(family_ids[-1]) + 1

    # Years: activity grows, then levels off (a logistic curve); months uniform.
    weights = 1 / (1 + np.exp(-(np.arange(YEARS) - 9) / 2.5))
    year_of_family = FIRST_YEAR + rng.choice(YEARS, size=families, p=weights / weights.sum())
    year = np.minimum(year_of_family[family_of] + rng.integers(0, 2, n), FIRST_YEAR + YEARS - 1)
    day = rng.integers(0, 365, n)
    published = [dt.date(int(y), 1, 1) + dt.timedelta(days=int(d)) for y, d in zip(year, day, strict=True)]
    priority_lag = rng.integers(380, 900, n)
    priority = [p - dt.timedelta(days=int(lag)) for p, lag in zip(published, priority_lag, strict=True)]

    family_applicant = zipf_pick(families, len(applicants), 1.05)
    co_applicant = zipf_pick(n, len(applicants), 1.05)
    two = rng.random(n) < 0.25
    office = rng.choice(len(OFFICES), size=n, p=np.array(OFFICE_WEIGHTS) / sum(OFFICE_WEIGHTS))
    code_count = rng.integers(1, 6, n)
    code_picks = zipf_pick(int(code_count.sum()), len(subgroups), 0.9)
    starts = np.concatenate([[0], np.cumsum(code_count)[:-1]])
    inventor_picks = zipf_pick(n * 3, len(inventors), 0.8)
    status = rng.choice(len(STATUSES), size=n, p=np.array(STATUS_WEIGHTS) / sum(STATUS_WEIGHTS))
    cited = np.minimum(rng.pareto(1.6, n) * 2, 900).astype(int)
    family_extra = rng.integers(0, 8, families)

    numbers = [f"{OFFICES[o]}{10_000_000 + i}A1" for i, o in enumerate(office)]
    members: dict[int, list[str]] = {}
    for i, fam in enumerate(family_of):
        members.setdefault(int(fam), []).append(numbers[i])
    # Members published outside the search results: where else the family seeks protection.
    outside = {
        fam: [f"{OFFICES[(fam + k) % len(OFFICES)]}{fam}B1" for k in range(int(family_extra[fam]) // 2)]
        for fam in members
    }

    rows = {name: [] for name in publication_schema()}
    for i in range(n):
        fam = int(family_of[i])
        codes = sorted({str(c) for c in subgroups[code_picks[starts[i] : starts[i] + code_count[i]]]})
        names = [str(applicants[family_applicant[fam]])]
        if two[i] and applicants[co_applicant[i]] != names[0]:
            names.append(str(applicants[co_applicant[i]]))
        family_members = members[fam] + outside[fam]
        rows["publication_number"].append(numbers[i])
        rows["jurisdiction"].append(OFFICES[office[i]])
        rows["kind"].append("A1")
        rows["family_id"].append(str(50_000_000 + fam))
        rows["application_date"].append(priority[i])
        rows["priority_date"].append(priority[i])
        rows["publication_date"].append(published[i])
        rows["grant_date"].append(None)
        rows["title"].append(f"Sensing apparatus {i}")
        rows["abstract"].append(None)
        rows["applicants"].append(names)
        rows["applicants_raw"].append(names)
        rows["applicant_countries"].append([])
        rows["inventors"].append(
            [str(v) for v in dict.fromkeys(inventors[inventor_picks[3 * i : 3 * i + 3]])]
        )
        rows["inventor_countries"].append([])
        rows["cpc"].append(codes)
        rows["ipc"].append(sorted({code.split("/")[0] + "/00" for code in codes}))
        rows["legal_status"].append(STATUSES[status[i]])
        rows["cited_by_count"].append(int(cited[i]))
        rows["cites_count"].append(12)
        rows["family_size"].append(len(family_members))
        rows["family_members"].append(family_members)
        rows["source"].append("lens_patents")
    return pl.DataFrame(rows, schema=publication_schema())


def setup_django(env: dict[str, str]) -> None:
    os.environ.update(env)
    import django

    django.setup()


def time_in_process(data) -> dict[str, tuple[float, float]]:
    from apps.charts.analyses import REGISTRY
    from apps.charts.rendering import render_chart, warm_up
    from apps.charts.style import Style

    warm_up(freeze_gc=False)
    style = Style()
    timings = {}
    for key, analysis in REGISTRY.items():
        started = time.perf_counter()
        chart = analysis.compute(data, analysis.params_model())
        computed = time.perf_counter()
        render_chart(analysis, chart, style)
        rendered = time.perf_counter()
        timings[key] = ((computed - started) * 1000, (rendered - computed) * 1000)
    return timings


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=3, help="warm jobs after the first (cold) one")
    parser.add_argument("--skip-job", action="store_true", help="only the in-process timings")
    args = parser.parse_args()

    from apps.core.embedded_redis import free_port, start_redis, stop_redis

    work = Path(tempfile.mkdtemp(prefix="intelli-bench-analyses-"))
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.dev",
        "DJANGO_SECRET_KEY": "bench-only-" + "x" * 40,
        "MEDIA_ROOT": str(work / "media"),
        "PYTHONUNBUFFERED": "1",
    }
    env.setdefault("DATABASE_URL", f"sqlite:///{work / 'db.sqlite3'}")
    redis_process = None
    if not env.get("REDIS_URL") and not args.skip_job:
        port = free_port()
        redis_process = start_redis(port=port, data_dir=work / "redis", appendonly=False)
        env["REDIS_URL"] = f"redis://127.0.0.1:{port}/0"
    setup_django(env)

    from apps.datasets.canonical import CanonicalData

    started = time.perf_counter()
    frame = generate(args.records)
    data = CanonicalData(source_format="lens_patents", meta={"records": frame.height}, publications=frame)
    generated_s = time.perf_counter() - started
    applicants = frame.get_column("applicants").explode().n_unique()
    families = frame.get_column("family_id").n_unique()

    print(f"Intelli analyses — {frame.height:,} records, every analysis with its default parameters")
    print(
        f"  machine   {platform.node()}: {os.cpu_count()} CPUs, {platform.platform()}, "
        f"Python {platform.python_version()}"
    )
    print(f"  data      generated in {generated_s:.1f} s: {applicants:,} applicants, {families:,} families")
    timings = time_in_process(data)
    print("  in process (compute + render PNG and SVG, one core):")
    for key, (compute_ms, render_ms) in timings.items():
        print(
            f"      {key:<26} compute {compute_ms:6.0f} ms  render {render_ms:5.0f} ms  "
            f"total {compute_ms + render_ms:6.0f} ms"
        )
    total = sum(c + r for c, r in timings.values())
    print(f"      {'all':<26} {total / 1000:.2f} s of CPU, one after the other")

    if not args.skip_job:
        try:
            run_job_bench(data, env, work, args.runs)
        finally:
            if redis_process is not None:
                stop_redis(redis_process)
    elif redis_process is not None:
        stop_redis(redis_process)
    return 0


def run_job_bench(data, env: dict[str, str], work: Path, runs: int) -> None:
    import requests
    from django.contrib.auth import get_user_model
    from websockets.sync.client import connect as ws_connect

    from apps.charts.analyses import REGISTRY
    from apps.core.testing.stack import LiveStack
    from apps.datasets.canonical import bundle_prefix, canonical_save
    from apps.datasets.models import Dataset, DatasetStatus

    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "-v0"], cwd=BASE_DIR, env=env, check=True
    )
    user = get_user_model().objects.create_user("bench", password=PASSWORD)
    prefix = bundle_prefix("b" * 64)
    saved = time.perf_counter()
    canonical_save(data, prefix=prefix)
    saved_s = time.perf_counter() - saved
    dataset = Dataset.objects.create(
        owner=user,
        name="Generated 100k",
        source_file="bench/generated.csv",
        original_filename="generated.csv",
        size_bytes=0,
        content_hash="b" * 64,
        detected_format="lens_patents",
        status=DatasetStatus.READY,
        canonical_prefix=prefix,
        summary={"records": data.publications.height, "format_label": "Lens.org patent CSV (generated)"},
        available_fields=sorted(f.value for f in data.fields()),
    )
    print(f"  bundle    stored as Parquet in {saved_s:.1f} s")

    stack = LiveStack(env=env, log_dir=work / "logs")
    try:
        stack.start()
        # Let the other queues' worker processes finish booting (imports, warm-up): the first job
        # should measure loading the bundle, not the machine starting eleven Python processes.
        time.sleep(SETTLE_S)
        http = requests.Session()
        http.headers["Origin"] = stack.base_url
        http.get(f"{stack.base_url}/api/v1/auth/csrf/").raise_for_status()
        csrf = {"X-CSRFToken": http.cookies["csrftoken"]}
        http.post(
            f"{stack.base_url}/api/v1/auth/login/",
            json={"username": "bench", "password": PASSWORD},
            headers=csrf,
        ).raise_for_status()
        csrf = {"X-CSRFToken": http.cookies["csrftoken"]}
        cookies = "; ".join(f"{k}={v}" for k, v in http.cookies.items())
        payload = {"dataset": dataset.id, "analyses": [{"key": key} for key in REGISTRY]}

        def run_job() -> tuple[float, int]:
            with ws_connect(
                f"{stack.ws_url}/ws/jobs/", origin=stack.base_url, additional_headers={"Cookie": cookies}
            ) as socket:
                socket.recv(timeout=10)
                started = time.perf_counter()
                created = http.post(f"{stack.base_url}/api/v1/jobs/", json=payload, headers=csrf)
                created.raise_for_status()
                job_id = created.json()["id"]
                while True:
                    event = json.loads(socket.recv(timeout=120))
                    if event["job"] == job_id and event["data"].get("status") in TERMINAL:
                        if event["data"]["status"] != "SUCCESS":
                            raise SystemExit(f"Job {job_id} ended {event['data']['status']}")
                        return time.perf_counter() - started, job_id

        cold, cold_id = run_job()
        warm = [run_job() for _ in range(runs)]
        print(f"  one job of {len(REGISTRY)} charts, charts_cpu worker at concurrency 2 (POST → finished):")
        print(f"      first job (each chart process loads the bundle and counts its facets)  {cold:.2f} s")
        if warm:
            seconds = [s for s, _ in warm]
            low, mid, high = min(seconds), statistics.median(seconds), max(seconds)
            print(
                f"      warm jobs ({runs})  min {low:.2f} s  median {mid:.2f} s  max {high:.2f} s"
                f"   (target ≤ {TARGET_S:.0f} s)"
            )
        per_item: dict[str, list[dict]] = {}
        for _, job_id in [(cold, cold_id), *warm]:
            for item in http.get(f"{stack.base_url}/api/v1/jobs/{job_id}/").json()["items"]:
                per_item.setdefault(item["analysis_key"], []).append(item["timings"])
        for label, index in (("first job", 0), ("last job", -1)):
            timings = [values[index] for values in per_item.values()]
            busy = sum(t["load_ms"] + t["compute_ms"] + t["render_ms"] for t in timings) / 1000
            loads = sum(t["load_ms"] for t in timings) / 1000
            print(f"      {label}: {busy:.1f} s of chart work in the two processes ({loads:.1f} s loading)")
        print("      per chart in the workers (median over the jobs): load / compute / render ms")
        for key, values in per_item.items():
            load, compute, render = (
                statistics.median(v[name] for v in values) for name in ("load_ms", "compute_ms", "render_ms")
            )
            print(f"        {key:<26} {load:6.0f} {compute:8.0f} {render:7.0f}")
    finally:
        stack.stop()


if __name__ == "__main__":
    sys.exit(main())
