"""End to end: a job drawn and described by real workers, then its report pack built by the real
ingestion_io worker, followed on the user's `/ws/jobs/` stream to the `report.ready` notification."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
import redis

from apps.core.testing.stack import LiveStack
from apps.jobs.tests.test_e2e import WAIT_S, Client, _database_url_for_stack, analyst  # noqa: F401

from .readback import pdf_pages, pptx_slides, zip_members

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _redis_url_for_this_stack() -> str:
    """A Redis database of its own: apart from the unit tests' and from apps.jobs' end-to-end stack,
    whose workers (with another MEDIA_ROOT) must never take this stack's messages."""
    parts = urlsplit(os.environ["REDIS_URL"])
    db = int(parts.path.lstrip("/") or 0)
    return urlunsplit(parts._replace(path=f"/{(db + 2) % 16}"))


@pytest.fixture(scope="module")
def stack(django_db_setup, django_db_blocker, tmp_path_factory):
    with django_db_blocker.unblock():
        database_url = _database_url_for_stack()
    media = tmp_path_factory.mktemp("e2e-report-media")
    redis_url = _redis_url_for_this_stack()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "CELERY_BROKER_URL": redis_url,
        "MEDIA_ROOT": str(media),
        "PYTHONUNBUFFERED": "1",
    }
    env.pop("CHANNEL_LAYER_URL", None)
    redis.Redis.from_url(redis_url).flushdb()
    live = LiveStack(env=env, log_dir=tmp_path_factory.mktemp("e2e-report-logs"))
    live.media_root = Path(media)
    live.start()
    yield live
    live.stop()


ANALYSES = ("publication_trend", "top_applicants", "top_countries")


def test_a_report_pack_built_by_the_workers_and_followed_live(stack, analyst):  # noqa: F811
    client = Client(stack, analyst.username)
    dataset = client.upload_ready_dataset()
    with client.socket("/ws/jobs/") as socket:
        assert json.loads(socket.recv(timeout=10))["type"] == "jobs.snapshot"
        response = client.post(
            "/api/v1/jobs/",
            json={
                "dataset": dataset["id"],
                "analyses": [{"key": key} for key in ANALYSES],
                "style": {"dpi": 100, "language": "es"},
                "describe": True,
                "ai_provider": "local",
            },
        )
        assert response.status_code == 201, response.text
        job_id = response.json()["id"]
        assert client.wait_job(job_id)["status"] == "SUCCESS"
        items = client.get(f"/api/v1/jobs/{job_id}/").json()["items"]
        deadline = time.monotonic() + WAIT_S
        while time.monotonic() < deadline:  # descriptions are written on the ai queue after each chart
            texts = [client.get(f"/api/v1/items/{i['id']}/description/").json().get("text") for i in items]
            if all(texts):
                break
            time.sleep(0.2)
        assert all(texts), texts

        response = client.post("/api/v1/reports/", json={"job": job_id})
        assert response.status_code == 202, response.text
        report_id = response.json()["id"]
        seen: list[dict] = []
        while time.monotonic() < deadline + WAIT_S:
            message = json.loads(socket.recv(timeout=WAIT_S))
            seen.append(message)
            if message["type"] == "notification" and message["data"]["kind"] == "report.ready":
                break
    types = [m["type"] for m in seen]
    assert "report.status" in types and "report.progress" in types, types
    statuses = [m["data"]["status"] for m in seen if m["type"] == "report.status"]
    assert statuses[-1] == "SUCCESS" and "RUNNING" in statuses
    assert seen[-1]["data"]["subject_id"] == report_id

    report = client.get(f"/api/v1/reports/{report_id}/").json()
    assert report["status"] == "SUCCESS" and report["language"] == "es"
    pdf = client.get(report["files"]["pdf"])
    assert pdf.status_code == 200 and pdf.headers["Content-Type"] == "application/pdf"
    pages = pdf_pages(pdf.content)
    assert len(pages) == 1 + len(ANALYSES) and all(page.images for page in pages[1:])
    for page, text in zip(pages[1:], texts, strict=True):
        assert " ".join(text.split()) in page.text
    assert len(pptx_slides(client.get(report["files"]["pptx"]).content)) == 1 + len(ANALYSES)
    assert "README.md" in zip_members(client.get(report["files"]["zip"]).content)
    # The job's own socket log has the report's status too.
    events = client.get(f"/api/v1/jobs/{job_id}/events/").json()["events"]
    assert [e["data"]["status"] for e in events if e["type"] == "report.status"] == [
        "PENDING",
        "RUNNING",
        "SUCCESS",
    ]
