"""Is the task system healthy? The checks behind `scripts/check_celery.py`, `/api/v1/system/` and
`/readyz`.

Each check returns one `CheckResult`: a name, whether it passed, a one-line summary, a hint that
says what to do when it did not, how long it took and the facts it found (`details`). Nothing
here raises: a check that cannot even run is a failed check with the error in its summary.

| check          | passes when                                                                 |
|----------------|-----------------------------------------------------------------------------|
| broker         | a connection to CELERY_BROKER_URL opens (latency measured)                  |
| result_backend | the result backend answers a lookup                                         |
| channel_layer  | a message sent to a fresh channel comes back from it                        |
| eager_mode     | CELERY_TASK_ALWAYS_EAGER is off                                             |
| workers        | at least one worker answers and each of the three queues has a consumer     |
| tasks          | every worker registers exactly the tasks this code defines                  |
| queues         | every queue's depth (and, on Redis, the oldest message's age) could be read |
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from django.conf import settings

from apps.core.queues import Queue

logger = logging.getLogger(__name__)

DEFAULT_TIMEOUT_S = 2.0
# A queue whose oldest message waited longer than this is reported as backed up (a warning in the
# summary, not a failure: a long job legitimately queues hundreds of charts).
BACKLOG_WARNING_S = 300

CHECK_NAMES = ("broker", "result_backend", "channel_layer", "eager_mode", "workers", "tasks", "queues")


@dataclass
class CheckResult:
    name: str
    ok: bool
    summary: str
    hint: str = ""
    latency_ms: float | None = None
    details: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def redact_url(url: str) -> str:
    """A service URL fit for a log or a screen: the password replaced by ***."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return "<unparseable URL>"
    if parts.password is None:
        return url
    user = parts.username or ""
    host = parts.hostname or ""
    port = f":{parts.port}" if parts.port else ""
    return urlunsplit(parts._replace(netloc=f"{user}:***@{host}{port}"))


def broker_kind(url: str | None = None) -> str:
    scheme = urlsplit(url or settings.CELERY_BROKER_URL).scheme
    if scheme.startswith("redis") or scheme == "rediss":
        return "redis"
    if scheme.startswith(("amqp", "pyamqp", "librabbitmq")):
        return "amqp"
    return scheme or "unknown"


def _celery_app():
    from config.celery import app

    return app


def _timed(fn: Callable[[], Any]) -> tuple[Any, float]:
    started = time.perf_counter()
    value = fn()
    return value, round((time.perf_counter() - started) * 1000, 1)


# --- Individual checks -------------------------------------------------------------------------


def check_broker(*, timeout: float = DEFAULT_TIMEOUT_S) -> CheckResult:
    app = _celery_app()
    url = redact_url(app.conf.broker_url or settings.CELERY_BROKER_URL)

    def connect() -> None:
        with app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, interval_start=0, timeout=timeout)

    try:
        _, latency = _timed(connect)
    except Exception as exc:
        return CheckResult(
            "broker",
            False,
            f"{url} did not answer: {_short(exc)}",
            hint=(
                "Start the broker (Redis or RabbitMQ) or point CELERY_BROKER_URL (default: REDIS_URL) "
                "at it in .env; a password goes in the URL: redis://:secret@host:6379/0."
            ),
            details={"url": url, "kind": broker_kind(url)},
        )
    return CheckResult(
        "broker",
        True,
        f"{url} answered in {latency} ms",
        latency_ms=latency,
        details={"url": url, "kind": broker_kind(url)},
    )


def check_result_backend() -> CheckResult:
    app = _celery_app()
    backend = app.conf.result_backend or "disabled"
    try:
        _, latency = _timed(lambda: app.backend.get_task_meta(f"intelli-check-{uuid.uuid4().hex}"))
    except Exception as exc:
        return CheckResult(
            "result_backend",
            False,
            f"{backend} did not answer: {_short(exc)}",
            hint="The result backend is the database (django-db): check DATABASE_URL and run migrations.",
            details={"backend": str(backend)},
        )
    return CheckResult(
        "result_backend",
        True,
        f"{backend} answered in {latency} ms (nothing depends on stored results)",
        latency_ms=latency,
        details={"backend": str(backend)},
    )


async def _layer_round_trip(timeout: float) -> bool:
    from channels.layers import channel_layers
    from channels_redis.pubsub import RedisPubSubChannelLayer

    # A layer of its own: the round trip must not disturb the process's shared layer or its loop.
    layer = channel_layers.make_backend("default")
    try:
        channel = await layer.new_channel("intelli-check.")
        nonce = uuid.uuid4().hex
        await layer.send(channel, {"type": "ops.check", "nonce": nonce})
        message = await asyncio.wait_for(layer.receive(channel), timeout=timeout)
        return message.get("nonce") == nonce
    finally:
        # Close what the round trip opened: the core layer's pools; the pub/sub layer's flush drops
        # its subscriptions and connection (the core layer's flush would delete every message).
        if isinstance(layer, RedisPubSubChannelLayer):
            await layer.flush()
        elif (close_pools := getattr(layer, "close_pools", None)) is not None:
            await close_pools()


def _run_in_own_thread(coroutine, timeout: float):
    """Run a coroutine on a fresh event loop in a thread of its own: callable from sync code
    whether or not the calling thread already runs a loop (an ASGI server, an async test)."""
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="ops-check") as pool:
        return pool.submit(asyncio.run, coroutine).result(timeout=timeout)


def check_channel_layer(*, timeout: float = DEFAULT_TIMEOUT_S) -> CheckResult:
    hint = "Events reach browsers through the channel layer (Redis): check REDIS_URL / CHANNEL_LAYER_URL."
    if not getattr(settings, "CHANNEL_LAYERS", None):
        return CheckResult("channel_layer", False, "no channel layer is configured", hint=hint)
    try:
        ok, latency = _timed(lambda: _run_in_own_thread(_layer_round_trip(timeout), timeout + 3))
    except Exception as exc:
        return CheckResult("channel_layer", False, f"round trip failed: {_short(exc)}", hint=hint)
    if not ok:
        return CheckResult("channel_layer", False, "a different message came back", hint=hint)
    return CheckResult(
        "channel_layer", True, f"send → receive on a test channel in {latency} ms", latency_ms=latency
    )


def check_eager_mode() -> CheckResult:
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return CheckResult(
            "eager_mode",
            False,
            "CELERY_TASK_ALWAYS_EAGER is on: tasks run inside the web process, no worker is used",
            hint="Debugging only (production settings refuse it): unset CELERY_TASK_ALWAYS_EAGER in .env.",
        )
    return CheckResult("eager_mode", True, "off: tasks run on the workers")


def _inspect(timeout: float):
    return _celery_app().control.inspect(timeout=timeout)


def check_workers(*, timeout: float = DEFAULT_TIMEOUT_S, replies: dict | None = None) -> CheckResult:
    """Which workers answer and which queues each consumes; each queue needs a consumer."""
    try:
        active = replies if replies is not None else (_inspect(timeout).active_queues() or {})
    except Exception as exc:
        return CheckResult(
            "workers",
            False,
            f"could not ask the workers: {_short(exc)}",
            hint="The broker must be reachable to reach the workers.",
        )
    workers = {name: sorted(q["name"] for q in queues) for name, queues in sorted(active.items())}
    consumers = {queue.value: [w for w, qs in workers.items() if queue.value in qs] for queue in Queue}
    missing = [queue for queue, names in consumers.items() if not names]
    details = {"workers": workers, "consumers": consumers}
    if not workers:
        return CheckResult(
            "workers",
            False,
            "no worker answered",
            hint=(
                "Start workers: scripts/start_celery_worker.sh --all (a laptop) "
                "or one per queue with --queue."
            ),
            details=details,
        )
    summary = "; ".join(f"{queue}: {len(names)}" for queue, names in consumers.items())
    if missing:
        return CheckResult(
            "workers",
            False,
            f"{len(workers)} worker(s) answered, no consumer for {', '.join(missing)} ({summary})",
            hint="Start a worker for it: "
            + " ; ".join(f"scripts/start_celery_worker.sh --queue {q}" for q in missing),
            details=details,
        )
    return CheckResult("workers", True, f"{len(workers)} worker(s) answered ({summary})", details=details)


def code_task_names() -> set[str]:
    app = _celery_app()
    app.loader.import_default_modules()
    return {name for name in app.tasks if not name.startswith("celery.")}


def check_tasks(*, timeout: float = DEFAULT_TIMEOUT_S, replies: dict | None = None) -> CheckResult:
    expected = code_task_names()
    try:
        registered = replies if replies is not None else (_inspect(timeout).registered() or {})
    except Exception as exc:
        return CheckResult("tasks", False, f"could not ask the workers: {_short(exc)}")
    if not registered:
        return CheckResult(
            "tasks",
            False,
            "no worker answered",
            hint="Start the workers first.",
            details={"expected": sorted(expected)},
        )
    differences: dict[str, dict[str, list[str]]] = {}
    for worker, names in sorted(registered.items()):
        names = {n.split(" ", 1)[0] for n in names if not n.startswith("celery.")}
        missing, extra = sorted(expected - names), sorted(names - expected)
        if missing or extra:
            differences[worker] = {"missing": missing, "extra": extra}
    details = {"expected": sorted(expected), "differences": differences}
    if differences:
        worst = next(iter(differences.items()))
        return CheckResult(
            "tasks",
            False,
            f"{len(differences)} worker(s) run other code, e.g. {worst[0]}: "
            f"missing {worst[1]['missing'] or 'nothing'}, extra {worst[1]['extra'] or 'nothing'}",
            hint="Restart those workers on the same release as the web server.",
            details=details,
        )
    return CheckResult(
        "tasks",
        True,
        f"{len(registered)} worker(s) register the code's {len(expected)} tasks",
        details=details,
    )


def _redis_queue_stats(url: str, names: Iterable[str], now: float) -> dict[str, dict[str, Any]]:
    import redis
    from kombu.transport.redis import PRIORITY_STEPS

    client = redis.Redis.from_url(
        url, socket_timeout=DEFAULT_TIMEOUT_S, socket_connect_timeout=DEFAULT_TIMEOUT_S
    )
    try:
        stats: dict[str, dict[str, Any]] = {}
        for name in names:
            keys = [name] + [f"{name}\x06\x16{step}" for step in PRIORITY_STEPS if step]
            depth, oldest_age = 0, None
            for key in keys:
                depth += client.llen(key)
                # Producers LPUSH and workers BRPOP: the oldest message is at the right end.
                raw = client.lindex(key, -1)
                age = _message_age(raw, now) if raw else None
                if age is not None and (oldest_age is None or age > oldest_age):
                    oldest_age = age
            stats[name] = {"depth": depth, "oldest_age_s": oldest_age}
        return stats
    finally:
        client.close()


def _message_age(raw: bytes, now: float) -> float | None:
    """How long ago a queued Celery message was published (our `published_at` header), else None.

    A message with an `eta` in the future is not late: its age counts from the eta.
    """
    try:
        headers = json.loads(raw).get("headers") or {}
    except (ValueError, AttributeError):
        return None
    published = headers.get("published_at")
    if published is None:
        return None
    start = float(published)
    eta = headers.get("eta")
    if eta:
        from datetime import datetime

        with contextlib.suppress(ValueError):
            start = max(start, datetime.fromisoformat(eta).timestamp())
    return round(max(0.0, now - start), 1)


def _amqp_queue_stats(names: Iterable[str]) -> dict[str, dict[str, Any]]:
    app = _celery_app()
    stats: dict[str, dict[str, Any]] = {}
    with app.connection_for_read() as conn:
        conn.ensure_connection(max_retries=1, timeout=DEFAULT_TIMEOUT_S)
        for name in names:
            channel = conn.channel()
            try:
                declared = channel.queue_declare(queue=name, passive=True)
                stats[name] = {
                    "depth": declared.message_count,
                    "oldest_age_s": None,  # RabbitMQ does not tell without consuming
                    "consumers": declared.consumer_count,
                }
            except Exception as exc:  # NOT_FOUND: no worker declared it yet
                stats[name] = {"depth": 0, "oldest_age_s": None, "error": _short(exc)}
            finally:
                try:
                    channel.close()
                except Exception:  # a NOT_FOUND closes the channel on the server side
                    logger.debug("channel already closed", exc_info=True)
    return stats


def queue_stats() -> dict[str, dict[str, Any]]:
    url = _celery_app().conf.broker_url or settings.CELERY_BROKER_URL
    names = [queue.value for queue in Queue]
    kind = broker_kind(url)
    if kind == "redis":
        return _redis_queue_stats(url, names, time.time())
    if kind == "amqp":
        return _amqp_queue_stats(names)
    raise RuntimeError(f"queue depths are not implemented for the {kind} transport")


def check_queues() -> CheckResult:
    try:
        stats, latency = _timed(queue_stats)
    except Exception as exc:
        return CheckResult(
            "queues", False, f"could not read the queues: {_short(exc)}", hint="Is the broker reachable?"
        )
    parts, backed_up = [], []
    for name, info in stats.items():
        age = info.get("oldest_age_s")
        parts.append(f"{name}: {info['depth']}" + (f" (oldest {age:.0f} s)" if age is not None else ""))
        if age is not None and age > BACKLOG_WARNING_S:
            backed_up.append(name)
    summary = ", ".join(parts)
    hint = ""
    if backed_up:
        summary += f" — backed up: {', '.join(backed_up)}"
        hint = "Messages wait longer than 5 minutes: add workers for those queues or check they are running."
    return CheckResult("queues", True, summary, hint=hint, latency_ms=latency, details={"queues": stats})


# --- All of them -------------------------------------------------------------------------------


def run_checks(*, timeout: float = DEFAULT_TIMEOUT_S) -> list[CheckResult]:
    """Every check, in the order an operator reads them. Worker checks are skipped (failed with a
    pointer) when the broker is down, instead of each waiting for its own timeout."""
    results = [check_broker(timeout=timeout), check_result_backend(), check_channel_layer(timeout=timeout)]
    results.append(check_eager_mode())
    if not results[0].ok:
        for name in ("workers", "tasks", "queues"):
            results.append(
                CheckResult(name, False, "not checked: the broker is unreachable", hint=results[0].hint)
            )
        return results
    try:
        inspect = _inspect(timeout)
        active = inspect.active_queues() or {}
        registered = inspect.registered() or {}
    except Exception as exc:
        logger.warning("Could not inspect the workers: %r", exc)
        active, registered = None, None
    results.append(check_workers(timeout=timeout, replies=active))
    results.append(check_tasks(timeout=timeout, replies=registered))
    results.append(check_queues())
    return results


def checks_ok(results: Iterable[CheckResult]) -> bool:
    return all(result.ok for result in results)


def readiness(*, timeout: float = DEFAULT_TIMEOUT_S) -> list[CheckResult]:
    """What `/readyz` needs: the database, the broker and the channel layer."""
    return [check_database(), check_broker(timeout=timeout), check_channel_layer(timeout=timeout)]


def check_database() -> CheckResult:
    from django.db import connection

    def query() -> None:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()

    try:
        _, latency = _timed(query)
    except Exception as exc:
        return CheckResult("database", False, f"did not answer: {_short(exc)}", hint="Check DATABASE_URL.")
    return CheckResult("database", True, f"answered in {latency} ms", latency_ms=latency)


def _short(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return f"{type(exc).__name__}: {text}"[:300] if text else type(exc).__name__
