#!/usr/bin/env python
"""Coverage-guided fuzzing of the parsers with atheris (libFuzzer): the optional half of issue #7's
"every parser fuzzed with hypothesis (and optionally atheris)". bench/fuzz_parsers.py is the
Hypothesis half, which knows the formats; this one knows nothing of them and follows the parser's
own branches instead.

Each target starts from a seed corpus of the exports the tests generate
(`apps/datasets/tests/fixtures*.py`, as bench/fuzz_parsers.py uses them) and runs in a libFuzzer
process of its own for an equal share of the time, with the parser modules (`apps.datasets`)
instrumented for coverage. A case fails as in bench/fuzz_parsers.py (`check`): an exception
escaping `parse_export`, a ParseError with code "parser_error", a broken result. libFuzzer itself
catches hangs (`--case-timeout`) and memory (`--max-rss-mb`); it stops a target at its first
failure and saves the input under --out (replay it with bench/fuzz_parsers.py --replay FILE).
Printed per target: executions, executions a second, coverage (edges, features), corpus, peak RSS.

    make fuzz-atheris           (installs requirements/fuzz.txt into .venv, then runs 5 minutes)
    .venv/bin/python bench/fuzz_atheris.py [--minutes 5 | --seconds 60] [--target lens-csv ...]
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from fuzz_parsers import BASE_DIR, TARGETS, _environment, add_run_arguments, check

SEED_SOURCES = {
    "espacenet-results-csv": lambda fx, fixtures, generated: (
        fx.build_espacenet_csv(),
        fx.espacenet_csv_from_records(generated),
    ),
    "espacenet-results-xlsx": lambda fx, fixtures, generated: (
        fx.build_espacenet_xlsx(),
        fx.build_espacenet_xlsx(abstract=False),
    ),
    "espacenet-filters-xlsx": lambda fx, fixtures, generated: (fixtures.build_filters_xlsx(),),
    "lens-csv": lambda fx, fixtures, generated: (
        fx.build_lens_csv(),
        fx.build_lens_csv(generation="2021"),
        fx.build_lens_csv(generation="2015"),
        fx.build_lens_scholarly_csv(),
    ),
    "google-patents-csv": lambda fx, fixtures, generated: (
        fx.build_google_csv(),
        fx.build_google_csv(excel=True, date_style="mdy"),
        fx.google_csv_from_records(generated),
    ),
    "random-bytes": lambda fx, fixtures, generated: (b"", b"PK\x03\x04", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"),
}
# libFuzzer's status lines, e.g. "#4096 pulse cov: 294 ft: 473 corp: 56/74Kb ... exec/s: 73 rss: 237Mb".
STATS_LINE = re.compile(
    r"#(\d+)\s+(\w+)\s+cov: (\d+) ft: (\d+) corp: (\d+)/(\S+) .*?exec/s: (\d+) rss: (\d+)Mb"
)


def child(target: str, corpus: Path, libfuzzer_args: list[str]) -> None:
    """Runs in its own process: seed the corpus, instrument the parsers, hand over to libFuzzer."""
    import logging

    import atheris

    import config.celery  # first: pins Polars/BLAS threads, as in an ingestion_io worker  # noqa: F401  # isort: skip
    import django

    django.setup()
    logging.getLogger("apps.datasets.parsers").setLevel(logging.CRITICAL)
    if not any(corpus.iterdir()):
        from apps.datasets.tests import fixtures
        from apps.datasets.tests import fixtures_records as fx

        generated = fx.generate_records(60)
        for number, seed in enumerate(SEED_SOURCES[target](fx, fixtures, generated)):
            (corpus / f"seed-{number}").write_bytes(seed)
    with atheris.instrument_imports(include=["apps.datasets"]):
        from apps.datasets import parsers  # noqa: F401  (instrumented for coverage)

    def one_input(data: bytes) -> None:
        outcome, failure = check(data)
        if failure is not None:
            raise RuntimeError(f"{outcome}:\n{failure}")

    atheris.Setup([sys.argv[0], *libfuzzer_args, str(corpus)], one_input)
    atheris.Fuzz()


def run_target(target: str, seconds: float, out: Path, case_timeout: float, max_rss_mb: float) -> dict:
    corpus = out / f"corpus-{target}"
    corpus.mkdir(parents=True, exist_ok=True)
    log = out / f"{target}.log"
    command = [
        sys.executable, __file__, "--child", target, "--corpus", str(corpus), "--",
        f"-max_total_time={int(seconds)}", f"-timeout={int(case_timeout)}",
        f"-rss_limit_mb={int(max_rss_mb)}", f"-artifact_prefix={out}/{target}-", "-max_len=262144",
    ]  # fmt: skip
    started = time.monotonic()
    with log.open("wb") as sink:
        status = subprocess.run(
            command, env=_environment(), cwd=BASE_DIR, stdout=sink, stderr=subprocess.STDOUT
        )
    text = log.read_text(errors="replace")
    lines = STATS_LINE.findall(text)
    done = [line for line in lines if line[1] == "DONE"]  # the last line, when it ran its time out
    runs, _, cov, features, corpus_size, corpus_bytes, per_second, rss = (done or lines or [("0",) * 8])[-1]
    crashes = sorted(p.name for p in out.glob(f"{target}-*"))
    if not crashes and "Uncaught Python exception" in text:  # killed before libFuzzer saved the input
        crashes = [f"(input not saved: the traceback is in {log.name})"]
    return {
        "target": target,
        "seconds": time.monotonic() - started,
        "status": status.returncode,
        "runs": int(runs),
        "per_second": int(per_second),
        "coverage": int(cov),
        "features": int(features),
        "corpus": f"{corpus_size} inputs, {corpus_bytes}",
        "rss_mb": int(rss),
        "failures": crashes,
        "log": log,
    }


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    add_run_arguments(parser, out_help="corpus, logs and failing inputs (default: a new /tmp dir)")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--corpus", type=Path, help=argparse.SUPPRESS)
    args, libfuzzer_args = parser.parse_known_args()
    if args.child:
        child(args.child, args.corpus, [a for a in libfuzzer_args if a != "--"])
        return 0
    try:
        import atheris  # noqa: F401
    except ImportError:
        print("atheris is not installed: `make fuzz-atheris`, or pip install -r requirements/fuzz.txt")
        return 2
    targets = args.target or list(TARGETS)
    total = args.seconds if args.seconds is not None else args.minutes * 60
    out = args.out or Path(tempfile.mkdtemp(prefix="intelli-atheris-"))
    out.mkdir(parents=True, exist_ok=True)
    print(f"atheris (libFuzzer) on {len(targets)} targets, {total / len(targets):.0f} s each; out: {out}")
    print(f"  machine   {os.cpu_count()} CPUs, {platform.platform()}, Python {platform.python_version()}")
    failed = False
    for target in targets:
        result = run_target(target, total / len(targets), out, args.case_timeout, args.max_rss_mb)
        failed |= bool(result["failures"]) or result["status"] != 0
        print(
            f"  {target:24} {result['runs']:>9,} runs  {result['per_second']:>6,}/s  "
            f"cov {result['coverage']:>5}  ft {result['features']:>6}  corpus {result['corpus']:>18}  "
            f"rss {result['rss_mb']} MB  exit {result['status']}"
        )
        for name in result["failures"]:
            print(f"    FAILURE saved: {out / name}  (log: {result['log']})")
    print("no failure" if not failed else "failures found")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
