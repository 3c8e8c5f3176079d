"""Settings read from the environment: a mistake there is named, not a traceback from elsewhere."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from django.conf import settings


def manage_check(database_url: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test", "DATABASE_URL": database_url}
    return subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_an_empty_database_url_means_the_default():
    result = manage_check("")
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("url", ["nonsense", "postgress//db"])
def test_a_database_url_django_cannot_use_is_named(url):
    # It used to surface as "'Settings' object has no attribute 'worker_max_tasks_per_child'":
    # Celery's lazy settings turned the settings module's KeyError into that.
    result = manage_check(url)
    assert result.returncode != 0
    assert "DATABASE_URL is not a database URL Django can use" in result.stderr
    assert "worker_max_tasks_per_child" not in result.stderr
