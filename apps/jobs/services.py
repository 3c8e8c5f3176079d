"""Job and item lifecycle: every write to a job, an item or the event log goes through here.

The rules, all enforced with conditional updates so that duplicate deliveries, redeliveries after
a crash and two workers finishing at the same instant cannot break them:

- An item moves PENDING → RUNNING → SUCCESS | FAILED, and any non-terminal state → CANCELLED.
  A terminal item never moves again, except a retry (FAILED | CANCELLED → PENDING).
- Job counters move with single UPDATE statements; the transaction that brings `done` to `total`
  decides the job's terminal status, exactly once (`WHERE status IN (PENDING, RUNNING)`).
- Cancellation wins: a cancelled job ends CANCELLED whatever its items were doing.
- Work is enqueued and events broadcast only after the transaction commits.

Lock order is always item rows first, then the job row, so concurrent finishes and a cancel cannot
deadlock on PostgreSQL.
"""

from __future__ import annotations

import functools
import json
import logging
import re
import time
import uuid
from collections import OrderedDict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import Case, Value, When
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from pydantic import ValidationError

from apps.core.broker import ensure_broker_reachable
from apps.core.exceptions import ApplicationError
from apps.core.files import delete_files, write_files
from apps.core.instrumentation import note
from apps.core.redis import get_redis
from apps.datasets.models import Dataset, DatasetStatus
from apps.ops.tracing import current_trace_id

from .events import (
    EventType,
    NewEvent,
    broadcast_events,
    emit_events,
    item_state,
    job_summary,
    logged_events,
    send_transient,
    transient_throttle,
)
from .models import (
    ITEM_ACTIVE,
    JOB_ACTIVE,
    ImageTask,
    ItemStatus,
    Job,
    JobStatus,
    artifact_path,
)

logger = logging.getLogger(__name__)

# A job is one transaction and one message per chart; past this a request is surely a mistake.
MAX_ITEMS_PER_JOB = 1000
CANCEL_FLAG_TTL_S = 3600
# Render messages sent in one broker round trip: the first charts start while the rest are sent.
ENQUEUE_BATCH = 100

ARTIFACT_KINDS = {"png": "png", "svg": "svg", "data_csv": "csv", "data_json": "json"}


# --- Creating a job ------------------------------------------------------------------------------


@dataclass(frozen=True)
class AnalysisRequest:
    key: str
    version: int
    params: dict[str, Any]
    requires: tuple[str, ...]
    title: str


def _pydantic_field_errors(prefix: str, exc: ValidationError) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    for error in exc.errors():
        location = ".".join(str(part) for part in error["loc"])
        errors.setdefault(f"{prefix}.{location}" if location else prefix, []).append(error["msg"])
    return errors


def _analysis_request(analysis, params) -> AnalysisRequest:
    return AnalysisRequest(
        key=analysis.key,
        version=analysis.version,
        params=params.model_dump(mode="json"),
        requires=tuple(str(f) for f in analysis.required_fields(params)),
        title=analysis.title,
    )


def _validate_analyses(raw_analyses: Sequence[dict[str, Any]]) -> list[AnalysisRequest]:
    from apps.charts.analyses import REGISTRY, get_analysis

    errors: dict[str, list[str]] = {}
    if not raw_analyses:
        errors["analyses"] = ["Choose at least one analysis."]
    elif len(raw_analyses) > MAX_ITEMS_PER_JOB:
        errors["analyses"] = [f"A job can hold at most {MAX_ITEMS_PER_JOB} charts."]
    requests: list[AnalysisRequest] = []
    for index, entry in enumerate(raw_analyses):
        key = entry.get("key")
        try:
            analysis = get_analysis(key)
        except KeyError:
            known = ", ".join(sorted(REGISTRY))
            errors[f"analyses[{index}].key"] = [f"Unknown analysis {key!r}. Known analyses: {known}."]
            continue
        try:
            params = analysis.params_model.model_validate(entry.get("params") or {})
        except ValidationError as exc:
            errors.update(_pydantic_field_errors(f"analyses[{index}].params", exc))
            continue
        requests.append(_analysis_request(analysis, params))
    if errors:
        raise ApplicationError("Some analyses are not valid.", code="validation_error", fields=errors)
    return requests


def _validate_style(raw_style: dict[str, Any]) -> dict[str, Any]:
    from apps.charts.style import Style

    try:
        return Style.model_validate(raw_style or {}).model_dump(mode="json")
    except ValidationError as exc:
        raise ApplicationError(
            "The chart style is not valid.",
            code="validation_error",
            fields=_pydantic_field_errors("style", exc),
        ) from exc


def _validate_ai_options(*, describe: bool, provider: str, model: str) -> tuple[str, str]:
    """The job's description options: (provider, model), blank meaning the server's default."""
    from apps.ai.providers import available_providers
    from apps.ai.serializers import MODEL_NAME

    provider, model = (provider or "").strip(), (model or "").strip()
    errors: dict[str, list[str]] = {}
    if provider and provider not in ("openai", "local"):
        errors["ai_provider"] = [f"Unknown provider {provider!r}; choose openai or local."]
    elif provider and describe and provider not in available_providers():
        errors["ai_provider"] = ["The OpenAI-compatible provider is not configured here; use local."]
    if model and (len(model) > 100 or not re.fullmatch(MODEL_NAME.strip("^$"), model)):
        errors["ai_model"] = ["A model name is letters, digits and . _ : / @ + - (e.g. gpt-4o-mini)."]
    if errors:
        raise ApplicationError(
            "The description options are not valid.", code="validation_error", fields=errors
        )
    return provider, model


def missing_fields_message(request: AnalysisRequest, available: Iterable[str]) -> str | None:
    from apps.datasets.canonical import Field

    missing = [Field(f).label for f in request.requires if f not in set(available)]
    if not missing:
        return None
    return f"{request.title} needs {' and '.join(missing)}, which this dataset does not have."


def _check_dataset_can_feed(dataset: Dataset, requests: Sequence[AnalysisRequest]) -> None:
    errors = {}
    for index, request in enumerate(requests):
        message = missing_fields_message(request, dataset.available_fields)
        if message:
            errors[f"analyses[{index}]"] = [message]
    if errors:
        raise ApplicationError(
            "This dataset cannot feed some of the analyses you chose.", code="missing_data", fields=errors
        )


def job_create(
    *,
    owner,
    dataset_id: int,
    analyses: Sequence[dict[str, Any]],
    style: dict[str, Any] | None = None,
    title: str = "",
    idempotency_key: str | None = None,
    describe: bool = False,
    ai_provider: str = "",
    ai_model: str = "",
) -> tuple[Job, bool]:
    """Create a job and one item per chart; return (job, created).

    A second request with the same idempotency key returns the first job (a double submit).
    With `describe`, each chart gets a description on the ai queue once it is drawn (see
    apps.ai.services); descriptions never change the job's status.
    """
    if idempotency_key:
        existing = Job.objects.filter(owner=owner, idempotency_key=idempotency_key).first()
        if existing is not None:
            return existing, False

    requests = _validate_analyses(analyses)
    style_data = _validate_style(style or {})
    ai_provider, ai_model = _validate_ai_options(describe=describe, provider=ai_provider, model=ai_model)
    ensure_broker_reachable()

    try:
        with transaction.atomic():
            # The dataset's row lock orders this against its ingestion finishing: either that
            # commit came first (the dataset reads READY and the items are enqueued below) or it
            # waits for this one (and then enqueues the items waiting for it).
            dataset = Dataset.objects.select_for_update().filter(owner=owner, pk=dataset_id).first()
            if dataset is None:
                raise ApplicationError(
                    "Dataset not found.", code="not_found", fields={"dataset": ["Dataset not found."]}
                )
            if dataset.status == DatasetStatus.FAILED:
                raise ApplicationError(
                    f"This dataset could not be read: {dataset.error}",
                    code="dataset_failed",
                    fields={"dataset": [dataset.error]},
                )
            if dataset.status == DatasetStatus.READY:
                _check_dataset_can_feed(dataset, requests)
            job = Job.objects.create(
                owner=owner,
                dataset=dataset,
                title=title or dataset.name,
                style=style_data,
                idempotency_key=idempotency_key or None,
                total=len(requests),
                describe=describe,
                ai_provider=ai_provider,
                ai_model=ai_model,
            )
            items = ImageTask.objects.bulk_create(
                [
                    ImageTask(
                        job=job,
                        position=position,
                        analysis_key=request.key,
                        analysis_version=request.version,
                        params=request.params,
                        claim_id=new_ticket(),
                    )
                    for position, request in enumerate(requests)
                ]
            )
            events = [NewEvent(EventType.JOB_STATUS, {"status": job.status, "previous": None})]
            if dataset.status != DatasetStatus.READY:
                events.append(
                    NewEvent(
                        EventType.LOG, {"level": "info", "message": "Waiting for the dataset to be read."}
                    )
                )
            job.event_seq = emit_events(job=job, events=events, summary=job_summary(job))[-1].seq
            if dataset.status == DatasetStatus.READY:
                tickets = [(item.pk, item.claim_id) for item in items]
                transaction.on_commit(lambda: enqueue_items(tickets))
    except IntegrityError:
        # Two identical submits raced past the lookup above: the unique key picked the winner.
        if idempotency_key:
            existing = Job.objects.filter(owner=owner, idempotency_key=idempotency_key).first()
            if existing is not None:
                return existing, False
        raise
    return job, True


def new_ticket() -> str:
    """The id of the next message that may run an item (see `ImageTask.claim_id`)."""
    return uuid.uuid4().hex


def enqueue_items(tickets: Sequence[tuple[int, str]]) -> None:
    """Send one render message per (item id, ticket). Runs after commit; a broker failure fails the items.

    The messages go ENQUEUE_BATCH at a time, each batch one round trip to Redis (kombu's
    `Producer.batch`, a pipeline; a broker without batches gets them one by one on one producer).
    One by one, a 1,000-chart job took the request ~1,000 round trips. A batch that fails may have
    been delivered in part: its items and every later one fail with a reason, and a message that
    did arrive for a failed item finds nothing to run (its claim needs the item PENDING or RUNNING).
    """
    from apps.charts.tasks import render_item  # charts depends on jobs, not the reverse

    for start in range(0, len(tickets), ENQUEUE_BATCH):
        try:
            with render_item.app.producer_or_acquire() as producer, producer.batch():
                for item_id, ticket in tickets[start : start + ENQUEUE_BATCH]:
                    render_item.apply_async(args=[item_id], task_id=ticket, producer=producer)
        except Exception:
            logger.exception("Could not enqueue items %s and later", tickets[start][0])
            for stranded, _ in tickets[start:]:
                item_fail(
                    item_id=stranded,
                    error="The task queue was unreachable when this chart was submitted; retry it.",
                )
            return


def job_enqueue_waiting(*, dataset: Dataset) -> None:
    """The dataset is ready: enqueue the items of jobs that waited for it, or fail those it cannot feed."""
    from apps.charts.analyses import get_analysis

    to_enqueue: list[tuple[int, str]] = []
    for item in ImageTask.objects.filter(
        job__dataset=dataset, status=ItemStatus.PENDING, job__status=JobStatus.PENDING
    ).select_related("job"):
        analysis = get_analysis(item.analysis_key)
        request = _analysis_request(analysis, analysis.params_model.model_validate(item.params))
        message = missing_fields_message(request, dataset.available_fields)
        if message:
            item_fail(item_id=item.pk, error=message)
        else:
            to_enqueue.append((item.pk, item.claim_id))
    enqueue_items(to_enqueue)


def job_fail_waiting(*, dataset: Dataset) -> None:
    """The dataset could not be read: the items waiting for it fail with its error."""
    for item_id in ImageTask.objects.filter(job__dataset=dataset, status=ItemStatus.PENDING).values_list(
        "pk", flat=True
    ):
        item_fail(item_id=item_id, error=f"The dataset could not be read: {dataset.error}")


# --- Running an item -----------------------------------------------------------------------------


@functools.cache
def _claim_sql(vendor: str) -> str:
    """The claim: the item's update, returning what the chart needs and what a cached job is checked
    against (see _running_job) in the same statement. Built once per database vendor (its quoting)."""
    items, jobs, datasets = (connection.ops.quote_name(m._meta.db_table) for m in (ImageTask, Job, Dataset))
    of_job = f"(SELECT j.{{}} FROM {jobs} j WHERE j.id = {items}.job_id)"  # noqa: S608
    of_dataset = (
        f"(SELECT d.{{}} FROM {jobs} j JOIN {datasets} d ON d.id = j.dataset_id WHERE j.id = {items}.job_id)"  # noqa: S608
    )
    checked = [
        of_job.format("created_at"),
        of_dataset.format("canonical_prefix"),
        of_dataset.format("applicant_aliases"),
        of_job.format("status"),
    ]
    return (
        f"UPDATE {items} SET status = %s, worker = %s, attempts = attempts + 1, started_at = %s, "  # noqa: S608
        "progress = 0 WHERE id = %s AND claim_id = %s AND status IN (%s, %s) AND attempts < %s "
        f"RETURNING job_id, position, analysis_key, analysis_version, params, attempts, {', '.join(checked)}"
    )


def item_claim(*, item_id: int, claim_id: str, worker: str) -> ImageTask | None:
    """Take an item for rendering. None means: not ours to run (ended, cancelled, or another message's).

    Only the message whose id the item holds may run it; a redelivery of that message (after a
    worker crash) takes a RUNNING item over, any other message finds zero rows and leaves.

    This runs once per chart, so it is one round trip on PostgreSQL (a function, see
    `_claim_call`) and one transaction of few statements elsewhere (`_claim_statements`).
    """
    now = timezone.now()
    if connection.vendor == "postgresql":
        item = _claim_call(item_id=item_id, claim_id=claim_id, worker=worker, now=now)
    else:
        item = _claim_statements(item_id=item_id, claim_id=claim_id, worker=worker, now=now)
    if item is None:
        _give_up_if_worn_out(item_id=item_id, claim_id=claim_id)
    return item


def _claim_statements(*, item_id: int, claim_id: str, worker: str, now: datetime) -> ImageTask | None:
    """The claim as one transaction: the claim itself (UPDATE … RETURNING the item and its job's
    current state), the job with its dataset when this process has not read them yet, the job's
    move to RUNNING when this is its first chart, and the events."""
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(
                _claim_sql(connection.vendor),
                [
                    ItemStatus.RUNNING,
                    worker,
                    connection.ops.adapt_datetimefield_value(now),
                    item_id,
                    claim_id,
                    *ITEM_ACTIVE,
                    settings.INTELLI_MAX_ITEM_ATTEMPTS,
                ],
            )
            claimed = cursor.fetchone()
        if claimed is None:
            return None
        job_id, position, analysis_key, analysis_version, params, attempts = claimed[:6]
        job = _running_job(job_id, current=claimed[6:])
        item = _running_item(
            item_id=item_id,
            job=job,
            claim_id=claim_id,
            worker=worker,
            now=now,
            fields={
                "position": position,
                "analysis_key": analysis_key,
                "analysis_version": analysis_version,
                "params": params,
                "attempts": attempts,
            },
        )
        events = []
        if job.status == JobStatus.PENDING and (
            Job.objects.filter(pk=job.pk, status=JobStatus.PENDING).update(
                status=JobStatus.RUNNING, started_at=now
            )
        ):
            job.status = JobStatus.RUNNING
            events.append(
                NewEvent(EventType.JOB_STATUS, {"status": JobStatus.RUNNING, "previous": JobStatus.PENDING})
            )
        events.append(NewEvent(EventType.ITEM_STATUS, item_state(item), item_id=item.pk))
        emit_events(job=job, events=events, summary=job_summary(job) if len(events) > 1 else None)
    return item


def _claim_call(*, item_id: int, claim_id: str, worker: str, now: datetime) -> ImageTask | None:
    """The claim as one statement in autocommit: PostgreSQL's `intelli_item_claim` (migration
    0004) makes the statements of `_claim_statements` and returns what they returned."""
    trace = current_trace_id() or ""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT intelli_item_claim(%s, %s, %s, %s, %s, %s)",
            [item_id, claim_id, worker, now, settings.INTELLI_MAX_ITEM_ATTEMPTS, trace],
        )
        (claimed,) = cursor.fetchone()
    if claimed is None:
        return None
    claimed = _json(claimed)
    state = claimed["job"]
    job = _running_job(
        state["id"],
        current=(state["created_at"], state["canonical_prefix"], state["applicant_aliases"], state["status"]),
    )
    _take_counters(job, state)
    item = _running_item(
        item_id=item_id, job=job, claim_id=claim_id, worker=worker, now=now, fields=claimed["item"]
    )
    rows = logged_events(job_id=job.pk, logged=claimed["events"], trace=trace, at=now)
    broadcast_events(job=job, rows=rows, summary=job_summary(job) if len(rows) > 1 else None)
    return item


def _json(value: Any) -> Any:
    """A JSON value as a database driver returned it (Django has psycopg hand jsonb over as text)."""
    return json.loads(value) if isinstance(value, str) else value


def _take_counters(job: Job, state: dict[str, Any]) -> None:
    job.status, job.total, job.succeeded, job.failed, job.cancelled, job.event_seq = (
        state["status"],
        state["total"],
        state["succeeded"],
        state["failed"],
        state["cancelled"],
        state["event_seq"],
    )


def _running_item(
    *, item_id: int, job: Job, claim_id: str, worker: str, now: datetime, fields: dict[str, Any]
) -> ImageTask:
    """The claimed item, built from what its claim returned (no read)."""
    return ImageTask(
        pk=item_id,
        job=job,
        position=fields["position"],
        analysis_key=fields["analysis_key"],
        analysis_version=fields["analysis_version"],
        params=_json(fields["params"]),
        status=ItemStatus.RUNNING,
        progress=0,
        attempts=fields["attempts"],
        claim_id=claim_id,
        worker=worker,
        started_at=now,
    )


# A chart process draws a job's charts one after the other: its row and its dataset's are read
# through the ORM once, and each later chart checks them with what its claim returned (a cold ORM
# read of the two rows was ~0.9 ms of every chart, a separate check one more statement). The check
# covers what may have changed: the job's status, the dataset's bundle (a file added to it) and its
# aliases (an edit reaches the job's next chart). The job's creation time tells a new job from an
# old one whose id a rebuilt database reused. Counters are re-read by every transaction that changes
# them; style and options never change.
JOB_CACHE_SIZE = 8
_job_cache: OrderedDict[int, Job] = OrderedDict()


def _running_job(job_id: int, *, current: Sequence[Any]) -> Job:
    """The item's job, with its dataset, for a chart about to be drawn.

    `current` is the job's (created_at, canonical_prefix, applicant_aliases, status) as the claim
    read them."""
    job = _job_cache.get(job_id)
    if job is not None and _still_current(job, current):
        _job_cache.move_to_end(job_id)
        return job
    job = Job.objects.select_related("dataset").get(pk=job_id)
    _job_cache[job_id] = job
    while len(_job_cache) > JOB_CACHE_SIZE:
        _job_cache.popitem(last=False)
    return job


def clear_job_cache() -> None:
    _job_cache.clear()


def _still_current(job: Job, current: Sequence[Any]) -> bool:
    """Whether a cached job is still this id's job with the same data; refreshes its status."""
    created_at, canonical_prefix, aliases, status = current
    if isinstance(created_at, str):
        created_at = parse_datetime(created_at)
    if created_at is not None and timezone.is_naive(created_at):  # SQLite's: naive UTC
        created_at = timezone.make_aware(created_at, UTC)
    if isinstance(aliases, str):
        aliases = json.loads(aliases)
    dataset = job.dataset
    if (created_at, canonical_prefix, aliases) != (
        job.created_at,
        dataset.canonical_prefix,
        dataset.applicant_aliases,
    ):
        return False
    job.status = status
    return True


def _give_up_if_worn_out(*, item_id: int, claim_id: str) -> None:
    """An item this message may run, but whose workers kept dying while drawing it, fails for good."""
    attempts = (
        ImageTask.objects.filter(pk=item_id, claim_id=claim_id, status__in=ITEM_ACTIVE)
        .values_list("attempts", flat=True)
        .first()
    )
    if attempts is not None and attempts >= settings.INTELLI_MAX_ITEM_ATTEMPTS:
        item_fail(
            item_id=item_id,
            error=f"The worker stopped {attempts} times while drawing this chart; it was given up.",
        )


def item_checkpoint(*, item: ImageTask, progress: int, stage: str) -> bool:
    """Between a running item's stages: True if its job was cancelled, else a coalesced progress hint.

    One Redis round trip for both: the cancel flag (a key, not a query) and the progress throttle.
    With Redis unreachable the item carries on without the hint; the final conditional update
    still refuses a cancelled item.
    """
    key, interval_ms = transient_throttle(type=EventType.ITEM_PROGRESS, job_id=item.job_id)
    try:
        pipe = get_redis().pipeline(transaction=False)
        pipe.exists(_cancel_flag(item.job))
        pipe.set(key, 1, px=interval_ms, nx=True)
        cancelled, may_send = pipe.execute()
    except Exception:
        logger.debug("Redis unavailable at a checkpoint of item %s", item.pk, exc_info=True)
        return False
    if cancelled:
        return True
    if may_send:
        send_transient(
            job_id=item.job_id,
            type=EventType.ITEM_PROGRESS,
            data={"item": item.pk, "progress": progress, "stage": stage},
        )
    return False


@dataclass(frozen=True)
class _Success:
    """What a chart's success records: its files, already written, and its events."""

    item: ImageTask
    claim_id: str
    paths: dict[str, str]
    timings: dict[str, Any]
    now: datetime
    item_events: list[NewEvent]


def item_succeed(
    *, item: ImageTask, claim_id: str, outputs: dict[str, bytes], timings: dict[str, Any]
) -> bool:
    """Store the artifacts and mark the item done. False if it was cancelled or taken meanwhile.

    The files go first, under names of this claim (`artifact_path`), then one conditional update
    records them: one round trip on PostgreSQL (`_succeed_call`), one transaction elsewhere
    (`_succeed_statements`). A claim that lost (the item was cancelled, or another delivery of its
    message finished it first) deletes its own files and leaves. A failed write raises before the
    row moves. An earlier attempt of the claim that stopped between the two (its worker killed, its
    database connection dropped: the task is retried) left files under its own names; the attempt
    that records the item deletes them. Anything else left over is swept (apps.jobs.housekeeping).
    """
    paths = {
        kind: artifact_path(item, extension) for kind, extension in ARTIFACT_KINDS.items() if kind in outputs
    }
    writing = time.perf_counter()
    try:
        write_files({path: outputs[kind] for kind, path in paths.items()})
    except OSError:
        delete_files(paths.values())
        raise
    note(store_ms=(time.perf_counter() - writing) * 1000)  # on the task's log line
    now = timezone.now()
    done = {"status": ItemStatus.SUCCESS, "progress": 100, "error": ""}
    item_events = [
        NewEvent(
            EventType.ITEM_ARTIFACT, {"item": item.pk, "artifacts": dict.fromkeys(paths, True)}, item.pk
        ),
        NewEvent(EventType.ITEM_STATUS, {**item_state(item), **done}, item_id=item.pk),
    ]
    record = _succeed_call if connection.vendor == "postgresql" else _succeed_statements
    if not record(_Success(item, claim_id, paths, timings, now, item_events)):
        delete_files(paths.values())
        return False
    delete_files(
        artifact_path(item, ARTIFACT_KINDS[kind], attempt=attempt)
        for attempt in range(1, item.attempts)
        for kind in paths
    )
    for kind, path in paths.items():
        setattr(item, kind, path)
    item.status, item.progress, item.error, item.finished_at, item.timings = (
        ItemStatus.SUCCESS,
        100,
        "",
        now,
        timings,
    )
    return True


def _succeed_statements(success: _Success) -> bool:
    """The success as one transaction: the item's conditional update, then the job's counters (and
    its end, if this was its last item) with the events (`_finish_item`)."""
    item, paths = success.item, success.paths
    table = connection.ops.quote_name(ImageTask._meta.db_table)
    artifact_columns = "".join(f", {connection.ops.quote_name(kind)} = %s" for kind in paths)
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {table} SET status = %s, progress = 100, finished_at = %s, timings = %s, "  # noqa: S608
                f"error = ''{artifact_columns} WHERE id = %s AND status = %s AND claim_id = %s",
                [
                    ItemStatus.SUCCESS,
                    connection.ops.adapt_datetimefield_value(success.now),
                    connection.ops.adapt_json_value(success.timings, None),
                    *paths.values(),
                    item.pk,
                    ItemStatus.RUNNING,
                    success.claim_id,
                ],
            )
            if not cursor.rowcount:
                return False
        _finish_item(item=item, outcome=ItemStatus.SUCCESS, item_events=success.item_events)
    return True


def _succeed_call(success: _Success) -> bool:
    """The success as one statement in autocommit: PostgreSQL's `intelli_item_succeed` (migration
    0004) makes the statements of `_succeed_statements` and returns the job's counters, its end
    and the events it wrote."""
    trace, now = current_trace_id() or "", success.now
    events = [{"item": e.item_id, "type": str(e.type), "data": e.data} for e in success.item_events]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT intelli_item_succeed(%s, %s, %s, %s::jsonb, %s, %s, %s, %s, %s::jsonb, %s)",
            [
                success.item.pk,
                success.claim_id,
                now,
                json.dumps(success.timings),
                *(success.paths.get(kind) for kind in ARTIFACT_KINDS),
                json.dumps(events),
                trace,
            ],
        )
        (result,) = cursor.fetchone()
    if result is None:
        return False
    result = _json(result)
    job = success.item.job
    _take_counters(job, result["job"])
    ended = result["ended"]
    if ended is not None:
        job.finished_at = now
    rows = logged_events(job_id=job.pk, logged=result["events"], trace=trace, at=now)
    broadcast_events(job=job, rows=rows, summary=job_summary(job))
    if ended is not None:
        job_id = job.pk  # after the events' broadcast, as _finish_item orders them
        transaction.on_commit(lambda: _send_job_finished(job_id, ended), robust=True)
    return True


def item_fail(*, item_id: int, error: str, claim_id: str | None = None) -> bool:
    """Fail a non-terminal item with a human reason. False if it had already ended."""
    now = timezone.now()
    with transaction.atomic():
        items = ImageTask.objects.filter(pk=item_id, status__in=ITEM_ACTIVE)
        if claim_id is not None:
            items = items.filter(claim_id=claim_id)
        if not items.update(status=ItemStatus.FAILED, error=error, finished_at=now):
            return False
        item = ImageTask.objects.get(pk=item_id)
        _finish_item(
            item=item,
            outcome=ItemStatus.FAILED,
            item_events=[NewEvent(EventType.ITEM_STATUS, item_state(item), item_id=item.pk)],
        )
    return True


def _final_status(*, total: int, succeeded: int, failed: int, cancel_requested: bool) -> JobStatus:
    if cancel_requested:
        return JobStatus.CANCELLED
    if succeeded == total:
        return JobStatus.SUCCESS
    if succeeded == 0:
        return JobStatus.FAILED if failed else JobStatus.CANCELLED
    return JobStatus.PARTIAL_SUCCESS


def _finish_item(*, item: ImageTask, outcome: ItemStatus, item_events: list[NewEvent]) -> None:
    """Count a terminal item on its job; the transaction that completes the job finalises it.

    Three statements on the hot path (the item's own update is the caller's): this UPDATE, the
    final one when the job completes, and one INSERT of every event.
    """
    counter = {
        ItemStatus.SUCCESS: "succeeded",
        ItemStatus.FAILED: "failed",
        ItemStatus.CANCELLED: "cancelled",
    }[outcome]
    table = connection.ops.quote_name(Job._meta.db_table)
    with connection.cursor() as cursor:
        # Bump the counter, reserve the event numbers and read the counters back, in one statement
        # that also holds the job's row lock until commit (two finishing items serialise here).
        cursor.execute(
            f"UPDATE {table} SET {counter} = {counter} + 1, event_seq = event_seq + %s WHERE id = %s "  # noqa: S608
            "RETURNING status, total, succeeded, failed, cancelled, event_seq, cancel_requested_at",
            [len(item_events), item.job_id],
        )
        status, total, succeeded, failed, cancelled, last_seq, cancel_requested_at = cursor.fetchone()
    job = item.job
    job.status, job.total, job.succeeded, job.failed, job.cancelled = (
        status,
        total,
        succeeded,
        failed,
        cancelled,
    )
    job.event_seq = last_seq
    events = list(item_events)
    ended: JobStatus | None = None
    if succeeded + failed + cancelled == total and status in JOB_ACTIVE:
        final = _final_status(
            total=total, succeeded=succeeded, failed=failed, cancel_requested=cancel_requested_at is not None
        )
        finished = _finalise_job(job=job, final=final)
        if finished:
            events += finished
            last_seq = job.event_seq
            ended = final
    emit_events(job=job, events=events, last_seq=last_seq, summary=job_summary(job))
    if ended is not None:
        # Registered after the events' broadcast: listeners (notifications) come after the job's own.
        job_id = job.pk
        transaction.on_commit(lambda: _send_job_finished(job_id, ended), robust=True)


def _finalise_job(*, job: Job, final: JobStatus) -> list[NewEvent]:
    """Set the job's terminal status if nobody has (exactly one decision); return its events."""
    now = timezone.now()
    table = connection.ops.quote_name(Job._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET status = %s, finished_at = %s, event_seq = event_seq + 2 "  # noqa: S608
            "WHERE id = %s AND status IN (%s, %s) RETURNING event_seq",
            [final, now, job.pk, *JOB_ACTIVE],
        )
        row = cursor.fetchone()
    if row is None:
        return []
    previous = job.status
    job.status, job.finished_at, job.event_seq = final, now, row[0]
    return [
        NewEvent(EventType.JOB_STATUS, {"status": final, "previous": previous}),
        NewEvent(EventType.JOB_FINISHED, job_summary(job)),
    ]


def _send_job_finished(job_id: int, status: str) -> None:
    from .signals import job_finished

    for receiver, result in job_finished.send_robust(sender=Job, job_id=job_id, status=status):
        if isinstance(result, Exception):
            logger.error("job_finished receiver %r failed for job %s", receiver, job_id, exc_info=result)


# --- Cancel and retry ------------------------------------------------------------------------------


def _cancel_flag(job: Job) -> str:
    # Keyed by creation time too: a database rebuilt beside a Redis that kept its data reuses job
    # ids, and a new job must never inherit an old job's flag.
    return f"intelli:job:{job.pk}:{job.created_at.timestamp():.6f}:cancelled"


def job_cancel(*, job: Job) -> Job:
    """Cancel every item that has not ended; the job ends CANCELLED at once.

    Running items are marked too: their worker stops at its next checkpoint, and its final
    conditional update finds the item cancelled and writes nothing.
    """
    job.refresh_from_db(fields=["status"])
    if job.status not in JOB_ACTIVE:
        raise _already_finished(job)
    now = timezone.now()
    with transaction.atomic():
        active = list(
            ImageTask.objects.select_for_update()
            .filter(job=job, status__in=ITEM_ACTIVE)
            .order_by("pk")
            .values_list("pk", "claim_id")
        )
        item_ids = [pk for pk, _ in active]
        ImageTask.objects.filter(pk__in=item_ids).update(
            status=ItemStatus.CANCELLED, finished_at=now, error="Cancelled before it finished."
        )
        table = connection.ops.quote_name(Job._meta.db_table)
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {table} SET cancelled = cancelled + %s, cancel_requested_at = %s, "  # noqa: S608
                "status = %s, finished_at = %s, event_seq = event_seq + %s "
                "WHERE id = %s AND status IN (%s, %s) "
                "RETURNING status, total, succeeded, failed, cancelled, event_seq",
                [len(item_ids), now, JobStatus.CANCELLED, now, len(item_ids) + 2, job.pk, *JOB_ACTIVE],
            )
            row = cursor.fetchone()
        if row is None:  # it finished meanwhile; raising rolls the item updates back
            raise _already_finished(job)
        previous = job.status
        job.status, job.total, job.succeeded, job.failed, job.cancelled, last_seq = row
        job.cancel_requested_at = job.finished_at = now
        events = [
            NewEvent(
                EventType.ITEM_STATUS,
                {
                    "item": pk,
                    "status": ItemStatus.CANCELLED,
                    "progress": 0,
                    "error": "Cancelled before it finished.",
                },
                item_id=pk,
            )
            for pk in item_ids
        ]
        events += [
            NewEvent(EventType.JOB_STATUS, {"status": JobStatus.CANCELLED, "previous": previous}),
            NewEvent(EventType.JOB_FINISHED, job_summary(job)),
        ]
        emit_events(job=job, events=events, last_seq=last_seq, summary=job_summary(job))
        tickets = [ticket for _, ticket in active if ticket]
        transaction.on_commit(lambda: _after_cancel(job, tickets))
    return job


def _already_finished(job: Job) -> ApplicationError:
    return ApplicationError(
        f"This job has already finished ({job.get_status_display().lower()}).",
        code="conflict",
        status_code=409,
    )


def _after_cancel(job: Job, tickets: list[str]) -> None:
    try:
        get_redis().set(_cancel_flag(job), 1, ex=CANCEL_FLAG_TTL_S)
    except Exception:
        logger.warning("Could not set the cancel flag of job %s", job.pk, exc_info=True)
    # Queued messages need no revoke to be safe (their claim finds the item cancelled), but
    # revoking spares the workers the trip.
    if tickets and not settings.CELERY_TASK_ALWAYS_EAGER:
        from config.celery import app

        try:
            app.control.revoke(tickets)
        except Exception:
            logger.warning("Could not revoke the messages of job %s", job.pk, exc_info=True)


def job_retry_failed(*, job: Job, item_ids: Sequence[int] | None = None) -> Job:
    """Put failed and cancelled items back to PENDING and enqueue them."""
    if job.dataset.status != DatasetStatus.READY:
        raise ApplicationError(
            "The dataset of this job is not ready, so nothing can be retried.",
            code="conflict",
            status_code=409,
        )
    ensure_broker_reachable()
    with transaction.atomic():
        retryable = ImageTask.objects.select_for_update().filter(
            job=job, status__in=(ItemStatus.FAILED, ItemStatus.CANCELLED)
        )
        if item_ids is not None:
            retryable = retryable.filter(pk__in=item_ids)
        rows = list(retryable.order_by("pk").values_list("pk", "status"))
        if not rows:
            raise ApplicationError(
                "There is nothing to retry: no failed or cancelled charts.", code="conflict", status_code=409
            )
        ids = [pk for pk, _ in rows]
        tickets = [(pk, new_ticket()) for pk in ids]
        n_failed = sum(1 for _, status in rows if status == ItemStatus.FAILED)
        n_cancelled = len(rows) - n_failed
        ImageTask.objects.filter(pk__in=ids).update(
            status=ItemStatus.PENDING,
            progress=0,
            attempts=0,
            claim_id=Case(*(When(pk=pk, then=Value(ticket)) for pk, ticket in tickets)),
            worker="",
            error="",
            started_at=None,
            finished_at=None,
            png="",
            svg="",
            data_csv="",
            data_json="",
            timings={},
        )
        new_status = JobStatus.RUNNING if job.started_at else JobStatus.PENDING
        table = connection.ops.quote_name(Job._meta.db_table)
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {table} SET failed = failed - %s, cancelled = cancelled - %s, status = %s, "  # noqa: S608
                "finished_at = NULL, cancel_requested_at = NULL, event_seq = event_seq + %s WHERE id = %s "
                "RETURNING status, total, succeeded, failed, cancelled, event_seq",
                [n_failed, n_cancelled, new_status, len(ids) + 1, job.pk],
            )
            previous = job.status
            job.status, job.total, job.succeeded, job.failed, job.cancelled, last_seq = cursor.fetchone()
        job.finished_at = job.cancel_requested_at = None
        events = [NewEvent(EventType.JOB_STATUS, {"status": new_status, "previous": previous})]
        events += [
            NewEvent(
                EventType.ITEM_STATUS,
                {"item": pk, "status": ItemStatus.PENDING, "progress": 0, "error": ""},
                item_id=pk,
            )
            for pk in ids
        ]
        emit_events(job=job, events=events, last_seq=last_seq, summary=job_summary(job))
        transaction.on_commit(lambda: _after_retry(job, tickets))
    return job


def _after_retry(job: Job, tickets: list[tuple[int, str]]) -> None:
    try:
        get_redis().delete(_cancel_flag(job))
    except Exception:
        logger.warning("Could not clear the cancel flag of job %s", job.pk, exc_info=True)
    enqueue_items(tickets)


# --- Housekeeping ------------------------------------------------------------------------------------


def items_reap_stale(*, older_than_s: int) -> dict[str, int]:
    """Re-queue once, then fail, items left RUNNING past every limit (see apps.jobs.housekeeping)."""
    from .housekeeping import items_reap_stale as reap  # housekeeping builds on this module

    return reap(older_than_s=older_than_s)
