from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
import redis
from django.conf import settings

from apps.core.testing.stack import LiveStack
from apps.web.testing import chromium_path, ensure_bundle

SCREENSHOTS = Path(
    os.environ.get("INTELLI_E2E_SCREENSHOTS", Path(settings.BASE_DIR) / "var" / "e2e-screenshots")
)


def _redis_url_for_browser_stack() -> str:
    """A Redis database of its own: apart from the unit tests' and the API end-to-end stack's."""
    parts = urlsplit(os.environ["REDIS_URL"])
    db = int(parts.path.strip("/") or 0)
    return urlunsplit(parts._replace(path=f"/{(db + 3) % 16}"))


def _database_url_for_stack() -> str:
    from django.db import connection

    db = connection.settings_dict
    if db["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{db['NAME']}"
    user = db.get("USER") or ""
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    auth = f"{user}{password}@" if user else ""
    return f"postgres://{auth}{db.get('HOST') or '127.0.0.1'}:{db.get('PORT') or 5432}/{db['NAME']}"


@pytest.fixture(scope="session")
def spa_bundle():
    reason = ensure_bundle()
    if reason:
        pytest.skip(reason)


@pytest.fixture(scope="module")  # module: the variable below must not outlive these tests
def chromium():
    path = chromium_path()
    if path is None:
        pytest.skip(
            "Chromium is not installed (apt-get install chromium); set INTELLI_CHROMIUM to use another"
        )
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an event loop running in this thread; Django would take every
    # ORM call of the test (creating a user) for one made from async code. They are not.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=path, args=["--no-sandbox", "--disable-dev-shm-usage"]
            )
            yield browser
            browser.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture(scope="module")
def browser_stack(spa_bundle, django_db_setup, django_db_blocker, tmp_path_factory):
    with django_db_blocker.unblock():
        database_url = _database_url_for_stack()
    media = tmp_path_factory.mktemp("web-e2e-media")
    url = _redis_url_for_browser_stack()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": database_url,
        "REDIS_URL": url,
        "CELERY_BROKER_URL": url,
        "MEDIA_ROOT": str(media),
        "PYTHONUNBUFFERED": "1",
    }
    env.pop("CHANNEL_LAYER_URL", None)
    redis.Redis.from_url(url).flushdb()
    live = LiveStack(env=env, log_dir=tmp_path_factory.mktemp("web-e2e-logs"))
    live.start()
    yield live
    live.stop()


_shots_taken: list[Path] = []


def pytest_terminal_summary(terminalreporter):
    if _shots_taken:
        terminalreporter.write_line(f"Screenshots of the web UI: {_shots_taken[0]}")


@pytest.fixture(scope="session")
def screenshots():
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    _shots_taken.append(SCREENSHOTS)
    print(f"\nScreenshots of the web UI: {SCREENSHOTS}")
    return SCREENSHOTS
