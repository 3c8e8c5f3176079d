"""The Celery application.

Workers run one per queue (production) or one on all three (laptop); see `scripts/devstack.py`
and `apps.core.queues` for the per-queue profiles.
"""

import os
import sys

# CPU-bound chart workers run several processes per machine: numeric libraries must not each
# start a thread per core on top (the original's forecast ran 3x slower from oversubscription).
# These must be set before numpy, scipy or polars are first imported.
for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "POLARS_MAX_THREADS"):
    os.environ.setdefault(_var, "1")
os.environ.setdefault("MPLBACKEND", "Agg")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")

import logging  # noqa: E402

from celery import Celery  # noqa: E402  (the environment above must be set first)
from kombu import Connection  # noqa: E402
from kombu import Queue as KombuQueue  # noqa: E402

from apps.core.queues import Queue  # noqa: E402

logger = logging.getLogger(__name__)


def default_pool(platform: str = sys.platform) -> str:
    """Prefork cannot fork on Windows; fall back to the solo pool there."""
    return "solo" if platform.startswith("win") else "prefork"


def route_to_declared_queue(name, args, kwargs, options, task=None, **kw):
    """Send each task to the queue it declares (see apps.core.queues.task_options)."""
    declared = getattr(task or app.tasks.get(name), "declared_queue", None)
    return {"queue": declared} if declared else None


def survive_closing_a_broken_channel() -> None:
    """Keep a worker alive when Redis goes away while it holds unacknowledged messages.

    Celery 5.7's worker, on losing its broker connection, collects the connection and then closes
    it. Closing its channel restores the channel's unacknowledged messages, which may need the
    transport's link to the connection that the collect dropped: kombu 5.7 then raises
    AttributeError ("'NoneType' object has no attribute 'hostname'", from `_connparams`), which
    its close does not expect, and the worker stops with "Unrecoverable error" instead of
    reconnecting (seen once in apps/jobs/tests/test_faults.py, a Redis restart mid-job, on a
    loaded machine). The channel is broken either way: its messages come back after the
    visibility timeout, as when the restore fails because Redis is down, which kombu already
    ignores. kombu's own close of the connection ignores AttributeError the same way; this
    extends that to the channel.
    """
    if getattr(Connection.maybe_close_channel, "survives_broken_channels", False):
        return
    close_channel = Connection.maybe_close_channel

    def maybe_close_channel(self, channel):
        try:
            close_channel(self, channel)
        except AttributeError:
            logger.warning("Closed a broken broker channel; its unacknowledged messages come back later")

    maybe_close_channel.survives_broken_channels = True
    Connection.maybe_close_channel = maybe_close_channel


survive_closing_a_broken_channel()
app = Celery("intelli")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.conf.task_queues = [KombuQueue(q.value, routing_key=q.value) for q in Queue]
app.conf.task_routes = (route_to_declared_queue,)
app.conf.worker_pool = default_pool()
# Celery's Django fixup closes every database connection before and after each task unless told to
# reuse them for a number of tasks: each chart then reconnected (~0.7 ms on SQLite with its PRAGMAs,
# a new session on PostgreSQL). Reused here for a child's lifetime (it is recycled after that many
# tasks anyway); between tasks connections are handled as Django handles them between requests
# (apps.core.instrumentation: kept for CONN_MAX_AGE, dropped once broken or past their age).
app.conf["CELERY_DB_REUSE_MAX"] = app.conf.worker_max_tasks_per_child or 200
app.autodiscover_tasks()

import apps.core.instrumentation  # noqa: E402, F401  (connects the worker signal handlers)
