"""Celery wiring: queues, per-task options, routing through a real broker, platform pool."""

from __future__ import annotations

import pytest
from django.conf import settings

from apps.core.queues import QUEUE_PROFILES, Queue, worker_argv
from apps.core.redis import get_redis
from config.celery import app, default_pool

OUR_TASKS = {
    "ai.describe_item": Queue.AI,
    "charts.render_item": Queue.CHARTS_CPU,
    "datasets.ingest": Queue.INGESTION_IO,
    "datasets.fetch_url": Queue.INGESTION_IO,
    "jobs.reap_stale_items": Queue.INGESTION_IO,
    "jobs.expire_retention": Queue.INGESTION_IO,
    "jobs.sweep_orphan_files": Queue.INGESTION_IO,
    "reports.build": Queue.INGESTION_IO,
    "notifications.send_email": Queue.INGESTION_IO,
}


def our_tasks() -> dict:
    app.loader.import_default_modules()
    return {name: task for name, task in app.tasks.items() if not name.startswith("celery.")}


def test_every_task_is_known_and_declares_its_queue():
    tasks = our_tasks()
    assert set(tasks) == set(OUR_TASKS)
    for name, task in tasks.items():
        assert task.declared_queue == OUR_TASKS[name].value, name
        assert app.amqp.router.route({}, name, task_type=task)["queue"].name == OUR_TASKS[name].value


@pytest.mark.parametrize("name", sorted(OUR_TASKS))
def test_task_options_follow_the_queue_profile(name):
    task = our_tasks()[name]
    profile = QUEUE_PROFILES[OUR_TASKS[name]]
    assert task.acks_late is profile.acks_late
    assert task.soft_time_limit == profile.time_limit
    assert task.time_limit > task.soft_time_limit  # the soft limit sits below the hard one
    assert task.reject_on_worker_lost is (True if profile.acks_late else None)
    assert task.max_retries == 3 and task.retry_jitter


def test_queue_profiles_match_the_operations_guide():
    summary = {
        q.value: (p.concurrency, p.prefetch_multiplier, p.acks_late, p.time_limit, p.pool)
        for q, p in QUEUE_PROFILES.items()
    }
    assert summary == {
        "ingestion_io": (4, 4, False, 60, None),
        "charts_cpu": (2, 1, True, 120, None),
        # The guide's 2 processes became one process with 8 threads: the work is waiting on HTTP
        # (see apps/core/queues.py).
        "ai": (8, 1, True, 60, "threads"),
    }


def test_the_ai_worker_runs_a_threads_pool_and_the_others_the_platform_default():
    ai = worker_argv(Queue.AI, python="python", hostname="ai@h")
    assert ai[ai.index("--pool") + 1] == "threads" and ai[ai.index("--concurrency") + 1] == "8"
    assert "--pool" not in worker_argv(Queue.CHARTS_CPU, python="python", hostname="c@h")


def test_the_ai_deadline_fits_inside_the_ai_time_limit():
    # Threads do not enforce Celery's time limits; the describe code's own deadline must.
    assert settings.AI_CALL_TIMEOUT_S <= settings.AI_DEADLINE_S < QUEUE_PROFILES[Queue.AI].soft_time_limit


def test_visibility_timeout_exceeds_every_hard_limit():
    longest = max(p.hard_time_limit for p in QUEUE_PROFILES.values())
    assert settings.CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"] > longest


def test_only_json_crosses_the_broker():
    assert app.conf.task_serializer == "json"
    assert app.conf.accept_content == ["json"]
    assert app.conf.worker_send_task_events and app.conf.task_send_sent_event


@pytest.mark.parametrize("name", sorted(OUR_TASKS))
def test_messages_land_on_their_queue_in_the_real_broker(name):
    """Publish through the broker the suite's Redis runs, then look at the Redis lists."""
    if not settings.CELERY_BROKER_URL.startswith("redis"):
        pytest.skip("inspects Redis lists; the broker is not Redis")
    redis = get_redis()
    before = {q.value: redis.llen(q.value) for q in Queue}

    our_tasks()[name].apply_async(args=[] if name.startswith("jobs.") else [123456789])

    after = {q.value: redis.llen(q.value) for q in Queue}
    grown = {q for q in after if after[q] > before[q]}
    assert grown == {OUR_TASKS[name].value}
    redis.delete(OUR_TASKS[name].value)


@pytest.mark.parametrize(
    ("platform", "pool"), [("win32", "solo"), ("linux", "prefork"), ("darwin", "prefork")]
)
def test_windows_falls_back_to_the_solo_pool(platform, pool):
    assert default_pool(platform) == pool


def test_numeric_libraries_are_pinned_to_one_thread():
    import os

    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "POLARS_MAX_THREADS"):
        assert os.environ[var] == "1"


def test_production_refuses_eager_mode(monkeypatch):
    import importlib
    import sys

    from django.core.exceptions import ImproperlyConfigured

    monkeypatch.setenv("DJANGO_SECRET_KEY", "x" * 50)
    monkeypatch.setenv("CELERY_TASK_ALWAYS_EAGER", "true")
    for module in ("config.settings.prod", "config.settings.base"):
        sys.modules.pop(module, None)
    try:
        with pytest.raises(ImproperlyConfigured, match="CELERY_TASK_ALWAYS_EAGER"):
            importlib.import_module("config.settings.prod")
    finally:
        for module in ("config.settings.prod", "config.settings.base"):
            sys.modules.pop(module, None)


def test_a_retry_is_logged_as_a_warning_with_its_reason(caplog):
    import logging

    from django.db import OperationalError

    from apps.charts.tasks import render_item as task

    task.push_request(retries=1)
    try:
        with caplog.at_level(logging.WARNING):
            task.on_retry(OperationalError("server closed the connection"), "t-9", (7,), {}, None)
    finally:
        task.pop_request()
    assert (
        "Task charts.render_item[t-9] will retry (retry 2 of 3): OperationalError('server closed"
        in caplog.text
    )
    # Celery's own per-task INFO lines (success, retry) are off: ours carry more (instrumentation).
    assert logging.getLogger("celery.app.trace").getEffectiveLevel() == logging.WARNING


def test_a_broken_channel_is_closed_without_stopping_the_worker(caplog):
    """kombu 5.7 raises AttributeError closing a channel whose connection the worker collected
    after losing Redis; the worker must reconnect, not stop (config.celery)."""
    from kombu import Connection

    class BrokenChannel:
        def close(self):
            raise AttributeError("'NoneType' object has no attribute 'hostname'")

    Connection("memory://").maybe_close_channel(BrokenChannel())

    assert "Closed a broken broker channel" in caplog.text
