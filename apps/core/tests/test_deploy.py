"""Settings read from the environment: production passes Django's deployment checklist with nothing
to report, and a mistake in the environment is named, not a traceback from elsewhere."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys

import pytest
from django.conf import settings


def manage_check(*args: str, **environment: str) -> subprocess.CompletedProcess:
    """`manage.py check` in a fresh process, with these variables over the current environment."""
    return subprocess.run(
        [sys.executable, "manage.py", "check", *args],
        cwd=settings.BASE_DIR,
        env={**os.environ, **environment},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_settings_pass_check_deploy_with_no_warnings():
    result = manage_check(
        "--deploy",
        "--fail-level",
        "WARNING",
        DJANGO_SETTINGS_MODULE="config.settings.prod",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        DJANGO_ALLOWED_HOSTS="intelli.example.org",
        CELERY_TASK_ALWAYS_EAGER="false",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


def test_production_settings_refuse_to_start_without_a_secret_key():
    result = manage_check(DJANGO_SETTINGS_MODULE="config.settings.prod", DJANGO_SECRET_KEY="")
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY must be set in production." in result.stderr


def test_an_empty_database_url_means_the_default():
    result = manage_check(DJANGO_SETTINGS_MODULE="config.settings.test", DATABASE_URL="")
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("url", ["nonsense", "postgress//db"])
def test_a_database_url_django_cannot_use_is_named(url):
    # It used to surface as "'Settings' object has no attribute 'worker_max_tasks_per_child'":
    # Celery's lazy settings turned the settings module's KeyError into that.
    result = manage_check(DJANGO_SETTINGS_MODULE="config.settings.test", DATABASE_URL=url)
    assert result.returncode != 0
    assert "DATABASE_URL is not a database URL Django can use" in result.stderr
    assert "worker_max_tasks_per_child" not in result.stderr
