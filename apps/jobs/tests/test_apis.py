"""The REST API: datasets, analyses, jobs, items, auth — shapes, validation, owners, errors."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from apps.charts.analyses import CLASSIC_EIGHT
from apps.datasets.models import Dataset, DatasetStatus
from apps.datasets.tests.factories import DatasetFactory
from apps.datasets.tests.fixtures import build_filters_xlsx
from apps.jobs.models import ImageTask, Job, JobEvent, JobStatus

from .factories import JobFactory, job_with_items

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def enqueued(monkeypatch):
    """Unit tests do not send messages: record what would be enqueued after commit."""
    sent: list = []
    monkeypatch.setattr(
        "apps.jobs.services.enqueue_items", lambda tickets: sent.append(("items", [pk for pk, _ in tickets]))
    )
    monkeypatch.setattr("apps.datasets.services._enqueue_ingest", lambda pk: sent.append(("ingest", pk)))
    return sent


def error_of(response) -> dict:
    body = response.json()
    assert set(body) == {"error"}, body
    return body["error"]


class TestAuth:
    def test_anonymous_requests_are_refused_with_the_error_shape(self):
        response = APIClient().get("/api/v1/jobs/")
        assert response.status_code in (401, 403)
        assert error_of(response)["code"] == "not_authenticated"

    def test_session_login_me_and_logout(self, user):
        client = APIClient(enforce_csrf_checks=True)
        token = client.get("/api/v1/auth/csrf/").json()["csrf_token"]
        response = client.post(
            "/api/v1/auth/login/",
            {"username": user.username, "password": "correct horse battery"},
            format="json",
            HTTP_X_CSRFTOKEN=token,
        )
        assert response.status_code == 200 and response.json()["username"] == user.username
        assert client.get("/api/v1/auth/me/").json()["id"] == user.pk
        # Writes with the session need the CSRF token.
        assert client.post("/api/v1/auth/logout/").status_code == 403
        token = client.cookies["csrftoken"].value
        assert client.post("/api/v1/auth/logout/", HTTP_X_CSRFTOKEN=token).status_code == 204
        assert client.get("/api/v1/auth/me/").status_code in (401, 403)

    def test_wrong_password(self, user):
        response = APIClient().post(
            "/api/v1/auth/login/", {"username": user.username, "password": "nope"}, format="json"
        )
        assert response.status_code == 400
        assert error_of(response)["message"] == "Wrong username or password."

    def test_token_for_scripts(self, user):
        response = APIClient().post(
            "/api/v1/auth/token/",
            {"username": user.username, "password": "correct horse battery"},
            format="json",
        )
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {response.json()['token']}")
        assert client.get("/api/v1/auth/me/").json()["username"] == user.username


class TestDatasets:
    def test_upload_creates_a_pending_dataset_and_enqueues_ingestion(
        self, api_client, user, enqueued, django_capture_on_commit_callbacks
    ):
        upload = SimpleUploadedFile("../../etc/passwd.xlsx", build_filters_xlsx())
        with django_capture_on_commit_callbacks(execute=True):
            response = api_client.post(
                "/api/v1/datasets/", {"file": upload, "name": "Graphene"}, format="multipart"
            )
        assert response.status_code == 201, response.content
        body = response.json()
        assert (body["status"], body["name"], body["original_filename"]) == (
            "PENDING",
            "Graphene",
            "passwd.xlsx",
        )
        dataset = Dataset.objects.get(pk=body["id"])
        assert dataset.owner == user and len(dataset.content_hash) == 64
        assert (
            dataset.source_file.name.startswith(f"uploads/{user.pk}/")
            and ".." not in dataset.source_file.name
        )
        assert enqueued == [("ingest", dataset.pk)]

    @pytest.mark.parametrize(
        ("content", "code"),
        [(b"", "empty_file"), (b"\x00\x01\x02binary garbage\x00" * 50, "unsupported_file")],
    )
    def test_bad_uploads_are_refused_at_once(self, api_client, content, code):
        response = api_client.post(
            "/api/v1/datasets/", {"file": SimpleUploadedFile("x.xlsx", content)}, format="multipart"
        )
        assert response.status_code == 400
        assert error_of(response)["code"] in (code, "validation_error")
        assert not Dataset.objects.exists()

    def test_upload_over_the_cap_is_refused(self, api_client, settings):
        settings.INTELLI_MAX_UPLOAD_BYTES = 1000
        upload = SimpleUploadedFile("big.csv", b"a;b\n" * 1000)
        response = api_client.post("/api/v1/datasets/", {"file": upload}, format="multipart")
        assert response.status_code == 413
        assert "limit" in error_of(response)["message"]
        assert not Dataset.objects.exists()

    def test_ingestion_reads_the_export_and_lists_what_it_can_feed(self, user):
        from apps.datasets.services import dataset_create, dataset_ingest

        dataset = dataset_create(owner=user, upload=SimpleUploadedFile("f.xlsx", build_filters_xlsx()))
        dataset_ingest(dataset_id=dataset.pk)
        dataset.refresh_from_db()
        assert dataset.status == DatasetStatus.READY, dataset.error
        assert dataset.detected_format == "espacenet_filters"
        assert {"publication_year", "applicant", "cpc_main_group"} <= set(dataset.available_fields)

        client = APIClient()
        client.force_authenticate(user)
        analyses = {a["key"]: a for a in client.get(f"/api/v1/datasets/{dataset.pk}/").json()["analyses"]}
        assert analyses["top_inventors"]["available"]

    def test_same_bytes_are_parsed_once(self, user):
        from apps.datasets.services import dataset_create, dataset_ingest

        # One build: openpyxl stamps each workbook with the current second, so two builds may differ.
        content = build_filters_xlsx()
        first = dataset_create(owner=user, upload=SimpleUploadedFile("a.xlsx", content))
        dataset_ingest(dataset_id=first.pk)
        second = dataset_create(owner=user, upload=SimpleUploadedFile("b.xlsx", content))
        dataset_ingest(dataset_id=second.pk)
        first.refresh_from_db()
        second.refresh_from_db()
        assert second.status == DatasetStatus.READY
        assert second.canonical_prefix == first.canonical_prefix and second.summary == first.summary

    def test_a_file_that_is_not_an_export_fails_with_a_clear_error(self, user):
        from apps.datasets.services import dataset_create, dataset_ingest

        dataset = dataset_create(owner=user, upload=SimpleUploadedFile("notes.csv", b"name,age\nann,3\n"))
        dataset_ingest(dataset_id=dataset.pk)
        dataset.refresh_from_db()
        assert dataset.status == DatasetStatus.FAILED
        assert "not an export Intelli recognises" in dataset.error
        assert not dataset.canonical_prefix

    def test_another_users_dataset_is_404(self, api_client, other_user):
        dataset = DatasetFactory(owner=other_user)
        assert api_client.get(f"/api/v1/datasets/{dataset.pk}/").status_code == 404
        assert api_client.get("/api/v1/datasets/").json()["count"] == 0


class TestAnalyses:
    def test_the_registry_lists_the_eight_analyses_with_their_params(self, api_client):
        analyses = api_client.get("/api/v1/analyses/").json()
        keys = {a["key"] for a in analyses}
        assert set(CLASSIC_EIGHT) <= keys
        for analysis in analyses:
            assert analysis["version"] >= 1 and analysis["description"]
            assert analysis["params_schema"]["type"] == "object"


class TestJobs:
    def create(self, client, dataset, analyses=None, headers=None, **extra):
        payload = {"dataset": dataset.pk, "analyses": analyses or [{"key": "publication_trend"}], **extra}
        return client.post("/api/v1/jobs/", payload, format="json", headers=headers)

    def test_create_makes_one_item_per_chart_and_enqueues_after_commit(
        self, api_client, user, enqueued, django_capture_on_commit_callbacks
    ):
        dataset = DatasetFactory(owner=user)
        analyses = [{"key": "publication_trend"}, {"key": "top_applicants", "params": {"top_n": 5}}]
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            response = self.create(api_client, dataset, analyses, style={"dpi": 200, "language": "es"})
            assert enqueued == []  # nothing is sent before the transaction commits
        for callback in callbacks:
            callback()
        assert response.status_code == 201, response.content
        body = response.json()
        job = Job.objects.get(pk=body["id"])
        assert (job.status, job.total, job.style["dpi"], job.style["language"]) == ("PENDING", 2, 200, "es")
        assert [i["analysis_key"] for i in body["items"]] == ["publication_trend", "top_applicants"]
        assert body["items"][1]["params"]["top_n"] == 5
        assert enqueued == [("items", list(job.items.values_list("pk", flat=True)))]
        assert list(JobEvent.objects.filter(job=job).values_list("seq", "type")) == [(1, "job.status")]

    def test_idempotency_key_returns_the_same_job(self, api_client, user):
        dataset = DatasetFactory(owner=user)
        first = self.create(api_client, dataset, headers={"Idempotency-Key": "abc"})
        again = api_client.post(
            "/api/v1/jobs/",
            {"dataset": dataset.pk, "analyses": [{"key": "publication_trend"}]},
            format="json",
            HTTP_IDEMPOTENCY_KEY="abc",
        )
        assert (first.status_code, again.status_code) == (201, 200)
        assert first.json()["id"] == again.json()["id"] and Job.objects.count() == 1

    @pytest.mark.parametrize(
        ("analyses", "style", "field"),
        [
            ([{"key": "nope"}], {}, "analyses[0].key"),
            ([{"key": "top_applicants", "params": {"top_n": 0}}], {}, "analyses[0].params.top_n"),
            ([{"key": "top_applicants", "params": {"colour": "red"}}], {}, "analyses[0].params.colour"),
            ([{"key": "publication_trend"}], {"dpi": 5}, "style.dpi"),
            ([{"key": "publication_trend"}], {"language": "fr"}, "style.language"),
        ],
    )
    def test_params_and_style_are_validated_with_field_errors(self, api_client, user, analyses, style, field):
        response = self.create(api_client, DatasetFactory(owner=user), analyses, style=style)
        assert response.status_code == 400
        error = error_of(response)
        assert error["code"] == "validation_error" and field in error["fields"], error
        assert not Job.objects.exists()

    def test_an_analysis_the_dataset_cannot_feed_is_refused_naming_what_is_missing(self, api_client, user):
        dataset = DatasetFactory(owner=user, available_fields=["publication_year", "applicant"])
        response = self.create(api_client, dataset, [{"key": "publication_trend"}, {"key": "top_inventors"}])
        assert response.status_code == 400
        error = error_of(response)
        assert error["code"] == "missing_data"
        assert "inventors" in error["fields"]["analyses[1]"][0]
        assert not Job.objects.exists()

    def test_a_job_on_a_dataset_still_being_read_waits(self, api_client, user, enqueued):
        dataset = DatasetFactory(owner=user, status=DatasetStatus.PROCESSING, available_fields=[])
        response = self.create(api_client, dataset)
        assert response.status_code == 201
        assert enqueued == []
        assert JobEvent.objects.filter(type="log").exists()

    def test_waiting_items_start_or_fail_when_the_dataset_is_ready(self, user, enqueued):
        from apps.jobs.services import job_create, job_enqueue_waiting

        dataset = DatasetFactory(owner=user, status=DatasetStatus.PROCESSING, available_fields=[])
        job, _ = job_create(
            owner=user,
            dataset_id=dataset.pk,
            analyses=[{"key": "publication_trend"}, {"key": "top_inventors"}],
        )
        Dataset.objects.filter(pk=dataset.pk).update(
            status=DatasetStatus.READY, available_fields=["publication_year"]
        )
        dataset.refresh_from_db()
        job_enqueue_waiting(dataset=dataset)
        trend, inventors = job.items.order_by("position")
        inventors.refresh_from_db()
        assert inventors.status == "FAILED" and "inventors" in inventors.error
        assert enqueued == [("items", [trend.pk])]

    def test_a_failed_dataset_cannot_start_a_job(self, api_client, user):
        dataset = DatasetFactory(owner=user, status=DatasetStatus.FAILED, error="Not a workbook.")
        response = self.create(api_client, dataset)
        assert response.status_code == 400 and "Not a workbook." in error_of(response)["message"]

    def test_broker_down_means_503_and_no_job(self, api_client, user, monkeypatch):
        from config.celery import app

        connect = app.connection_for_write
        monkeypatch.setattr(app, "connection_for_write", lambda: connect(url="redis://127.0.0.1:1/0"))
        response = self.create(api_client, DatasetFactory(owner=user))
        assert response.status_code == 503
        assert "nothing was created" in error_of(response)["message"]
        assert not Job.objects.exists()

    def test_list_filters_and_owner_scope(self, api_client, user, other_user):
        mine = job_with_items(1, dataset=DatasetFactory(owner=user))
        job_with_items(1, dataset=DatasetFactory(owner=other_user))
        Job.objects.filter(pk=mine.pk).update(status=JobStatus.SUCCESS)
        assert [j["id"] for j in api_client.get("/api/v1/jobs/").json()["results"]] == [mine.pk]
        assert api_client.get("/api/v1/jobs/?status=SUCCESS").json()["count"] == 1
        assert api_client.get("/api/v1/jobs/?status=FAILED").json()["count"] == 0
        assert api_client.get("/api/v1/jobs/?analysis=publication_trend").json()["count"] == 1

    def test_another_users_job_item_and_artifact_are_404(self, api_client, other_user):
        job = job_with_items(1, dataset=DatasetFactory(owner=other_user))
        item = job.items.get()
        for path in (
            f"/api/v1/jobs/{job.pk}/",
            f"/api/v1/jobs/{job.pk}/events/",
            f"/api/v1/items/{item.pk}/",
            f"/api/v1/items/{item.pk}/artifacts/png/",
        ):
            assert api_client.get(path).status_code == 404, path
        assert api_client.post(f"/api/v1/jobs/{job.pk}/cancel/").status_code == 404

    def test_cancel_and_events_over_rest(self, api_client, user):
        job = job_with_items(2, dataset=DatasetFactory(owner=user))
        response = api_client.post(f"/api/v1/jobs/{job.pk}/cancel/")
        assert response.status_code == 200 and response.json()["status"] == "CANCELLED"
        again = api_client.post(f"/api/v1/jobs/{job.pk}/cancel/")
        assert again.status_code == 409 and error_of(again)["code"] == "conflict"

        page = api_client.get(f"/api/v1/jobs/{job.pk}/events/?after_seq=1&limit=2").json()
        assert [e["seq"] for e in page["events"]] == [2, 3] and page["has_more"]
        assert api_client.get(f"/api/v1/jobs/{job.pk}/events/?after_seq=x").status_code == 400

    def test_artifact_download_is_authenticated_and_safe(self, api_client, user):
        from apps.jobs.services import item_claim, item_succeed

        job = job_with_items(1, dataset=DatasetFactory(owner=user))
        item = item_claim(item_id=job.items.get().pk, claim_id="t0", worker="w")
        item_succeed(item=item, claim_id="t0", outputs={"svg": b"<svg/>", "data_csv": b"a\n"}, timings={})
        response = api_client.get(f"/api/v1/items/{item.pk}/artifacts/svg/")
        assert response.status_code == 200 and b"".join(response.streaming_content) == b"<svg/>"
        assert response["Content-Type"].startswith("image/svg+xml")
        assert "sandbox" in response["Content-Security-Policy"]
        assert api_client.get(f"/api/v1/items/{item.pk}/artifacts/png/").status_code == 404  # not made
        assert api_client.get(f"/api/v1/items/{item.pk}/artifacts/exe/").status_code == 404
        assert APIClient().get(f"/api/v1/items/{item.pk}/artifacts/svg/").status_code in (401, 403)

    def test_retry_an_item(self, api_client, user, enqueued):
        from apps.jobs.services import item_fail

        job = job_with_items(1, dataset=DatasetFactory(owner=user))
        item = job.items.get()
        item_fail(item_id=item.pk, error="boom")
        response = api_client.post(f"/api/v1/items/{item.pk}/retry/")
        assert response.status_code == 200
        item.refresh_from_db()
        assert item.status == "PENDING" and item.error == ""
        assert ImageTask.objects.filter(status="FAILED").count() == 0


def test_openapi_schema_generates_without_warnings():
    from django.core.management import call_command

    call_command("spectacular", "--validate", "--fail-on-warn", "--file", "/dev/null")


def test_unexpected_errors_never_leak_a_traceback(api_client, monkeypatch):
    def explode(*args, **kwargs):
        raise RuntimeError("secret internal detail")

    monkeypatch.setattr("apps.charts.apis.catalog", explode)
    response = api_client.get("/api/v1/analyses/")
    assert response.status_code == 500
    assert "secret" not in response.content.decode() and error_of(response)["code"] == "server_error"


def test_a_dataset_id_past_any_row_is_invalid_input(api_client):
    """Found by fuzzing the API: an id past 64 bits overflowed in the query (a 500)."""
    response = api_client.post(
        "/api/v1/jobs/", {"dataset": 10**22, "analyses": [{"key": "publication_trend"}]}, format="json"
    )

    assert response.status_code == 400
    assert "dataset" in error_of(response)["fields"]
    assert not Job.objects.exists()


@pytest.mark.parametrize(
    ("query", "status"),
    [
        # An offset PostgreSQL refuses (±15:59 at most): converted to UTC first, it is a plain filter.
        ("created_before=0581-12-23T10:04:10%2B23:16&created_after=0071-04-11T09:18:57-02:03", 200),
        # Converted to UTC, this one leaves the calendar: invalid input, not a 500.
        ("created_after=0001-01-01T00:00:00%2B23:00", 400),
    ],
)
def test_date_filters_take_any_offset_python_reads(api_client, user, query, status):
    """Found by fuzzing the API on PostgreSQL: "time zone displacement out of range" (a 500)."""
    JobFactory(dataset__owner=user)
    for url in (f"/api/v1/jobs/?{query}", f"/api/v1/library/charts/?{query}"):
        response = api_client.get(url)
        assert response.status_code == status, (url, response.content)
        if status == 400:
            assert "created_after" in error_of(response)["fields"]
