"""One synchronous Redis client per process, for small coordination keys (throttles, flags).

Celery and Channels keep their own connections; this client is for the few things the services
need besides them. It is recreated after a fork so prefork children never share a socket.
"""

from __future__ import annotations

import os

import redis
from django.conf import settings

_client: redis.Redis | None = None
_pid: int | None = None


def get_redis() -> redis.Redis:
    global _client, _pid
    if _client is None or _pid != os.getpid():
        _client = redis.Redis.from_url(
            settings.REDIS_URL, socket_timeout=5, socket_connect_timeout=5, health_check_interval=30
        )
        _pid = os.getpid()
    return _client
