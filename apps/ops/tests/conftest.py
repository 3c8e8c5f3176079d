"""Helpers for tests that start real workers: an environment pointing subprocesses at the test
database and at a Redis database of their own (apart from the one unit tests flush)."""

from __future__ import annotations

import os
from urllib.parse import urlsplit, urlunsplit

import redis
from django.db import connection


def redis_url_with_db(offset: int) -> str:
    """The session's Redis on another database number (never 0's neighbour used by apps.jobs e2e)."""
    parts = urlsplit(os.environ["REDIS_URL"])
    db = int(parts.path.strip("/") or 0)
    other = db + offset if db + offset < 16 else db - offset
    return urlunsplit(parts._replace(path=f"/{other}"))


def database_url() -> str:
    db = connection.settings_dict
    if db["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{db['NAME']}"
    user = db.get("USER") or ""
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    auth = f"{user}{password}@" if user else ""
    return f"postgres://{auth}{db.get('HOST') or '127.0.0.1'}:{db.get('PORT') or 5432}/{db['NAME']}"


def subprocess_env(*, redis_offset: int, media: str, **extra: str) -> dict[str, str]:
    url = redis_url_with_db(redis_offset)
    redis.Redis.from_url(url).flushdb()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": database_url(),
        "REDIS_URL": url,
        "CELERY_BROKER_URL": url,
        "MEDIA_ROOT": media,
        "PYTHONUNBUFFERED": "1",
        **extra,
    }
    env.pop("CHANNEL_LAYER_URL", None)
    return env
