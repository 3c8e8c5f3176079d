"""The job inspector in the Django admin: pages render, actions cancel and retry."""

from __future__ import annotations

import pytest
from django.urls import reverse

from apps.accounts.tests.factories import UserFactory
from apps.jobs.models import JobStatus
from apps.jobs.services import item_claim, item_fail, item_succeed

from .factories import job_with_items

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    return client


def test_job_pages_show_items_events_and_thumbnails(admin_client):
    job = job_with_items(2)
    first, second = job.items.all()
    item_succeed(
        item=item_claim(item_id=first.pk, claim_id="t0", worker="w@h"), claim_id="t0",
        outputs={"png": b"\x89PNG"}, timings={},
    )  # fmt: skip
    item_fail(item_id=second.pk, error="The dataset has no inventors.")

    changelist = admin_client.get(reverse("admin:jobs_job_changelist") + "?status=PARTIAL_SUCCESS")
    assert changelist.status_code == 200 and job.title in changelist.content.decode()
    page = admin_client.get(reverse("admin:jobs_job_change", args=[job.pk])).content.decode()
    assert "The dataset has no inventors." in page  # the item's error
    assert f"/api/v1/items/{first.pk}/artifacts/png/" in page  # its thumbnail
    assert "job.finished" in page  # the event timeline
    assert admin_client.get(reverse("admin:jobs_job_changelist") + f"?q={job.pk}").status_code == 200
    assert (
        admin_client.get(reverse("admin:datasets_dataset_change", args=[job.dataset_id])).status_code == 200
    )


def test_actions_cancel_and_retry(admin_client, monkeypatch):
    monkeypatch.setattr("apps.jobs.services.enqueue_items", lambda tickets: None)
    running, finished = job_with_items(2), job_with_items(1)
    item_fail(item_id=finished.items.get().pk, error="boom")
    url = reverse("admin:jobs_job_changelist")

    admin_client.post(url, {"action": "cancel_jobs", "_selected_action": [running.pk, finished.pk]})
    running.refresh_from_db()
    assert running.status == JobStatus.CANCELLED

    admin_client.post(url, {"action": "retry_failed", "_selected_action": [finished.pk]})
    finished.refresh_from_db()
    assert finished.status == JobStatus.PENDING and finished.failed == 0
