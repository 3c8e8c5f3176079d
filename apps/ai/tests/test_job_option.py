"""A job that asks for descriptions: each chart is described once drawn, and the job's own status
depends on its charts only."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from apps.ai.models import Description
from apps.datasets.tests.fixtures import build_filters_xlsx
from apps.jobs.models import Job, JobEvent
from apps.jobs.selectors import job_snapshot
from config.celery import app

from .fake_openai import error

ANALYSES = [{"key": "publication_trend"}, {"key": "top_countries"}, {"key": "forecast"}]


@pytest.fixture
def eager(settings):
    previous = app.conf.task_always_eager
    settings.CELERY_TASK_ALWAYS_EAGER = True
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = previous


def run_job(user, **options) -> Job:
    client = APIClient()
    client.force_authenticate(user)
    upload = SimpleUploadedFile("export.xlsx", build_filters_xlsx())
    dataset = client.post("/api/v1/datasets/", {"file": upload}, format="multipart").json()
    response = client.post(
        "/api/v1/jobs/", {"dataset": dataset["id"], "analyses": ANALYSES, **options}, format="json"
    )
    assert response.status_code == 201, response.content
    for name, value in options.items():
        assert response.json()[name] == value
    return Job.objects.get(pk=response.json()["id"])


@pytest.mark.django_db(transaction=True)
def test_every_chart_of_a_describing_job_is_described(eager, user, settings):
    settings.AI_PROVIDER = "local"

    job = run_job(user, describe=True, ai_provider="local")

    assert (job.status, job.succeeded) == ("SUCCESS", 3)
    descriptions = Description.objects.filter(item__job=job)
    assert sorted(d.item.analysis_key for d in descriptions) == sorted(a["key"] for a in ANALYSES)
    assert all(d.status == "SUCCESS" and d.provider == "local" and d.text for d in descriptions)
    types = list(JobEvent.objects.filter(job=job).order_by("seq").values_list("type", flat=True))
    assert types.count("description.done") == 3 and types.count("job.finished") == 1
    snapshot = job_snapshot(job_id=job.pk)["data"]["items"]
    assert all(item["description"]["status"] == "SUCCESS" for item in snapshot)


@pytest.mark.django_db(transaction=True)
def test_failed_descriptions_leave_the_job_a_success(eager, user, fake_ai):
    fake_ai.push(*[error(401, "Invalid API key")] * 3)

    job = run_job(user, describe=True, ai_model="gpt-4o-mini")

    assert (job.status, job.succeeded, job.failed) == ("SUCCESS", 3, 0)
    descriptions = Description.objects.filter(item__job=job)
    assert [d.status for d in descriptions] == ["FAILED"] * 3
    assert all(d.error.startswith("API key rejected") and d.text == "" for d in descriptions)


@pytest.mark.django_db(transaction=True)
def test_a_job_that_did_not_ask_writes_no_description(eager, user):
    job = run_job(user)
    assert (
        job.status == "SUCCESS"
        and not job.describe
        and not Description.objects.filter(item__job=job).exists()
    )


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("options", "field"),
    [
        ({"describe": True, "ai_provider": "gpt"}, "ai_provider"),
        ({"describe": True, "ai_model": "bad model!"}, "ai_model"),
        ({"describe": True, "ai_provider": "openai"}, "ai_provider"),  # no key on this server
    ],
)
def test_description_options_are_validated(api_client, user, settings, options, field):
    from apps.datasets.tests.factories import DatasetFactory

    settings.OPENAI_API_KEY = ""
    settings.AI_PROVIDER = "local"
    dataset = DatasetFactory(owner=user)
    response = api_client.post(
        "/api/v1/jobs/", {"dataset": dataset.pk, "analyses": ANALYSES, **options}, format="json"
    )
    assert response.status_code == 400 and field in response.json()["error"]["fields"]
    assert not Job.objects.exists()
