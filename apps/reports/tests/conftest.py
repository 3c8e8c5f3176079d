"""Charts drawn for real, in-process: a dataset ingested, a job's items rendered by the charts_cpu
task body and described by the local describer, exactly as the workers would leave them."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from apps.ai.models import Description
from apps.ai.writing import description_run
from apps.charts.analyses import CLASSIC_EIGHT
from apps.charts.services import item_render
from apps.datasets.services import dataset_create, dataset_ingest
from apps.datasets.tests.fixtures import build_filters_xlsx
from apps.jobs.models import Job, JobStatus
from apps.jobs.services import job_create


@pytest.fixture
def drawn_job(user, monkeypatch, settings):
    """make(language=..., upload=bytes, filename=...) -> a finished job with described charts."""
    settings.AI_PROVIDER = "local"
    monkeypatch.setattr("apps.datasets.services._enqueue_ingest", lambda pk: None)
    monkeypatch.setattr("apps.jobs.services.enqueue_items", lambda tickets: None)
    monkeypatch.setattr("apps.ai.services._enqueue", lambda *ticket: None)

    def make(
        *,
        language: str = "en",
        upload: bytes | None = None,
        filename: str = "graphene-filters.xlsx",
        analyses=CLASSIC_EIGHT,
        owner=None,
        describe: bool = True,
    ) -> Job:
        owner = owner or user
        dataset = dataset_create(
            owner=owner, upload=SimpleUploadedFile(filename, upload or build_filters_xlsx())
        )
        dataset_ingest(dataset_id=dataset.pk)
        job, _ = job_create(
            owner=owner,
            dataset_id=dataset.pk,
            analyses=[{"key": key} for key in analyses],
            style={"language": language},
            describe=describe,
            ai_provider="local" if describe else "",
        )
        for item in job.items.order_by("position"):
            item_render(item_id=item.pk, claim_id=item.claim_id, worker="w@h")
        for description in Description.objects.filter(item__job=job):
            description_run(description_id=description.pk, claim_id=description.claim_id, worker="w@h")
        job.refresh_from_db()
        assert job.status == JobStatus.SUCCESS, list(job.items.values_list("analysis_key", "error"))
        return job

    return make


@pytest.fixture
def queued_reports(monkeypatch):
    """Reports asked for in a test are not sent to the broker: their (id, ticket) are recorded."""
    sent: list[tuple[int, str]] = []
    monkeypatch.setattr("apps.reports.services._enqueue_build", lambda *ticket: sent.append(ticket))
    return sent
