#!/usr/bin/env python
"""Fuzz every parser for minutes: no crash, no hang, bounded memory (issue #7, "Bad input").

Hypothesis draws inputs for each parser from the exports the tests generate
(`apps/datasets/tests/fixtures*.py`): the small exports with every quirk and a 300-record one,
mutated at the byte level (flips, cuts, repeats, quotes and line ends inserted, splices of two
exports), CSVs with a real header and arbitrary cells, workbooks with arbitrary cells or with their
XML damaged and zipped again; and random bytes for detection. Every case goes through
`parse_export`, the one entry point ingestion uses, with the file name "fuzzed".

A case passes when it ends in a result (summary JSON-serialisable, publication numbers present
and unique) or in a ParseError written for the analyst. A failure is anything else: another
exception, a ParseError with code "parser_error" (what `parse_export` says when a parser let
another exception escape: a bug), a broken result, a case running past `--case-timeout` (a hang)
or the process going past `--max-rss-mb`. Each failure's input is saved under `--out` and
printed with how to replay it; the exit status is 1 when there is one.

Each parser is fuzzed in a process of its own (set up as an ingestion_io worker: Polars pinned to
one thread), for an equal share of the time; the parent watches it (a case that does not finish
within the case timeout, or RSS past the limit, is killed and recorded, and fuzzing goes on in a
new process). Printed per parser: cases run, outcomes, the slowest case, peak RSS.

    .venv/bin/python bench/fuzz_parsers.py [--minutes 5 | --seconds 60] [--target lens-csv ...]
    .venv/bin/python bench/fuzz_parsers.py --replay var/fuzz/<file>.bin
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import platform
import signal
import subprocess
import sys
import tempfile
import time
import traceback
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))

MIB = 1024 * 1024
TARGETS = (
    "espacenet-results-csv",
    "espacenet-results-xlsx",
    "espacenet-filters-xlsx",
    "lens-csv",
    "google-patents-csv",
    "random-bytes",
)
# Hypothesis keeps what it generated during one run to steer the next draws; runs of this many
# cases keep its memory flat over minutes (a fresh random seed each run).
CASES_PER_RUN = 500
POLL_S = 0.2


def _environment() -> dict[str, str]:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.dev",
        "DJANGO_SECRET_KEY": "bench-only-not-secret",
        "PYTHONPATH": str(BASE_DIR),
        "PYTHONUNBUFFERED": "1",
    }


# --- Inputs (in the child) ------------------------------------------------------------------------


def _strategies(target: str):
    """The Hypothesis strategy for one target: mutated exports, arbitrary cells, damaged XML."""
    import io
    import zipfile

    from hypothesis import strategies as st
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    from apps.datasets.canonical import Field
    from apps.datasets.tests import fixtures
    from apps.datasets.tests import fixtures_records as fx
    from apps.datasets.tests.test_parsers_properties import mutated

    generated = fx.generate_records(300)
    cell = st.one_of(
        st.text(max_size=40),
        st.sampled_from(
            ('"', '""', ";;", ";", ",", "\r\n", "\r", "", " ", "31/12/99", "2/30/2020", "00.00.0000",
             "9999-99-99", "0000-00-00", "1900-02-29", "US", "EP 1 B1", "EP1234567A1 EP1234567B1", "A01B",
             "G01N 33/24 (EP,US)", "Co., Ltd.", ", Inc.", "[XX]", "NaN", "nan", "inf", "-1", "1e309",
             "99999999999999999999", "\ufeff", "\x00", "é", "\u202e")
        ),
    )  # fmt: skip
    number = st.one_of(st.integers(-(2**70), 2**70), st.floats(allow_nan=True, allow_infinity=True))

    def text_target(seeds: tuple[bytes, ...]):
        @st.composite
        def with_random_cells(draw) -> bytes:
            lines = draw(st.sampled_from(seeds)).split(b"\n")
            header_at = draw(st.integers(0, min(len(lines) - 1, 9)))
            separator = draw(st.sampled_from((",", ";", "\t")))
            rows = draw(st.lists(st.lists(cell, max_size=45), max_size=12))
            body = "\n".join(separator.join(row) for row in rows)
            encoding = draw(st.sampled_from(("utf-8", "cp1252")))
            return b"\n".join(lines[: header_at + 1]) + b"\n" + body.encode(encoding, errors="replace")

        return st.one_of(mutated(seeds), with_random_cells())

    def rezip(seed: bytes, member: str, content: bytes) -> bytes:
        out = io.BytesIO()
        with (
            zipfile.ZipFile(io.BytesIO(seed)) as source,
            zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive,
        ):
            for info in source.infolist():
                archive.writestr(info.filename, content if info.filename == member else source.read(info))
        return out.getvalue()

    def workbook_target(seeds: tuple[bytes, ...], random_cells):
        @st.composite
        def with_damaged_xml(draw) -> bytes:
            seed = draw(st.sampled_from(seeds))
            with zipfile.ZipFile(io.BytesIO(seed)) as archive:
                member = draw(st.sampled_from([n for n in archive.namelist() if n.endswith(".xml")]))
                xml = archive.read(member)
            return rezip(seed, member, draw(mutated((xml,))))

        return st.one_of(mutated(seeds), with_damaged_xml(), random_cells)

    if target == "espacenet-results-csv":
        return text_target((fx.build_espacenet_csv(), fx.espacenet_csv_from_records(generated)))
    if target == "lens-csv":
        return text_target(
            (
                fx.build_lens_csv(),
                fx.build_lens_csv(generation="2021"),
                fx.build_lens_csv(generation="2015"),
                fx.build_lens_scholarly_csv(),
                fx.lens_csv_from_records(generated),
            )
        )
    if target == "google-patents-csv":
        return text_target(
            (
                fx.build_google_csv(),
                fx.build_google_csv(excel=True, date_style="mdy"),
                fx.google_csv_from_records(generated),
            )
        )
    if target == "espacenet-results-xlsx":

        @st.composite
        def results_with_random_cells(draw) -> bytes:
            header = list(fx.ESPACENET_HEADER)
            if draw(st.booleans()):
                header = draw(st.permutations(header))[: draw(st.integers(1, len(header)))]
            rows = draw(st.lists(st.lists(st.one_of(cell, number), max_size=len(header) + 2), max_size=12))
            query = [[line] for line in fx.espacenet_preamble(len(rows))]
            return fx.write_xlsx_fast({"Query": query, "Results": [header, *rows]})

        seeds = (
            fx.build_espacenet_xlsx(),
            fx.build_espacenet_xlsx(abstract=False),
            fx.espacenet_xlsx_from_records(generated),
        )
        return workbook_target(seeds, results_with_random_cells())
    if target == "espacenet-filters-xlsx":

        @st.composite
        def filters_with_random_cells(draw) -> bytes:
            facet = draw(st.sampled_from([facet_field for _, facet_field, _ in fixtures.FACET_SHEETS]))
            # openpyxl writes no control characters: it raises, and the half-written sheet's lxml
            # writers it leaves behind hang the garbage collector later (seen here, in a case).
            text = cell.map(lambda value: ILLEGAL_CHARACTERS_RE.sub("", value))
            key = st.one_of(text, number, st.none())
            rows = draw(st.lists(st.tuples(key, st.one_of(number, text, st.none())), max_size=20))
            return fixtures.build_filters_xlsx(rows={Field(facet): rows})

        return workbook_target((fixtures.build_filters_xlsx(),), filters_with_random_cells())
    if target == "random-bytes":
        return st.one_of(
            st.binary(max_size=64 * 1024),
            st.text(max_size=4096).map(lambda text: text.encode("utf-8", errors="surrogatepass")),
            # Magic numbers, so the zip and OLE2 paths see junk too.
            st.tuples(
                st.sampled_from(
                    (b"PK\x03\x04", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", b"\xef\xbb\xbf", b"\xff\xfe")
                ),
                st.binary(max_size=8192),
            ).map(b"".join),
        )
    raise SystemExit(f"unknown target {target}")


# --- One case -------------------------------------------------------------------------------------


def check(data: bytes) -> tuple[str, str | None]:
    """(outcome, failure): the outcome is "parsed" or the ParseError's code; failure a traceback."""
    from apps.datasets.parsers import ParseError, parse_export

    try:
        result = parse_export(data, filename="fuzzed")
    except ParseError as error:
        if error.code == "parser_error" or not str(error).strip():
            cause = error.__cause__ or error
            return "parser_error", "".join(traceback.format_exception(cause))
        return error.code, None
    except Exception as error:  # any other exception escaping the entry point is a failure
        return "exception", "".join(traceback.format_exception(error))
    try:
        assert json.loads(json.dumps(result.summary)) == result.summary, "summary is not JSON"
        publications = result.canonical.publications
        if publications is not None:
            numbers = publications.get_column("publication_number")
            assert numbers.null_count() == 0, "a publication without a number"
            assert numbers.is_unique().all(), "publication numbers repeat"
    except AssertionError as error:
        return "broken_result", "".join(traceback.format_exception(error))
    return "parsed", None


def _signature(failure: str) -> str:
    """Where it failed: the exception line and the deepest frame in the project's code."""
    lines = failure.strip().splitlines()
    frames = [line.strip() for line in lines if line.strip().startswith('File "') and "/apps/" in line]
    return f"{lines[-1][:200]} @ {frames[-1] if frames else '?'}"


# --- The child: one target for a while ------------------------------------------------------------


def _rss_mb() -> tuple[float, float]:
    """(current, peak) resident set size of this process."""
    values = {}
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(("VmRSS:", "VmHWM:")):
            values[line.split(":")[0]] = int(line.split()[1]) / 1024
    return values["VmRSS"], values["VmHWM"]


def child(target: str, seconds: float, out: Path) -> None:
    import faulthandler
    import logging

    faulthandler.register(signal.SIGUSR1)  # the parent asks where a hung process is

    import config.celery  # first: pins Polars/BLAS threads, as in an ingestion_io worker  # noqa: F401  # isort: skip
    import django

    django.setup()
    from hypothesis import HealthCheck, Phase, given, settings

    logging.getLogger("apps.datasets.parsers").setLevel(logging.CRITICAL)  # we print the cause ourselves
    strategy = _strategies(target)
    check(b"warm-up")
    baseline_mb = _rss_mb()[0]
    inflight = out / f"inflight-{target}.bin"
    checkpoint = out / f"stats-{target}.json"
    stats_due = [0.0]
    stats: dict = {
        "cases": 0,
        "outcomes": collections.Counter(),
        "slowest_s": 0.0,
        "slowest_bytes": 0,
        "slowest_outcome": "",
        "failures": {},
        "bytes": 0,
    }
    fuzz_started = time.monotonic()
    deadline = fuzz_started + seconds

    class TimeUp(Exception):
        pass

    @settings(
        max_examples=CASES_PER_RUN,
        deadline=None,
        database=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(strategy)
    def fuzz(data: bytes) -> None:
        if time.monotonic() > deadline:
            raise TimeUp
        inflight.write_bytes(data)  # the parent saves it if this case hangs or blows the memory
        started = time.perf_counter()
        outcome, failure = check(data)
        elapsed = time.perf_counter() - started
        inflight.unlink()  # between cases (Hypothesis drawing the next one) nothing is in flight
        stats["cases"] += 1
        stats["bytes"] += len(data)
        stats["outcomes"][outcome] += 1
        if elapsed > stats["slowest_s"]:
            stats.update(slowest_s=elapsed, slowest_bytes=len(data), slowest_outcome=outcome)
            (out / f"slowest-{target}.bin").write_bytes(data)
        if time.monotonic() > stats_due[0]:  # what the parent counts if it has to kill this process
            stats_due[0] = time.monotonic() + 1
            stats["fuzz_s"] = time.monotonic() - fuzz_started
            checkpoint.write_text(json.dumps(stats, default=dict))
        if failure is not None:
            signature = _signature(failure)
            known = stats["failures"].get(signature)
            if known is None or len(data) < known["size"]:
                path = out / f"failure-{target}-{len(stats['failures']) if known is None else known['n']}.bin"
                path.write_bytes(data)
                stats["failures"][signature] = {
                    "n": len(stats["failures"]) if known is None else known["n"],
                    "size": len(data),
                    "reproducer": str(path),
                    "traceback": failure,
                    "count": (known or {}).get("count", 0) + 1,
                }
            else:
                known["count"] += 1

    while time.monotonic() < deadline:
        try:
            fuzz()
        except TimeUp:
            break
    inflight.unlink(missing_ok=True)
    checkpoint.unlink(missing_ok=True)
    _, peak_mb = _rss_mb()
    stats.update(baseline_rss_mb=baseline_mb, peak_rss_mb=peak_mb, fuzz_s=time.monotonic() - fuzz_started)
    print(json.dumps(stats, default=dict))


# --- The parent: a watched child per target -------------------------------------------------------


def run_target(target: str, seconds: float, out: Path, case_timeout: float, max_rss_mb: float) -> dict:
    """Fuzz one target for `seconds`, restarting the child after a hang or a memory blow-up."""
    import psutil

    total: dict = {
        "cases": 0,
        "outcomes": collections.Counter(),
        "slowest_s": 0.0,
        "slowest_bytes": 0,
        "slowest_outcome": "",
        "failures": {},
        "peak_rss_mb": 0.0,
        "baseline_rss_mb": 0.0,
        "watched_peak_rss_mb": 0.0,
        "bytes": 0,
        "fuzz_s": 0.0,
    }
    deadline = time.monotonic() + seconds
    inflight = out / f"inflight-{target}.bin"
    checkpoint = out / f"stats-{target}.json"
    while (remaining := deadline - time.monotonic()) > 1:
        inflight.unlink(missing_ok=True)
        process = subprocess.Popen(
            [sys.executable, __file__, "--child", target, "--seconds", str(remaining), "--out", str(out)],
            env=_environment(),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        watched = psutil.Process(process.pid)
        killed = None
        while process.poll() is None:
            time.sleep(POLL_S)
            try:
                rss_mb = watched.memory_info().rss / MIB
            except psutil.NoSuchProcess:
                break
            total["watched_peak_rss_mb"] = max(total["watched_peak_rss_mb"], rss_mb)
            if rss_mb > max_rss_mb:
                killed = f"RSS {rss_mb:,.0f} MB, over the {max_rss_mb:,.0f} MB limit"
            elif _older_than(inflight, case_timeout):
                killed = f"a case ran past {case_timeout:g} s (a hang)"
            elif _older_than(checkpoint, 3 * case_timeout) and not inflight.exists():
                killed = f"no case for {3 * case_timeout:g} s (stalled between cases)"
            if killed:
                process.send_signal(signal.SIGUSR1)  # the child prints where it is (faulthandler)
                time.sleep(1)
                process.kill()
                break
        stdout, stderr = process.communicate()
        if killed:
            path = out / f"failure-{target}-killed-{len(total['failures'])}.bin"
            if inflight.exists():
                inflight.rename(path)
            if killed in total["failures"]:
                total["failures"][killed]["count"] += 1
            else:
                size = path.stat().st_size if path.exists() else 0
                total["failures"][killed] = {
                    "size": size,
                    "reproducer": str(path),
                    "traceback": f"{killed}; where the process was:\n{stderr[-3000:]}",
                    "count": 1,
                }
            if checkpoint.exists():  # the cases the killed process ran before
                _add(total, {**json.loads(checkpoint.read_text()), "peak_rss_mb": 0, "baseline_rss_mb": 0})
                checkpoint.unlink()
            continue
        if process.returncode != 0:  # the child itself crashed (a segfault in a native library...)
            path = out / f"failure-{target}-crash-{len(total['failures'])}.bin"
            if inflight.exists():
                inflight.rename(path)
            signature = f"the fuzzing process died with status {process.returncode}"
            total["failures"][signature] = {
                "size": path.stat().st_size if path.exists() else 0,
                "reproducer": str(path),
                "traceback": stderr[-3000:],
                "count": 1,
            }
            continue
        _add(total, json.loads(stdout.strip().splitlines()[-1]))
    return total


def _older_than(path: Path, seconds: float) -> bool:
    try:
        return time.time() - path.stat().st_mtime > seconds
    except FileNotFoundError:
        return False


def _add(total: dict, stats: dict) -> None:
    """Add one child's figures to the target's."""
    total["cases"] += stats["cases"]
    total["bytes"] += stats["bytes"]
    total["fuzz_s"] += stats.get("fuzz_s", 0.0)
    total["outcomes"].update(stats["outcomes"])
    if stats["slowest_s"] > total["slowest_s"]:
        total.update({key: stats[key] for key in ("slowest_s", "slowest_bytes", "slowest_outcome")})
    total["failures"].update(stats["failures"])
    total["peak_rss_mb"] = max(total["peak_rss_mb"], stats["peak_rss_mb"])
    total["baseline_rss_mb"] = max(total["baseline_rss_mb"], stats["baseline_rss_mb"])


def replay(path: Path) -> None:
    """Parse one saved input and say what happened (the traceback, for a failure)."""
    import django

    django.setup()
    data = path.read_bytes()
    started = time.perf_counter()
    outcome, failure = check(data)
    print(f"{path}: {len(data):,} bytes, {outcome} in {time.perf_counter() - started:.3f} s")
    if failure:
        print(failure)
        raise SystemExit(1)


def add_run_arguments(parser: argparse.ArgumentParser, *, out_help: str) -> None:
    """The options of a fuzzing run, shared with bench/fuzz_atheris.py."""
    parser.add_argument("--minutes", type=float, default=5.0, help="total, shared equally by the targets")
    parser.add_argument("--seconds", type=float, help="total, instead of --minutes (short runs)")
    parser.add_argument("--target", action="append", choices=TARGETS, help="default: all")
    parser.add_argument("--case-timeout", type=float, default=10.0, help="a case running longer is a hang")
    parser.add_argument("--max-rss-mb", type=float, default=1024.0, help="a fuzzing process using more fails")
    parser.add_argument("--out", type=Path, help=out_help)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    add_run_arguments(parser, out_help="where inputs are saved (default: a new directory in /tmp)")
    parser.add_argument("--replay", type=Path, help="parse this saved input and print the outcome")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.replay:
        os.environ.update(_environment())
        replay(args.replay)
        return
    if args.child:
        child(args.child, args.seconds, args.out)
        return

    targets = args.target or list(TARGETS)
    seconds = args.seconds if args.seconds is not None else args.minutes * 60
    out = args.out or Path(tempfile.mkdtemp(prefix="intelli-fuzz-parsers-"))
    out.mkdir(parents=True, exist_ok=True)
    print(f"{platform.node()}: {os.cpu_count()} CPUs, Linux {platform.release()}, ", end="")
    print(f"Python {platform.python_version()}, load average {os.getloadavg()[0]:.1f}")
    print(
        f"{seconds / 60:.1f} min over {len(targets)} targets ({seconds / len(targets):.0f} s each), "
        f"case timeout {args.case_timeout:g} s, RSS limit {args.max_rss_mb:,.0f} MB; inputs saved in {out}"
    )
    print(
        f"{'target':<24}{'cases':>8}{'cases/s':>9}{'parsed':>8}{'refused':>9}{'slowest case':>26}"
        f"{'peak RSS':>10}{'failures':>10}"
    )
    results = {}
    started = time.monotonic()
    for target in targets:
        total = run_target(target, seconds / len(targets), out, args.case_timeout, args.max_rss_mb)
        results[target] = total
        parsed = total["outcomes"].get("parsed", 0)
        failed = sum(failure["count"] for failure in total["failures"].values())
        refused = total["cases"] - parsed - total["outcomes"].get("parser_error", 0)
        refused -= total["outcomes"].get("exception", 0) + total["outcomes"].get("broken_result", 0)
        slowest = f"{total['slowest_s'] * 1000:,.0f} ms ({total['slowest_bytes'] / 1024:,.0f} KB)"
        peak = max(total["peak_rss_mb"], total["watched_peak_rss_mb"])
        print(
            f"{target:<24}{total['cases']:>8,}{total['cases'] / max(total['fuzz_s'], 1e-9):>9.1f}{parsed:>8,}"
            f"{refused:>9,}{slowest:>26}{peak:>7,.0f} MB{failed:>10}"
        )
    elapsed = time.monotonic() - started
    cases = sum(total["cases"] for total in results.values())
    print(f"{cases:,} cases in {elapsed / 60:.1f} min; worker baseline RSS ", end="")
    print(f"{max(total['baseline_rss_mb'] for total in results.values()):,.0f} MB")
    refusals = collections.Counter()
    for total in results.values():
        refusals.update({k: v for k, v in total["outcomes"].items() if k != "parsed"})
    print(
        "outcomes other than parsed: "
        + ", ".join(f"{code} {count:,}" for code, count in refusals.most_common())
    )

    failures = [(target, sig, f) for target, total in results.items() for sig, f in total["failures"].items()]
    for target, signature, failure in failures:
        print(f"\nFAILURE in {target} ({failure['count']} cases): {signature}")
        print(f"  reproducer ({failure['size']:,} bytes): {failure['reproducer']}")
        print(f"  replay: .venv/bin/python bench/fuzz_parsers.py --replay {failure['reproducer']}")
        print("  " + failure["traceback"].strip().replace("\n", "\n  ")[-4000:])
    if failures:
        raise SystemExit(1)
    print("no failures")


if __name__ == "__main__":
    main()
