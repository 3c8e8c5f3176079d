"""What `scripts/start_celery_worker.sh` and `.ps1` run before they hand over to Celery.

Both scripts call this module once: it loads the project's settings (so the broker URL comes from
.env or the environment, never from the script), waits for the broker with a clear message and a
hint, then prints the Celery command line, one argument per line, for the script to run in its
own place (`exec` in bash, so SIGTERM and Ctrl-C reach Celery directly). Messages go to stderr,
the command to stdout. Sharing this module keeps the two scripts' behaviour and messages the same.

    python -m apps.ops.launch worker --queue charts_cpu [--wait 60]
    python -m apps.ops.launch worker --all
    python -m apps.ops.launch beat

Exit codes: 0 command printed, 2 usage error, 3 broker unreachable after the wait.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

from apps.core.queues import QUEUE_PROFILES, Queue, worker_argv

BASE_DIR = Path(__file__).resolve().parents[2]
DEFAULT_WAIT_S = 60
RETRY_EVERY_S = 2
ALL_QUEUES_CONCURRENCY = 2  # a laptop: two processes serve the three queues
EXIT_USAGE, EXIT_NO_BROKER = 2, 3


def is_windows(platform: str = sys.platform) -> bool:
    return platform.startswith("win")


def worker_command(
    *, queue: Queue | None, python: str = sys.executable, platform: str = sys.platform
) -> list[str]:
    """`celery worker` for one queue with its profile, or (queue None) one worker on all three."""
    if queue is not None:
        argv = worker_argv(queue, python=python, hostname=f"{queue.value}@%h")
        profile_pool = QUEUE_PROFILES[queue].pool
    else:
        argv = [
            python, "-m", "celery", "-A", "config", "worker",
            "-Q", ",".join(q.value for q in Queue), "-n", "all@%h",
            "--concurrency", str(ALL_QUEUES_CONCURRENCY), "--prefetch-multiplier", "1",
            "--loglevel", "INFO",
        ]  # fmt: skip
        profile_pool = None
    if is_windows(platform) and profile_pool is None:
        argv += ["--pool", "solo"]  # prefork cannot fork on Windows
    return argv


def beat_command(*, python: str = sys.executable) -> list[str]:
    schedule = BASE_DIR / "var" / "celerybeat-schedule"
    schedule.parent.mkdir(parents=True, exist_ok=True)
    return [python, "-m", "celery", "-A", "config", "beat", "--loglevel", "INFO", "--schedule", str(schedule)]


def say(message: str) -> None:
    sys.stderr.write(message + "\n")
    sys.stderr.flush()


def wait_for_broker(wait_s: float) -> bool:
    from django.conf import settings

    from apps.ops.checks import broker_kind, check_broker, redact_url

    url = redact_url(settings.CELERY_BROKER_URL)
    deadline = time.monotonic() + wait_s
    said = False
    while True:
        result = check_broker(timeout=RETRY_EVERY_S)
        if result.ok:
            say(f"Broker {url} is reachable.")
            return True
        if time.monotonic() >= deadline:
            say(f"The broker at {url} did not answer within {wait_s:.0f} s ({result.summary}).")
            kind = broker_kind(settings.CELERY_BROKER_URL)
            start = "redis-server (or `make run`, which starts one)" if kind == "redis" else "RabbitMQ"
            say(
                f"Hint: start {start}, or set CELERY_BROKER_URL (default: REDIS_URL) in .env; "
                "a password goes in the URL, e.g. redis://:secret@host:6379/0. "
                "Then run scripts/check_celery.py."
            )
            return False
        if not said:
            say(f"Waiting for the broker at {url} (up to {wait_s:.0f} s)…")
            said = True
        time.sleep(RETRY_EVERY_S)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m apps.ops.launch")
    parser.add_argument("what", choices=["worker", "beat"])
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--all", action="store_true")
    group.add_argument("--queue", choices=[q.value for q in Queue])
    parser.add_argument("--wait", type=float, default=DEFAULT_WAIT_S)
    parser.add_argument("--python", default=sys.executable)
    args = parser.parse_args(argv)
    if args.what == "worker" and not (args.all or args.queue):
        say("Say which queue: --queue ingestion_io|charts_cpu|ai, or --all for one worker on all three.")
        return EXIT_USAGE

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")
    import django

    django.setup()
    if not wait_for_broker(args.wait):
        return EXIT_NO_BROKER
    if args.what == "beat":
        command = beat_command(python=args.python)
    else:
        command = worker_command(queue=Queue(args.queue) if args.queue else None, python=args.python)
    sys.stdout.write("\n".join(command) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
