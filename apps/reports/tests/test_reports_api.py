"""The reports API: 202 then status, downloads, clear errors for bad selections, owners only."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from apps.jobs.models import ItemStatus
from apps.jobs.tests.factories import ImageTaskFactory
from apps.library.tests.factories import chart_job, drawn_chart
from apps.reports.models import Report, ReportStatus
from apps.reports.services import report_build

from .readback import pdf_pages, pptx_slides, zip_members

pytestmark = pytest.mark.django_db

URL = "/api/v1/reports/"


def error_of(response) -> dict:
    body = response.json()
    assert set(body) == {"error"}, body
    return body["error"]


@pytest.fixture
def charts(user):
    job = chart_job(owner=user, title="Solar cells")
    return job, [drawn_chart(job=job, analysis_key=key) for key in ("publication_trend", "top_applicants")]


def test_ask_follow_and_download(api_client, charts, queued_reports, django_capture_on_commit_callbacks):
    job, items = charts
    with django_capture_on_commit_callbacks(execute=True):
        response = api_client.post(URL, {"job": job.pk})
    assert response.status_code == 202, response.content
    body = response.json()
    assert body["status"] == "PENDING" and body["items"] == [i.pk for i in items] and body["files"] == {}
    assert body["title"] == "Solar cells" and body["language"] == "en"
    assert queued_reports == [(body["id"], Report.objects.get().claim_id)]
    assert api_client.get(f"{URL}{body['id']}/files/pdf/").status_code == 404  # not built yet

    report = Report.objects.get()
    assert report_build(report_id=report.pk, claim_id=report.claim_id)
    detail = api_client.get(f"{URL}{report.pk}/").json()
    assert detail["status"] == "SUCCESS" and detail["progress"] == 100
    assert set(detail["files"]) == {"zip", "pdf", "pptx"}
    downloads = {}
    for kind, url in detail["files"].items():
        response = api_client.get(url)
        assert response.status_code == 200 and "attachment" in response["Content-Disposition"]
        downloads[kind] = b"".join(response.streaming_content)
    assert len(pdf_pages(downloads["pdf"])) == len(pptx_slides(downloads["pptx"])) == 3
    assert "README.md" in zip_members(downloads["zip"])
    assert [r["id"] for r in api_client.get(URL).json()["results"]] == [report.pk]
    assert api_client.get(f"{URL}{report.pk}/files/exe/").status_code == 404


def test_a_selection_in_another_language(api_client, charts, queued_reports):
    _, items = charts
    response = api_client.post(URL, {"items": [items[1].pk, items[0].pk], "language": "es", "title": "Pack"})
    assert response.status_code == 202
    assert response.json()["items"] == [items[1].pk, items[0].pk] and response.json()["language"] == "es"


@pytest.mark.parametrize(
    ("payload", "status", "code"),
    [
        ({"items": []}, 400, "empty_selection"),
        ({}, 400, "validation_error"),
        ({"job": 1, "items": [1]}, 400, "validation_error"),
        ({"items": [999999]}, 404, "not_found"),
        ({"job": 999999}, 404, "not_found"),
        ({"job": 10**22}, 400, "validation_error"),  # past any id: it overflowed in the query (a 500)
        ({"items": [10**22]}, 400, "validation_error"),
        ({"items": [1], "language": "fr"}, 400, "validation_error"),
    ],
)
def test_bad_requests_get_clear_errors(api_client, charts, queued_reports, payload, status, code):
    response = api_client.post(URL, payload)
    assert response.status_code == status, response.content
    assert error_of(response)["code"] == code
    assert not Report.objects.exists() and not queued_reports


def test_charts_that_are_not_drawn_are_refused_by_name(api_client, charts, queued_reports):
    job, items = charts
    running = ImageTaskFactory(job=job, position=5, status=ItemStatus.RUNNING)
    response = api_client.post(URL, {"items": [items[0].pk, running.pk]})
    assert response.status_code == 400
    error = error_of(response)
    assert error["code"] == "not_ready" and f"{running.pk} (running)" in error["message"]


def test_a_job_without_drawn_charts_is_refused(api_client, user, queued_reports):
    job = chart_job(owner=user)
    ImageTaskFactory(job=job, status=ItemStatus.FAILED)
    response = api_client.post(URL, {"job": job.pk})
    assert response.status_code == 400 and error_of(response)["code"] == "empty_selection"


def test_another_users_charts_and_reports_are_404(api_client, charts, other_user, queued_reports):
    job, items = charts
    theirs = drawn_chart(job=chart_job(owner=other_user))
    response = api_client.post(URL, {"items": [items[0].pk, theirs.pk]})
    assert response.status_code == 404 and str(theirs.pk) in error_of(response)["message"]
    assert api_client.post(URL, {"job": theirs.job_id}).status_code == 404

    report = Report.objects.get(pk=api_client.post(URL, {"job": job.pk}).json()["id"])
    report_build(report_id=report.pk, claim_id=report.claim_id)
    stranger = APIClient()
    stranger.force_authenticate(other_user)
    assert stranger.get(URL).json()["results"] == []
    assert stranger.get(f"{URL}{report.pk}/").status_code == 404
    assert stranger.delete(f"{URL}{report.pk}/").status_code == 404
    for kind in ("zip", "pdf", "pptx"):
        assert stranger.get(f"{URL}{report.pk}/files/{kind}/").status_code == 404
    assert APIClient().get(f"{URL}{report.pk}/files/pdf/").status_code in (401, 403)
    assert Report.objects.filter(pk=report.pk, status=ReportStatus.SUCCESS).exists()


def test_the_owner_deletes_a_finished_report_and_its_files(
    api_client, charts, queued_reports, django_capture_on_commit_callbacks
):
    job, _ = charts
    report = Report.objects.get(pk=api_client.post(URL, {"job": job.pk}).json()["id"])
    assert api_client.delete(f"{URL}{report.pk}/").status_code == 409  # still waiting to be built
    report_build(report_id=report.pk, claim_id=report.claim_id)
    report.refresh_from_db()
    storage = report.pdf_file.storage
    path = report.pdf_file.name
    assert storage.exists(path)
    with django_capture_on_commit_callbacks(execute=True):
        assert api_client.delete(f"{URL}{report.pk}/").status_code == 204
    assert not storage.exists(path) and not Report.objects.exists()


def test_charts_without_a_png_or_without_files_are_refused_by_name(api_client, charts, queued_reports):
    _, (trend, applicants) = charts
    type(trend).objects.filter(pk=trend.pk).update(png="")  # drawn as SVG only
    type(applicants).objects.filter(pk=applicants.pk).update(png="", svg="", data_csv="", data_json="")
    svg_only = error_of(api_client.post(URL, {"items": [trend.pk]}))
    assert svg_only["code"] == "not_ready" and "SVG only" in svg_only["message"]
    deleted = error_of(api_client.post(URL, {"items": [applicants.pk]}))
    assert "deleted" in deleted["message"] and str(applicants.pk) in deleted["message"]
    assert not Report.objects.exists()
