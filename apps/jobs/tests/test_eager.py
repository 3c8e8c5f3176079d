"""CELERY_TASK_ALWAYS_EAGER=true runs the whole walk inline (a debugging aid, off by default)."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from apps.datasets.tests.fixtures import build_filters_xlsx
from apps.jobs.models import Job, JobEvent
from config.celery import app

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def eager(settings):
    previous = app.conf.task_always_eager  # read before the settings change: conf loads lazily
    settings.CELERY_TASK_ALWAYS_EAGER = True
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = previous


def test_a_job_completes_inline_with_all_its_events(eager, user):
    client = APIClient()
    client.force_authenticate(user)
    upload = SimpleUploadedFile("export.xlsx", build_filters_xlsx())
    dataset = client.post("/api/v1/datasets/", {"file": upload}, format="multipart").json()
    assert client.get(f"/api/v1/datasets/{dataset['id']}/").json()["status"] == "READY"

    analyses = [{"key": "publication_trend"}, {"key": "top_countries"}, {"key": "cpc_treemap"}]
    response = client.post("/api/v1/jobs/", {"dataset": dataset["id"], "analyses": analyses}, format="json")

    assert response.status_code == 201
    job = Job.objects.get(pk=response.json()["id"])
    assert (job.status, job.succeeded) == ("SUCCESS", 3)
    events = list(JobEvent.objects.filter(job=job).order_by("seq"))
    assert [e.seq for e in events] == list(range(1, len(events) + 1))
    types = [e.type for e in events]
    assert types[:2] == ["job.status", "job.status"]  # PENDING, then RUNNING
    assert types.count("item.status") == 6 and types.count("item.artifact") == 3
    assert types[-2:] == ["job.status", "job.finished"]
    assert events[-1].data["status"] == "SUCCESS"


def test_eager_mode_is_flagged_by_the_system_checks(settings):
    from apps.core.checks import eager_mode_check

    settings.CELERY_TASK_ALWAYS_EAGER = False
    assert eager_mode_check(None) == []
    settings.CELERY_TASK_ALWAYS_EAGER = True
    assert [w.id for w in eager_mode_check(None)] == ["intelli.W001"]
