"""Test settings: the suite starts its own Redis (see apps/core/testing/plugin.py)."""

import os
import tempfile
from pathlib import Path

from .base import *  # noqa: F403
from .base import DATABASES, env

SECRET_KEY = "test-only-not-secret"  # noqa: S105
DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # fast logins in tests
STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}  # noqa: F405
MEDIA_ROOT = Path(env("MEDIA_ROOT", default=tempfile.mkdtemp(prefix="intelli-media-")))
REST_FRAMEWORK = {**REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"login": "1000/min"}}  # noqa: F405
# The test process waits for each broadcast (apps/realtime/broadcast.py): a send still in flight on
# the sender's loop while a test's event loop tears down its channel-layer receive hung that teardown.
INTELLI_BROADCAST_WAIT = True

# Worker and daphne subprocesses started by end-to-end tests must see the same test database, so
# SQLite's test database is a file, not memory. Its name carries the test session's process id so
# that several sessions on one machine never share a database (the subprocesses are told the name).
_session = os.environ.setdefault("INTELLI_TEST_SESSION", str(os.getpid()))
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["TEST"] = {
        "NAME": str(Path(tempfile.gettempdir()) / f"intelli-test-{_session}.sqlite3")
    }
else:
    DATABASES["default"]["TEST"] = {"NAME": f"test_{DATABASES['default']['NAME']}_{_session}"}

# Connections opened by async consumers' worker threads must not outlive a test (they would keep
# PostgreSQL from dropping the test database).
DATABASES["default"]["CONN_MAX_AGE"] = 0
