"""What the benchmarks share: a stack started as `make run` starts it, a signed-in client, a dataset.

Benchmarks run as scripts (`.venv/bin/python bench/<name>.py`); this module is imported by them.
"""

from __future__ import annotations

import contextlib
import os
import platform
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
if str(BASE_DIR) not in sys.path:
    sys.path.insert(0, str(BASE_DIR))

import requests  # noqa: E402

from apps.core.embedded_redis import free_port, start_redis, stop_redis  # noqa: E402
from apps.core.testing.stack import LiveStack  # noqa: E402

PASSWORD = "bench-password-not-secret"  # noqa: S105
FILTERS_EXPORT = BASE_DIR.parent / "shared" / "data" / "espacenet-filters.xlsx"


def machine() -> str:
    return (
        f"{platform.node()}: {os.cpu_count()} CPUs, {platform.platform()}, Python {platform.python_version()}"
    )


def _exit_on_sigterm(signum, frame) -> None:
    raise SystemExit(128 + signum)


@contextlib.contextmanager
def bench_stack(*, users: tuple[str, ...] = ("bench",)) -> Iterator[LiveStack]:
    """A fresh database (SQLite unless DATABASE_URL is set), an embedded Redis unless REDIS_URL is set,
    daphne and one worker per queue with their production profiles; stopped on exit."""
    # A benchmark stopped with SIGTERM (`timeout`, Ctrl-C's cousin) must still stop its stack: by
    # default SIGTERM ends Python without running the cleanup below, leaving daphne and the workers
    # running (and spinning on a Redis that is gone), which skews every later measurement.
    signal.signal(signal.SIGTERM, _exit_on_sigterm)
    work = Path(tempfile.mkdtemp(prefix="intelli-bench-"))
    redis_process = None
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.dev",
        "DJANGO_SECRET_KEY": "bench-only-" + "x" * 40,
        "MEDIA_ROOT": str(work / "media"),
        "PYTHONUNBUFFERED": "1",
    }
    env.setdefault("DATABASE_URL", f"sqlite:///{work / 'db.sqlite3'}")
    if not env.get("REDIS_URL"):
        port = free_port()
        redis_process = start_redis(port=port, data_dir=work / "redis", appendonly=True)
        env["REDIS_URL"] = f"redis://127.0.0.1:{port}/0"

    def manage(*command: str) -> None:
        subprocess.run([sys.executable, "manage.py", *command], cwd=BASE_DIR, env=env, check=True)

    stack = LiveStack(env=env, log_dir=work / "logs")
    finished = False
    try:
        manage("migrate", "--noinput", "-v0")
        manage("flush", "--noinput", "-v0")  # a DATABASE_URL given may hold an earlier run's rows
        create = "; ".join(f"User.objects.create_user({name!r}, password={PASSWORD!r})" for name in users)
        manage(
            "shell",
            "-v0",
            "-c",
            f"from django.contrib.auth import get_user_model; User = get_user_model(); {create}",
        )
        stack.start()
        yield stack
    except BaseException:
        print(f"the stack's logs are kept in {work / 'logs'}", file=sys.stderr)
        raise
    else:
        finished = True
    finally:
        stack.stop()
        if redis_process is not None:
            stop_redis(redis_process)
    if finished:
        shutil.rmtree(work, ignore_errors=True)


def signed_in(stack: LiveStack, username: str = "bench") -> requests.Session:
    """A browser-like session: cookie, CSRF header and Origin on every request."""
    http = requests.Session()
    http.headers["Origin"] = stack.base_url
    http.get(f"{stack.base_url}/api/v1/auth/csrf/").raise_for_status()
    http.headers["X-CSRFToken"] = http.cookies["csrftoken"]
    http.post(
        f"{stack.base_url}/api/v1/auth/login/", json={"username": username, "password": PASSWORD}
    ).raise_for_status()
    http.headers["X-CSRFToken"] = http.cookies["csrftoken"]
    return http


def cookie_header(http: requests.Session) -> dict[str, str]:
    return {"Cookie": "; ".join(f"{k}={v}" for k, v in http.cookies.items())}


def ready_dataset(stack: LiveStack, http: requests.Session) -> int:
    """Upload the Filters export (or the generated fixture) and wait until it is READY."""
    from apps.datasets.tests.fixtures import build_filters_xlsx

    content = FILTERS_EXPORT.read_bytes() if FILTERS_EXPORT.is_file() else build_filters_xlsx()
    response = http.post(f"{stack.base_url}/api/v1/datasets/", files={"file": ("export.xlsx", content)})
    response.raise_for_status()
    dataset_id = response.json()["id"]
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        dataset = http.get(f"{stack.base_url}/api/v1/datasets/{dataset_id}/").json()
        if dataset["status"] == "READY":
            return dataset_id
        if dataset["status"] == "FAILED":
            raise SystemExit(f"Ingestion failed: {dataset['error']}")
        time.sleep(0.05)
    raise SystemExit("The dataset was not read within 120 s")


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]
