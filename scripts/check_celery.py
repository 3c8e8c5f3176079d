#!/usr/bin/env python
"""Is the task system healthy? One ✓/✗ line per check, with a hint for each failure.

    .venv/bin/python scripts/check_celery.py            # human-readable
    .venv/bin/python scripts/check_celery.py --json     # for machines (monitoring, CI)

Checks: broker reachable (and its latency), result backend, channel layer round trip, eager mode
off, workers alive and the queues each consumes (every queue needs a consumer), registered tasks
equal the code's, queue depths and the oldest message's age. Settings come from the environment
or .env like everything else (DJANGO_SETTINGS_MODULE defaults to config.settings.dev). Exit code
0 when every check passes, 1 otherwise, 2 when the settings themselves cannot load.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Check the broker, workers, queues and channel layer.")
    parser.add_argument("--json", action="store_true", help="print one JSON document instead of lines")
    parser.add_argument("--timeout", type=float, default=2.0, help="seconds to wait for each answer")
    args = parser.parse_args(argv)

    try:
        import django

        django.setup()
    except Exception as exc:
        message = f"The settings could not load: {exc}"
        if args.json:
            print(json.dumps({"ok": False, "error": message, "checks": []}))
        else:
            print(f"✗ settings: {message}\n    hint: fix the variable it names in .env or the environment.")
        return 2

    from apps.ops.checks import checks_ok, run_checks

    results = run_checks(timeout=args.timeout)
    ok = checks_ok(results)
    if args.json:
        print(json.dumps({"ok": ok, "checks": [r.as_dict() for r in results]}, indent=2, default=str))
        return 0 if ok else 1
    width = max(len(r.name) for r in results)
    for result in results:
        print(f"{'✓' if result.ok else '✗'} {result.name:<{width}}  {result.summary}")
        if result.hint and not result.ok:
            print(f"  {'':<{width}}  hint: {result.hint}")
        elif result.hint:
            print(f"  {'':<{width}}  note: {result.hint}")
    print("All checks passed." if ok else "Some checks failed.")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
