"""Draw one chart: the body of the charts_cpu task.

Stages: load the canonical data (cached per worker process), compute the analysis, render PNG
and SVG (the first two followed by a cancellation checkpoint and a coalesced progress hint, once
the chart has been drawing for INTELLI_CHECKPOINT_AFTER_MS), store
the artifacts with the chart's data (CSV and JSON). Expected failures become a human reason on the
item; transient infrastructure errors propagate so the task retries them.
"""

from __future__ import annotations

import json
import logging
import time
import uuid

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from pydantic import ValidationError

from apps.core.queues import QUEUE_PROFILES, Queue
from apps.core.tasks import TRANSIENT_ERRORS
from apps.datasets.canonical import MissingFieldError
from apps.datasets.selectors import dataset_canonical
from apps.jobs.models import ImageTask
from apps.jobs.services import item_checkpoint, item_claim, item_fail, item_succeed

from .analyses import get_analysis
from .rendering import render_chart
from .style import Style

logger = logging.getLogger(__name__)


class ItemCancelled(Exception):
    pass


def _checkpoint(item: ImageTask, progress: int, stage: str, *, started: float) -> None:
    """Stop here if the job was cancelled, else send a progress hint — once the chart has been
    drawing for INTELLI_CHECKPOINT_AFTER_MS: for a quicker one, the Redis round trip costs more
    than it can save (its final update refuses a cancelled item all the same)."""
    if (time.perf_counter() - started) * 1000 < settings.INTELLI_CHECKPOINT_AFTER_MS:
        return
    if item_checkpoint(item=item, progress=progress, stage=stage):
        raise ItemCancelled


def item_render(*, item_id: int, claim_id: str, worker: str) -> bool:
    """Render one item end to end. Returns whether this call completed it."""
    item = item_claim(item_id=item_id, claim_id=claim_id, worker=worker)
    if item is None:
        return False
    try:
        timings, outputs = _render(item)
    except ItemCancelled:
        logger.info("Item %s stopped at a checkpoint: its job was cancelled", item_id)
        return False
    except TRANSIENT_ERRORS:
        raise
    except SoftTimeLimitExceeded:
        limit = QUEUE_PROFILES[Queue.CHARTS_CPU].time_limit
        item_fail(
            item_id=item_id,
            claim_id=claim_id,
            error=f"Drawing this chart took longer than {limit} s and was stopped.",
        )
        return False
    except MissingFieldError as exc:
        item_fail(item_id=item_id, claim_id=claim_id, error=str(exc))
        return False
    except (ValueError, ValidationError) as exc:
        # Analyses raise ValueError with a sentence for the analyst (e.g. too few years to forecast).
        item_fail(item_id=item_id, claim_id=claim_id, error=str(exc))
        return False
    except Exception:
        reference = uuid.uuid4().hex[:8]
        logger.exception("Rendering item %s failed (reference %s)", item_id, reference)
        item_fail(
            item_id=item_id,
            claim_id=claim_id,
            error=f"An unexpected error stopped this chart (reference {reference}); it has been logged.",
        )
        return False
    try:
        done = item_succeed(item=item, claim_id=claim_id, outputs=outputs, timings=timings)
    except TRANSIENT_ERRORS:
        raise
    except OSError as exc:
        logger.exception("Storing the artifacts of item %s failed", item_id)
        item_fail(
            item_id=item_id, claim_id=claim_id, error=f"The chart could not be stored: {exc.strerror or exc}."
        )
        return False
    if not done:
        logger.info("Item %s was cancelled or taken over while rendering; its result was discarded", item_id)
    elif item.job.describe:
        from apps.ai.services import description_after_render  # here: apps.ai imports apps.charts

        description_after_render(item=item)  # queued on the ai queue after commit; never raises
    return done


def _render(item: ImageTask) -> tuple[dict, dict[str, bytes]]:
    analysis = get_analysis(item.analysis_key)
    if analysis.version != item.analysis_version:
        raise ValueError(
            f"The analysis '{analysis.title}' changed (version {item.analysis_version} → {analysis.version}) "
            "since this job was created; create a new job."
        )
    params = analysis.params_model.model_validate(item.params)
    style = Style.model_validate(item.job.style)
    started = time.perf_counter()
    cpu_started = time.thread_time()

    data = dataset_canonical(item.job.dataset)  # the bundle with the analyst's aliases, cached per process
    loaded = time.perf_counter()
    _checkpoint(item, 20, "computing", started=started)

    chart = analysis.compute(data, params)
    computed = time.perf_counter()
    _checkpoint(item, 50, "rendering", started=started)

    images = render_chart(analysis, chart, style)
    rendered = time.perf_counter()
    # No checkpoint before storing: item_succeed's conditional update refuses a cancelled item
    # before any file is written, and storing takes a few milliseconds (no progress worth showing).

    outputs = dict(images)
    outputs["data_csv"] = chart.to_csv()
    outputs["data_json"] = json.dumps(chart.to_json(), ensure_ascii=False).encode("utf-8")
    timings = {
        "load_ms": round((loaded - started) * 1000, 1),
        "compute_ms": round((computed - loaded) * 1000, 1),
        "render_ms": round((rendered - computed) * 1000, 1),
        # The CPU the drawing thread spent on the three: below the wall time when the cores are shared.
        "cpu_ms": round((time.thread_time() - cpu_started) * 1000, 1),
    }
    return timings, outputs
