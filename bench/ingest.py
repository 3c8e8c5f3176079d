#!/usr/bin/env python
"""How long does ingesting a 100,000-record export take, and how much memory does it need?

Generates one export of N records (default 100,000) in each record-level format — Espacenet
results CSV, Espacenet results XLSX, Lens.org CSV (current, 37 columns), Google Patents CSV — with
the generators the tests use (`apps/datasets/tests/fixtures_records.py`), then ingests each one
through the real path: a `Dataset` row on a fresh SQLite database, and the `datasets.ingest`
Celery task (the ingestion_io task) applied in-process, which reads the stored upload, detects
the format, parses, writes the canonical Parquet bundle and marks the dataset READY.

Each format runs in a process of its own, set up as a warm ingestion_io worker process is (it
imports `config.celery` first, so Polars and BLAS are pinned to one thread, then the task modules
and what a first task imports), so its peak RSS is that format's alone. Printed per format: file
size, records, wall time of the task (median of the runs, and each run), its CPU time (with
Polars on one thread, about what the wall time is on an idle machine) and the process's peak RSS
(with its RSS before the task, for reference). The load average is printed too: on a shared
machine, wall times are only comparable at similar loads.

Targets (issue #3, 2-core machine): CSV ≤ 1.0 s, XLSX ≤ 2.0 s, peak RSS ≤ 500 MB.

    .venv/bin/python bench/ingest.py [--records 100000] [--runs 3] [--format lens-csv ...]

A 100,000-record Lens or Espacenet CSV with abstracts is 50-65 MB, over the default 50 MB upload
cap, so the benchmark raises the cap (INTELLI_MAX_UPLOAD_MB=200) for its own processes.
"""

from __future__ import annotations

import argparse
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

MIB = 1024 * 1024
# format -> (generator in fixtures_records, file name, wall-time target in seconds)
FORMATS = {
    "espacenet-csv": ("espacenet_csv_from_records", "espacenet-results.csv", 1.0),
    "espacenet-xlsx": ("espacenet_xlsx_from_records", "espacenet-results.xlsx", 2.0),
    "lens-csv": ("lens_csv_from_records", "lens-export.csv", 1.0),
    "google-csv": ("google_csv_from_records", "google-patents.csv", 1.0),
}
RSS_TARGET_MB = 500


def _environment(workdir: Path) -> dict[str, str]:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.dev",
        "DJANGO_SECRET_KEY": "bench-only-not-secret",
        "DATABASE_URL": f"sqlite:///{workdir / 'db.sqlite3'}",
        "MEDIA_ROOT": str(workdir / "media"),
        "INTELLI_MAX_UPLOAD_MB": "200",
        "PYTHONPATH": str(BASE_DIR),
    }


def generate(records: int, workdir: Path, formats: list[str]) -> dict[str, Path]:
    """Write the exports (generation is not timed)."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")
    os.environ.update({key: value for key, value in _environment(workdir).items() if key != "PYTHONPATH"})
    import django

    django.setup()
    from apps.datasets.tests import fixtures_records

    started = time.perf_counter()
    generated = fixtures_records.generate_records(records)
    paths = {}
    for name in formats:
        writer, filename, _ = FORMATS[name]
        path = workdir / filename
        path.write_bytes(getattr(fixtures_records, writer)(generated))
        paths[name] = path
    print(f"generated {records:,} records in {len(formats)} formats in {time.perf_counter() - started:.1f} s")
    return paths


def child(path: Path, records: int) -> None:
    """One format, in a process set up as an ingestion_io worker: migrate, create the dataset, ingest."""
    import hashlib

    import config.celery  # first: pins Polars/BLAS threads, as in a worker process  # isort: skip
    import django

    django.setup()
    import psutil
    from django.contrib.auth import get_user_model
    from django.core.files import File
    from django.core.management import call_command

    from apps.datasets.models import Dataset, DatasetStatus
    from apps.datasets.tasks import ingest_dataset

    call_command("migrate", verbosity=0)
    # A warm worker process: what the worker imports at start, and what a first task imports.
    config.celery.app.loader.import_default_modules()
    import apps.datasets.services
    import apps.jobs.services  # noqa: F401

    owner = get_user_model().objects.create_user(username=f"bench-{os.getpid()}", password=None)
    data = path.read_bytes()
    with path.open("rb") as fh:
        dataset = Dataset(
            owner=owner,
            name=path.stem,
            original_filename=path.name,
            size_bytes=len(data),
            content_hash=hashlib.sha256(data).hexdigest(),
        )
        dataset.source_file.save(path.name, File(fh), save=False)
        dataset.save()
    del data
    before_mb = psutil.Process().memory_info().rss / MIB
    _reset_peak_rss()

    started, cpu_started = time.perf_counter(), time.process_time()
    ingest_dataset.apply(args=[dataset.pk], throw=True)
    wall, cpu = time.perf_counter() - started, time.process_time() - cpu_started

    peak_mb = _peak_rss_mb()
    dataset.refresh_from_db()
    if dataset.status != DatasetStatus.READY or dataset.summary.get("records") != records:
        raise SystemExit(
            f"ingestion did not end READY with {records} records: {dataset.status} {dataset.error}"
        )
    print(
        json.dumps(
            {
                "wall_s": wall,
                "cpu_s": cpu,
                "peak_rss_mb": peak_mb,
                "rss_before_mb": before_mb,
                "records": dataset.summary["records"],
                "format": dataset.detected_format,
                "size_mb": dataset.size_bytes / MIB,
            }
        )
    )


def _reset_peak_rss() -> None:
    """Start the process's peak RSS (VmHWM) afresh: it is inherited across fork and exec."""
    Path("/proc/self/clear_refs").write_text("5")


def _peak_rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024  # kB
    raise RuntimeError("no VmHWM in /proc/self/status")


def run_child(path: Path, records: int, workdir: Path) -> dict:
    db = workdir / "db.sqlite3"
    db.unlink(missing_ok=True)
    completed = subprocess.run(
        [sys.executable, __file__, "--child", str(path), "--records", str(records)],
        env=_environment(workdir),
        capture_output=True,
        text=True,
        check=False,
    )
    if completed.returncode != 0:
        raise SystemExit(f"{path.name}: {completed.stdout}\n{completed.stderr}")
    return json.loads(completed.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=3, help="runs per format; the median is reported")
    parser.add_argument("--format", action="append", choices=list(FORMATS), help="default: all")
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.records)
        return

    formats = args.format or list(FORMATS)
    with tempfile.TemporaryDirectory(prefix="intelli-bench-ingest-") as tmp:
        workdir = Path(tmp)
        paths = generate(args.records, workdir, formats)
        print(f"{platform.node()}: {os.cpu_count()} CPUs, Linux {platform.release()}, ", end="")
        print(f"Python {platform.python_version()}, load average {os.getloadavg()[0]:.1f}")
        print(
            f"{'format':<16}{'size':>9}{'records':>10}{'wall (median)':>15}{'wall per run':>20}"
            f"{'CPU (median)':>14}{'peak RSS':>10}  target"
        )
        failed = False
        for name in formats:
            results = [run_child(paths[name], args.records, workdir) for _ in range(args.runs)]
            wall = statistics.median(r["wall_s"] for r in results)
            cpu = statistics.median(r["cpu_s"] for r in results)
            peak = max(r["peak_rss_mb"] for r in results)
            target = FORMATS[name][2]
            ok = wall <= target and peak <= RSS_TARGET_MB
            failed |= not ok
            runs = " ".join(f"{r['wall_s']:.2f}" for r in results)
            print(
                f"{name:<16}{results[0]['size_mb']:>7.1f}MB{results[0]['records']:>10,}{wall:>13.2f} s"
                f"  {runs:>18}{cpu:>12.2f} s{peak:>7.0f} MB  <= {target:.1f} s, <= {RSS_TARGET_MB} MB: "
                f"{'ok' if ok else 'MISSED'}  (RSS before the task {results[0]['rss_before_mb']:.0f} MB)"
            )
        print(f"load average after: {os.getloadavg()[0]:.1f}")
        sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
