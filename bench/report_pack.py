#!/usr/bin/env python
"""How long does a report pack of 20 charts take: ZIP + PDF + PPTX? Target: 5 s.

Starts an embedded Redis and a fresh SQLite database, ingests the generated Espacenet Filters
export (or `--export FILE`, e.g. ../shared/data/espacenet-filters.xlsx), draws the eight classic
analyses in three palettes (three jobs, so that no two of the 20 charts are the same image: the
PDF would store a repeated image once) with the real render code and describes each with the
local describer, all in this process. Then it builds a report pack of 20 of those charts
`--runs` times with the
report task's own body (`report_build`: read the charts' files and descriptions, write the PDF,
the PPTX and the ZIP, store the three files, mark the report ready, emit its events) and prints
the total and each stage: min, median, max.

    .venv/bin/python bench/report_pack.py [--charts 20] [--runs 5] [--export FILE] [--dpi 150]
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))

from apps.core.embedded_redis import free_port, start_redis, stop_redis  # noqa: E402

TARGET_S = 5.0


def setup_django(work: Path, redis_url: str) -> None:
    env = {
        "DJANGO_SETTINGS_MODULE": "config.settings.dev",
        "DJANGO_SECRET_KEY": "bench-only-" + "x" * 40,
        "DATABASE_URL": f"sqlite:///{work / 'db.sqlite3'}",
        "REDIS_URL": redis_url,
        "MEDIA_ROOT": str(work / "media"),
        "AI_PROVIDER": "local",
        "OPENAI_API_KEY": "",
    }
    os.environ.update(env)
    subprocess.run([sys.executable, "manage.py", "migrate", "--noinput", "-v0"], cwd=BASE_DIR, check=True)
    import django

    django.setup()


PALETTES = ("intelli", "colorblind", "viridis", "grayscale")


def draw_charts(*, charts: int, export: Path | None, dpi: int):
    from django.contrib.auth import get_user_model
    from django.core.files.uploadedfile import SimpleUploadedFile

    from apps.ai.models import Description
    from apps.ai.writing import description_run
    from apps.charts.analyses import CLASSIC_EIGHT
    from apps.charts.services import item_render
    from apps.datasets.services import dataset_create, dataset_ingest
    from apps.jobs import services as job_services
    from apps.jobs.services import job_create

    job_services.enqueue_items = lambda tickets: None  # drawn here, in this process
    import apps.ai.services as ai_services
    import apps.datasets.services as dataset_services

    ai_services._enqueue = lambda *ticket: None
    dataset_services._enqueue_ingest = lambda pk: None

    user = get_user_model().objects.create_user("bench", "bench@example.org", "bench-password-1")
    if export is not None:
        upload = SimpleUploadedFile(export.name, export.read_bytes())
    else:
        from apps.datasets.tests.fixtures import build_filters_xlsx

        upload = SimpleUploadedFile("generated-filters.xlsx", build_filters_xlsx())
    dataset = dataset_create(owner=user, upload=upload)
    dataset_ingest(dataset_id=dataset.pk)
    items = []
    for palette in PALETTES[: -(-charts // len(CLASSIC_EIGHT))]:
        job, _ = job_create(
            owner=user,
            dataset_id=dataset.pk,
            analyses=[{"key": key} for key in CLASSIC_EIGHT],
            style={"dpi": dpi, "palette": palette},
            describe=True,
            ai_provider="local",
        )
        for item in job.items.order_by("position"):
            item_render(item_id=item.pk, claim_id=item.claim_id, worker="bench")
            items.append(item.pk)
        for description in Description.objects.filter(item__job=job):
            description_run(description_id=description.pk, claim_id=description.claim_id, worker="bench")
    return user, items[:charts]


def stats(values: list[float]) -> str:
    return f"min {min(values):7.0f}  median {statistics.median(values):7.0f}  max {max(values):7.0f}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--charts", type=int, default=20)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--export", type=Path, default=None)
    parser.add_argument("--dpi", type=int, default=150)
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="intelli-bench-report-"))
    port = free_port()
    redis = start_redis(port=port, data_dir=work / "redis", appendonly=False)
    try:
        setup_django(work, f"redis://127.0.0.1:{port}/0")
        from apps.reports import services as report_services
        from apps.reports.models import Report

        started = time.perf_counter()
        user, items = draw_charts(charts=args.charts, export=args.export, dpi=args.dpi)
        print(
            f"Drew and described {len(items)} charts in {time.perf_counter() - started:.1f} s "
            f"({platform.platform()}, Python {platform.python_version()}, {os.cpu_count()} CPUs)"
        )
        report_services._enqueue_build = lambda *ticket: None  # built here, by the task's own body
        totals, stages = [], {"read_ms": [], "pdf_ms": [], "pptx_ms": [], "zip_ms": []}
        for run in range(args.runs + 1):  # the first run warms fonts and imports up
            report = report_services.report_create(owner=user, item_ids=items)
            began = time.perf_counter()
            assert report_services.report_build(report_id=report.pk, claim_id=report.claim_id)
            elapsed = (time.perf_counter() - began) * 1000
            report = Report.objects.get(pk=report.pk)
            if run == 0:
                print(f"warm-up: {elapsed:.0f} ms; sizes: " + ", ".join(
                    f"{kind} {size / 1024:.0f} KB" for kind, size in report.sizes.items()
                ))  # fmt: skip
                continue
            totals.append(elapsed)
            for key in stages:
                stages[key].append(report.timings[key])
        print(f"\nReport pack of {args.charts} charts (ZIP + PDF + PPTX), {args.runs} runs, ms:")
        print(f"  total (task body)  {stats(totals)}")
        for key, values in stages.items():
            print(f"  {key[:-3]:<17} {stats(values)}")
        median_s = statistics.median(totals) / 1000
        verdict = "OK" if median_s <= TARGET_S else "OVER TARGET"
        print(f"\nmedian {median_s:.2f} s against a target of {TARGET_S:.0f} s: {verdict}")
        return 0 if median_s <= TARGET_S else 1
    finally:
        stop_redis(redis)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
