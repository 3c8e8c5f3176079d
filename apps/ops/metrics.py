"""Prometheus metrics, computed when scraped.

Several daphne and worker processes run on several machines, so nothing is counted in process
memory: gauges are read from the database and the broker at scrape time, and the two running
counts that have no table (channel-layer messages sent, WebSockets open) live in Redis, where
every process adds to the same key. One scrape costs a few aggregate queries and one Redis round
trip per queue.

| metric                                   | type      | labels            | from                |
|------------------------------------------|-----------|-------------------|---------------------|
| intelli_jobs                             | gauge     | status            | Job table           |
| intelli_items                            | gauge     | status            | ImageTask table     |
| intelli_item_duration_seconds            | histogram | analysis, status  | ImageTask started/finished |
| intelli_queue_depth                      | gauge     | queue             | broker              |
| intelli_queue_oldest_message_age_seconds | gauge     | queue             | broker (Redis only) |
| intelli_events_sent_total                | counter   |                   | Redis counter       |
| intelli_websockets_open                  | gauge     |                   | Redis counter       |
"""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta

from django.db.models import Count, DurationField, ExpressionWrapper, F, Q, Sum
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, HistogramMetricFamily

logger = logging.getLogger(__name__)

EVENTS_SENT_KEY = "intelli:metrics:events_sent"
WEBSOCKETS_OPEN_KEY = "intelli:metrics:websockets_open"
# Chart items take ~0.1 s when warm and are stopped at 135 s: buckets cover both ends.
DURATION_BUCKETS_S = (0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0)


# --- Counters kept in Redis (every process adds to the same key) -------------------------------------


def count_events_sent(count: int) -> None:
    try:
        from apps.core.redis import get_redis

        get_redis().incrby(EVENTS_SENT_KEY, count)
    except Exception:  # metrics never break the work they measure
        logger.debug("could not count sent events", exc_info=True)


def _add_open_sockets(delta: int) -> None:
    try:
        from apps.core.redis import get_redis

        get_redis().incrby(WEBSOCKETS_OPEN_KEY, delta)
    except Exception:
        logger.debug("could not count open sockets", exc_info=True)


async def websocket_opened() -> None:
    await asyncio.to_thread(_add_open_sockets, 1)


async def websocket_closed() -> None:
    await asyncio.to_thread(_add_open_sockets, -1)


# --- The collector --------------------------------------------------------------------------------


class IntelliCollector:
    def collect(self):
        yield from self._jobs_and_items()
        yield from self._durations()
        yield from self._queues()
        yield from self._redis_counters()

    def _jobs_and_items(self):
        from apps.jobs.models import ImageTask, ItemStatus, Job, JobStatus

        jobs = GaugeMetricFamily("intelli_jobs", "Jobs by status.", labels=["status"])
        counts = dict(Job.objects.order_by().values_list("status").annotate(n=Count("id")))
        for status in JobStatus.values:
            jobs.add_metric([status], counts.get(status, 0))
        yield jobs
        items = GaugeMetricFamily("intelli_items", "Chart items by status.", labels=["status"])
        counts = dict(ImageTask.objects.order_by().values_list("status").annotate(n=Count("id")))
        for status in ItemStatus.values:
            items.add_metric([status], counts.get(status, 0))
        yield items

    def _durations(self):
        from apps.jobs.models import ImageTask, ItemStatus

        family = HistogramMetricFamily(
            "intelli_item_duration_seconds",
            "Time from claim to end of finished chart items, per analysis.",
            labels=["analysis", "status"],
        )
        duration = ExpressionWrapper(F("finished_at") - F("started_at"), output_field=DurationField())
        aggregates = {
            f"le_{i}": Count("id", filter=Q(d__lte=timedelta(seconds=b)))
            for i, b in enumerate(DURATION_BUCKETS_S)
        }
        rows = (
            ImageTask.objects.order_by()
            .filter(
                status__in=[ItemStatus.SUCCESS, ItemStatus.FAILED],
                started_at__isnull=False,
                finished_at__isnull=False,
            )
            .annotate(d=duration)
            .values("analysis_key", "status")
            .annotate(total=Count("id"), seconds=Sum("d"), **aggregates)
        )
        for row in rows:
            buckets = [(str(b), row[f"le_{i}"]) for i, b in enumerate(DURATION_BUCKETS_S)]
            buckets.append(("+Inf", row["total"]))
            total_s = row["seconds"].total_seconds() if row["seconds"] is not None else 0.0
            family.add_metric([row["analysis_key"], row["status"]], buckets, total_s)
        yield family

    def _queues(self):
        from .checks import queue_stats

        depth = GaugeMetricFamily("intelli_queue_depth", "Messages waiting in each queue.", labels=["queue"])
        age = GaugeMetricFamily(
            "intelli_queue_oldest_message_age_seconds",
            "Age of the oldest waiting message (Redis broker only).",
            labels=["queue"],
        )
        try:
            stats = queue_stats()
        except Exception:
            logger.warning("queue depths unavailable for metrics", exc_info=True)
            stats = {}
        for name, info in stats.items():
            depth.add_metric([name], info["depth"])
            if info.get("oldest_age_s") is not None:
                age.add_metric([name], info["oldest_age_s"])
        yield depth
        yield age

    def _redis_counters(self):
        from apps.core.redis import get_redis

        try:
            sent, open_sockets = get_redis().mget(EVENTS_SENT_KEY, WEBSOCKETS_OPEN_KEY)
        except Exception:
            logger.warning("Redis counters unavailable for metrics", exc_info=True)
            return
        yield CounterMetricFamily(
            "intelli_events_sent",
            "Messages sent to browsers through the channel layer.",
            value=int(sent or 0),
        )
        yield GaugeMetricFamily(
            "intelli_websockets_open",
            "WebSockets open on every ASGI server.",
            value=max(0, int(open_sockets or 0)),
        )


def render_metrics() -> bytes:
    registry = CollectorRegistry(auto_describe=False)
    registry.register(IntelliCollector())
    return generate_latest(registry)
