"""Item and job state machine: every transition, duplicates, races, cancel and retry."""

from __future__ import annotations

import json
import re
import threading
from unittest.mock import Mock

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import OperationalError, close_old_connections, connection
from django.test.utils import CaptureQueriesContext
from kombu.exceptions import BatchPublishError
from kombu.transport.redis import PublishBatch

from apps.core.exceptions import ApplicationError
from apps.core.queues import Queue
from apps.core.redis import get_redis
from apps.jobs.events import item_state, job_summary
from apps.jobs.models import ImageTask, ItemStatus, Job, JobEvent, JobStatus, artifact_path
from apps.jobs.services import (
    ENQUEUE_BATCH,
    enqueue_items,
    item_checkpoint,
    item_claim,
    item_fail,
    item_succeed,
    items_reap_stale,
    job_cancel,
    job_retry_failed,
)

from .factories import job_with_items

OUTPUTS = {"png": b"\x89PNG fake", "svg": b"<svg/>", "data_csv": b"year,count\n", "data_json": b"{}"}


def claim(item: ImageTask, claim_id: str = "t0") -> ImageTask | None:
    return item_claim(item_id=item.pk, claim_id=claim_id, worker="w1@host")


def stored_files(job: Job) -> list[str]:
    folder = f"jobs/{job.pk}/items"
    return default_storage.listdir(folder)[1] if default_storage.exists(folder) else []


def event_types(job: Job) -> list[str]:
    return list(JobEvent.objects.filter(job=job).order_by("seq").values_list("type", flat=True))


def assert_seqs_contiguous(job: Job) -> None:
    seqs = list(JobEvent.objects.filter(job=job).order_by("seq").values_list("seq", flat=True))
    assert seqs == list(range(1, len(seqs) + 1))
    job.refresh_from_db()
    assert job.event_seq == len(seqs)


@pytest.mark.django_db
class TestClaim:
    def test_pending_item_becomes_running_and_starts_the_job(self):
        job = job_with_items(2)
        item = job.items.first()

        claimed = claim(item)

        assert claimed is not None
        item.refresh_from_db()
        job.refresh_from_db()
        assert (item.status, item.attempts, item.claim_id, item.worker) == (
            ItemStatus.RUNNING,
            1,
            "t0",
            "w1@host",
        )
        assert job.status == JobStatus.RUNNING and job.started_at is not None
        assert event_types(job) == ["job.status", "item.status"]
        assert_seqs_contiguous(job)

    def test_second_item_does_not_restart_the_job(self):
        job = job_with_items(2)
        first, second = job.items.all()
        claim(first, "t0")
        claim(second, "t1")
        assert event_types(job) == ["job.status", "item.status", "item.status"]

    def test_another_message_cannot_take_a_running_item(self):
        job = job_with_items(1)
        item = job.items.get()
        claim(item, "t0")

        assert claim(item, "task-2") is None
        item.refresh_from_db()
        assert item.claim_id == "t0" and item.attempts == 1

    def test_a_duplicate_message_cannot_run_a_pending_item(self):
        job = job_with_items(1)
        item = job.items.get()
        assert claim(item, "a-second-enqueue") is None
        item.refresh_from_db()
        assert item.status == ItemStatus.PENDING and item.attempts == 0

    def test_redelivery_of_the_same_message_takes_the_item_over(self):
        job = job_with_items(1)
        item = job.items.get()
        claim(item, "t0")

        again = claim(item, "t0")  # the worker died; the broker redelivered the message

        assert again is not None
        item.refresh_from_db()
        assert item.status == ItemStatus.RUNNING and item.attempts == 2

    @pytest.mark.parametrize("status", [ItemStatus.SUCCESS, ItemStatus.FAILED, ItemStatus.CANCELLED])
    def test_a_late_delivery_never_moves_a_terminal_item(self, status):
        job = job_with_items(1)
        item = job.items.get()
        ImageTask.objects.filter(pk=item.pk).update(status=status)

        assert claim(item) is None
        item.refresh_from_db()
        assert item.status == status

    def test_an_item_that_keeps_crashing_its_worker_fails(self, settings):
        settings.INTELLI_MAX_ITEM_ATTEMPTS = 2
        job = job_with_items(1)
        item = job.items.get()
        claim(item)
        claim(item)

        assert claim(item) is None
        item.refresh_from_db()
        assert item.status == ItemStatus.FAILED
        assert "stopped 2 times" in item.error

    def test_a_claim_sees_what_changed_since_the_jobs_last_chart(self):
        # A chart process keeps the job and its dataset between charts; what may change must not be
        # served from there: the aliases, the dataset's bundle, the job's status.
        job = job_with_items(3)
        first, second, third = job.items.order_by("position")
        assert claim(first, "t0").job.dataset.applicant_aliases == {}

        job.dataset.applicant_aliases = {"ACME CORP": "Acme"}
        job.dataset.save(update_fields=["applicant_aliases"])
        Job.objects.filter(pk=job.pk).update(status=JobStatus.PENDING)
        claimed = claim(second, "t1")

        assert claimed.job.dataset.applicant_aliases == {"ACME CORP": "Acme"}
        assert claimed.job.status == JobStatus.RUNNING  # read again: PENDING, so it was started again

        with CaptureQueriesContext(connection) as queries:
            assert claim(third, "t2").job is claimed.job
        statements = [q["sql"] for q in queries.captured_queries if "SAVEPOINT" not in q["sql"]]
        # The claim (with the check), the event numbers, the events; PostgreSQL makes them in one call.
        assert len(statements) == (1 if connection.vendor == "postgresql" else 3)

    def test_a_job_whose_id_was_reused_is_read_afresh(self):
        job = job_with_items(2)
        first, second = job.items.order_by("position")
        cached = claim(first).job
        # A rebuilt database hands the id to another job: the creation time tells them apart.
        Job.objects.filter(pk=job.pk).update(created_at=job.created_at.replace(year=2001), title="Another")

        claimed = claim(second, "t1")

        assert claimed.job is not cached and claimed.job.title == "Another"


@pytest.mark.django_db
class TestFinish:
    def test_success_stores_artifacts_and_finishes_the_job(self):
        job = job_with_items(1)
        item = claim(job.items.get())

        assert item_succeed(item=item, claim_id="t0", outputs=OUTPUTS, timings={"render_ms": 12})

        item.refresh_from_db()
        job.refresh_from_db()
        assert item.status == ItemStatus.SUCCESS and item.progress == 100
        assert re.fullmatch(
            rf"jobs/{job.pk}/items/{item.pk}-publication_trend-[0-9a-f]{{10}}\.png", item.png.name
        )
        assert default_storage.open(item.png.name).read() == OUTPUTS["png"]
        assert (job.status, job.succeeded, job.finished_at is not None) == (JobStatus.SUCCESS, 1, True)
        assert event_types(job) == [
            "job.status",
            "item.status",
            "item.artifact",
            "item.status",
            "job.status",
            "job.finished",
        ]
        assert_seqs_contiguous(job)

    def test_a_lost_claim_leaves_no_file(self):
        job = job_with_items(1)
        item = claim(job.items.get())

        assert not item_succeed(item=item, claim_id="someone-else", outputs=OUTPUTS, timings={})

        item.refresh_from_db()
        assert item.status == ItemStatus.RUNNING and not item.png
        assert stored_files(job) == []

    def test_a_delivery_that_lost_to_its_redelivery_deletes_only_its_own_files(self):
        # A worker thought dead (its message redelivered) finishes after the redelivery did: both
        # hold the item's claim and wrote their files before their update; only the winner's stay.
        job = job_with_items(1)
        first = claim(job.items.get())
        second = claim(job.items.get())
        assert (first.attempts, second.attempts) == (1, 2)

        assert item_succeed(item=second, claim_id="t0", outputs=OUTPUTS, timings={})
        assert not item_succeed(item=first, claim_id="t0", outputs=OUTPUTS, timings={})

        stored = ImageTask.objects.get(pk=second.pk)
        assert stored.png.name == artifact_path(second, "png") != artifact_path(first, "png")
        assert sorted(stored_files(job)) == sorted(
            name.rsplit("/", 1)[1]
            for name in (stored.png.name, stored.svg.name, stored.data_csv.name, stored.data_json.name)
        )
        assert default_storage.open(stored.png.name).read() == OUTPUTS["png"]

    def test_an_attempt_that_stopped_after_writing_leaves_no_file_once_the_item_is_done(self, monkeypatch):
        # The database connection drops between the files and the update: the task is retried, and
        # its next attempt writes under its own names. Only the recorded files may stay.
        job = job_with_items(1)
        first = claim(job.items.get())
        with monkeypatch.context() as patched:
            for record in ("_succeed_statements", "_succeed_call"):
                patched.setattr(f"apps.jobs.services.{record}", Mock(side_effect=OperationalError("gone")))
            with pytest.raises(OperationalError):
                item_succeed(item=first, claim_id="t0", outputs=OUTPUTS, timings={})
        assert len(stored_files(job)) == len(OUTPUTS)
        retried = claim(job.items.get())

        assert item_succeed(item=retried, claim_id="t0", outputs=OUTPUTS, timings={})

        stored = ImageTask.objects.get(pk=retried.pk)
        assert sorted(stored_files(job)) == sorted(
            getattr(stored, kind).name.rsplit("/", 1)[1] for kind in OUTPUTS
        )

    def test_a_failed_write_leaves_the_item_running_and_no_file(self, monkeypatch):
        job = job_with_items(1)
        item = claim(job.items.get())

        def write_one_then_fail(files):
            name, data = next(iter(files.items()))
            default_storage.save(name, ContentFile(data))
            raise OSError(28, "No space left on device")

        monkeypatch.setattr("apps.jobs.services.write_files", write_one_then_fail)
        with pytest.raises(OSError, match="No space"):
            item_succeed(item=item, claim_id="t0", outputs=OUTPUTS, timings={})

        item.refresh_from_db()
        assert item.status == ItemStatus.RUNNING and not item.png
        assert stored_files(job) == []
        assert event_types(job) == ["job.status", "item.status"]

    def test_the_events_broadcast_are_the_events_logged(
        self, monkeypatch, django_capture_on_commit_callbacks
    ):
        # PostgreSQL writes the claim's and the success's events in the database (migration 0004),
        # SQLite from Python: either way a browser gets what the log holds, with the same data.
        sent: list = []
        monkeypatch.setattr("apps.jobs.events.group_send_many", lambda messages: sent.extend(messages))
        job = job_with_items(2)
        with django_capture_on_commit_callbacks(execute=True):
            for index, item in enumerate(job.items.order_by("position")):
                claimed = claim(item, f"t{index}")
                assert item_succeed(item=claimed, claim_id=f"t{index}", outputs=OUTPUTS, timings={})

        broadcast = [
            event for _, message in sent if message["type"] == "job.events" for event in message["events"]
        ]
        logged = list(JobEvent.objects.filter(job=job).order_by("seq"))
        assert [(e["seq"], e["type"], e["data"], e["at"]) for e in broadcast] == [
            (row.seq, row.type, row.data, row.created_at.isoformat().replace("+00:00", "Z")) for row in logged
        ]
        job.refresh_from_db()
        first, second = job.items.order_by("position")
        by_type = {(row.type, row.item_id): row.data for row in logged}
        assert by_type[("job.status", None)] == {"status": "SUCCESS", "previous": "RUNNING"}
        assert by_type[("job.finished", None)] == job_summary(job)
        assert by_type[("item.artifact", second.pk)] == {
            "item": second.pk,
            "artifacts": dict.fromkeys(OUTPUTS, True),
        }
        assert by_type[("item.status", second.pk)] == item_state(second)
        assert next(row.data for row in logged if row.type == "item.status") == {
            **item_state(first),
            "status": "RUNNING",
            "progress": 0,
        }
        assert next(row.data for row in logged if row.type == "job.status") == {
            "status": "RUNNING",
            "previous": "PENDING",
        }
        summaries = [message["event"] for _, message in sent if message["type"] == "jobs.event"]
        assert summaries[-1]["data"] == job_summary(job) and summaries[-1]["seq"] == job.event_seq

    def test_failure_records_the_reason(self):
        job = job_with_items(1)
        item = claim(job.items.get())

        assert item_fail(item_id=item.pk, claim_id="t0", error="The dataset has no inventors.")

        item.refresh_from_db()
        job.refresh_from_db()
        assert (item.status, item.error) == (ItemStatus.FAILED, "The dataset has no inventors.")
        assert (job.status, job.failed) == (JobStatus.FAILED, 1)

    def test_failing_twice_counts_once(self):
        job = job_with_items(2)
        item = claim(job.items.first())
        assert item_fail(item_id=item.pk, error="first")
        assert not item_fail(item_id=item.pk, error="second")
        job.refresh_from_db()
        assert job.failed == 1

    @pytest.mark.parametrize(
        ("outcomes", "final"),
        [
            (["ok", "ok"], JobStatus.SUCCESS),
            (["ok", "fail"], JobStatus.PARTIAL_SUCCESS),
            (["fail", "fail"], JobStatus.FAILED),
        ],
    )
    def test_terminal_status(self, outcomes, final):
        job = job_with_items(len(outcomes))
        for index, (item, outcome) in enumerate(zip(job.items.all(), outcomes, strict=True)):
            claimed = claim(item, f"t{index}")
            if outcome == "ok":
                item_succeed(item=claimed, claim_id=f"t{index}", outputs=OUTPUTS, timings={})
            else:
                item_fail(item_id=item.pk, error="boom")
            job.refresh_from_db()
            if index < len(outcomes) - 1:
                assert job.status == JobStatus.RUNNING  # not decided before the last item
        assert job.status == final
        assert event_types(job).count("job.finished") == 1

    def test_job_progress_never_goes_backwards(self):
        job = job_with_items(3)
        for index, item in enumerate(job.items.all()):
            claimed = claim(item, f"t{index}")
            item_succeed(item=claimed, claim_id=f"t{index}", outputs=OUTPUTS, timings={})
        done = [
            e.data["succeeded"] + e.data["failed"] + e.data["cancelled"]
            for e in JobEvent.objects.filter(job=job, type="job.finished")
        ]
        assert done == [3]
        statuses = [
            e.data["status"] for e in JobEvent.objects.filter(job=job, type="item.status").order_by("seq")
        ]
        assert statuses == ["RUNNING", "SUCCESS"] * 3


@pytest.mark.django_db(transaction=True)
def test_two_items_finishing_at_the_same_instant_decide_the_job_once():
    """Two threads (two connections) finish the last two items behind a barrier."""
    job = job_with_items(2)
    items = [claim(item, f"t{i}") for i, item in enumerate(job.items.all())]
    barrier = threading.Barrier(2)
    results: list[bool] = []
    errors: list[BaseException] = []

    def finish(index: int) -> None:
        try:
            barrier.wait(timeout=10)
            results.append(item_succeed(item=items[index], claim_id=f"t{index}", outputs=OUTPUTS, timings={}))
        except BaseException as exc:  # reported below
            errors.append(exc)
        finally:
            close_old_connections()
            connection.close()

    threads = [threading.Thread(target=finish, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert not errors, errors
    assert results == [True, True]
    job.refresh_from_db()
    assert (job.status, job.succeeded) == (JobStatus.SUCCESS, 2)
    assert event_types(job).count("job.finished") == 1
    assert_seqs_contiguous(job)


@pytest.mark.django_db
class TestCancel:
    def test_cancel_mid_job_ends_cancelled_and_running_items_cannot_finish(self):
        job = job_with_items(3)
        done, running, pending = job.items.all()
        item_succeed(item=claim(done, "t0"), claim_id="t0", outputs=OUTPUTS, timings={})
        running_item = claim(running, "t1")

        job_cancel(job=job)

        job.refresh_from_db()
        assert job.status == JobStatus.CANCELLED
        assert (job.succeeded, job.cancelled) == (1, 2)
        assert set(job.items.values_list("status", flat=True)) == {ItemStatus.SUCCESS, ItemStatus.CANCELLED}
        # The worker still drawing its chart reaches its final update: refused, nothing written.
        assert not item_succeed(item=running_item, claim_id="t1", outputs=OUTPUTS, timings={})
        assert claim(pending, "t2") is None
        job.refresh_from_db()
        assert job.status == JobStatus.CANCELLED
        assert event_types(job).count("job.finished") == 1
        assert_seqs_contiguous(job)

    def test_running_items_see_the_cancel_at_their_checkpoint(self, django_capture_on_commit_callbacks):
        job = job_with_items(1)
        item = claim(job.items.get())
        assert not item_checkpoint(item=item, progress=20, stage="computing")
        with django_capture_on_commit_callbacks(execute=True):
            job_cancel(job=job)
        assert item_checkpoint(item=item, progress=50, stage="rendering")

    def test_cancelling_a_finished_job_is_refused(self):
        job = job_with_items(1)
        item_succeed(item=claim(job.items.get()), claim_id="t0", outputs=OUTPUTS, timings={})
        with pytest.raises(ApplicationError) as error:
            job_cancel(job=job)
        assert error.value.status_code == 409
        job.refresh_from_db()
        assert job.status == JobStatus.SUCCESS


@pytest.mark.django_db
class TestRetry:
    def test_retry_puts_failed_and_cancelled_items_back(
        self, django_capture_on_commit_callbacks, monkeypatch
    ):
        enqueued: list[list[int]] = []
        monkeypatch.setattr(
            "apps.jobs.services.enqueue_items", lambda tickets: enqueued.append([pk for pk, _ in tickets])
        )
        job = job_with_items(3)
        ok, bad, later = job.items.all()
        item_succeed(item=claim(ok, "t0"), claim_id="t0", outputs=OUTPUTS, timings={})
        item_fail(item_id=claim(bad, "t1").pk, error="boom")
        job_cancel(job=job)  # `later` is cancelled
        job.refresh_from_db()

        with django_capture_on_commit_callbacks(execute=True):
            job_retry_failed(job=job)

        job.refresh_from_db()
        assert job.status == JobStatus.RUNNING
        assert (job.succeeded, job.failed, job.cancelled) == (1, 0, 0)
        assert list(job.items.order_by("position").values_list("status", flat=True)) == [
            ItemStatus.SUCCESS,
            ItemStatus.PENDING,
            ItemStatus.PENDING,
        ]
        assert enqueued == [[bad.pk, later.pk]]
        # Each retried item waits for a new message: the old ones (possibly revoked) cannot run it.
        bad.refresh_from_db()
        assert bad.claim_id not in ("t1", "") and claim(bad, "t1") is None
        assert not item_checkpoint(item=later, progress=20, stage="computing")

    def test_retry_never_touches_successful_or_running_items(self):
        job = job_with_items(2)
        ok, running = job.items.all()
        item_succeed(item=claim(ok, "t0"), claim_id="t0", outputs=OUTPUTS, timings={})
        claim(running, "t1")
        with pytest.raises(ApplicationError, match="nothing to retry"):
            job_retry_failed(job=job)


@pytest.mark.django_db
def test_reaper_fails_items_whose_worker_vanished():
    # The first reap puts the item back on the queue (apps/jobs/tests/test_housekeeping.py); the
    # second, after it got stuck again, fails it.
    job = job_with_items(1)
    item = claim(job.items.get())
    ImageTask.objects.filter(pk=item.pk).update(started_at=item.started_at.replace(year=2000))
    assert items_reap_stale(older_than_s=300) == {"requeued": 1, "failed": 0}
    item.refresh_from_db()
    item = claim(item, item.claim_id)
    ImageTask.objects.filter(pk=item.pk).update(started_at=item.started_at.replace(year=2000))

    assert items_reap_stale(older_than_s=300) == {"requeued": 0, "failed": 1}

    item.refresh_from_db()
    assert item.status == ItemStatus.FAILED and "stopped responding" in item.error


@pytest.mark.django_db
class TestEnqueue:
    """Render messages through the suite's real Redis broker, a batch a round trip."""

    @pytest.fixture
    def charts_queue(self, settings):
        if not settings.CELERY_BROKER_URL.startswith("redis"):
            pytest.skip("reads the broker's Redis list")
        redis, queue = get_redis(), Queue.CHARTS_CPU.value
        redis.delete(queue)
        yield lambda: [json.loads(raw)["headers"]["id"] for raw in redis.lrange(queue, 0, -1)]
        redis.delete(queue)

    @pytest.fixture
    def flushes(self, monkeypatch):
        """Each batch's round trip; `fail_from` makes that one and later ones fail as Redis would."""
        calls = []
        flush = PublishBatch.flush

        def counted(batch):
            calls.append(batch)
            if len(calls) >= counted.fail_from:
                raise BatchPublishError("Redis publish batch failed; delivery is uncertain")
            flush(batch)

        counted.fail_from = float("inf")
        monkeypatch.setattr(PublishBatch, "flush", counted)
        return counted, calls

    def test_a_jobs_messages_go_a_batch_a_round_trip(self, charts_queue, flushes):
        job = job_with_items(2 * ENQUEUE_BATCH + 5)
        tickets = list(job.items.values_list("pk", "claim_id"))

        enqueue_items(tickets)

        _, calls = flushes
        assert len(calls) == 3
        assert sorted(charts_queue()) == sorted(ticket for _, ticket in tickets)
        assert not job.items.exclude(status=ItemStatus.PENDING).exists()

    def test_a_failed_batch_fails_its_items_and_every_later_one(self, charts_queue, flushes):
        job = job_with_items(3 * ENQUEUE_BATCH)
        tickets = list(job.items.order_by("position").values_list("pk", "claim_id"))
        counted, _ = flushes
        counted.fail_from = 2

        enqueue_items(tickets)

        sent = [ticket for _, ticket in tickets[:ENQUEUE_BATCH]]
        assert sorted(charts_queue()) == sorted(sent)
        pending = job.items.filter(status=ItemStatus.PENDING).values_list("claim_id", flat=True)
        assert set(pending) == set(sent)
        failed = job.items.filter(status=ItemStatus.FAILED)
        assert failed.count() == 2 * ENQUEUE_BATCH
        assert {item.error for item in failed} == {
            "The task queue was unreachable when this chart was submitted; retry it."
        }
        job.refresh_from_db()
        assert (job.failed, job.status) == (2 * ENQUEUE_BATCH, JobStatus.PENDING)
