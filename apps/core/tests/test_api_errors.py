"""Bad input through the REST API, and the errors the schema documents (issue #7, "Bad input").

Regressions from fuzzing the API with Schemathesis (`test_api_schema_fuzz.py`): a `limit` too large
for the database reached it (a 500); a URL no route matches answered an HTML page instead of the
API's error shape; the schema documented no error response at all, nor what an artifact download
really is.
"""

from __future__ import annotations

import pytest
from drf_spectacular.generators import SchemaGenerator

from apps.core.pagination import MAX_PAGE_SIZE
from apps.notifications.models import Notification

pytestmark = pytest.mark.django_db

HUGE = 10**22  # past any 64-bit integer


@pytest.fixture(scope="module")
def schema() -> dict:
    return SchemaGenerator().get_schema(request=None, public=True)


def error_of(response) -> dict:
    body = response.json()
    assert set(body) == {"error"}, body
    return body["error"]


class TestPagination:
    def test_a_limit_too_large_for_the_database_gets_the_largest_page(self, api_client, user):
        Notification.objects.bulk_create(
            Notification(
                user=user, kind="job.failed", level="error", title=f"#{n}", subject_type="job", subject_id=n
            )
            for n in range(MAX_PAGE_SIZE + 1)
        )

        response = api_client.get(f"/api/v1/notifications/?limit={HUGE}")

        assert response.status_code == 200, response.content
        body = response.json()
        assert len(body["results"]) == MAX_PAGE_SIZE and body["count"] == MAX_PAGE_SIZE + 1
        assert f"limit={MAX_PAGE_SIZE}" in body["next"]

    def test_an_offset_past_the_end_is_an_empty_page(self, api_client):
        response = api_client.get(f"/api/v1/datasets/?offset={HUGE}")

        assert response.status_code == 200 and response.json()["results"] == []


class TestUnknownUrls:
    @pytest.mark.parametrize("path", ["/api/v1/jobs/abc/", "/api/v1/jobs/-1/", "/api/v1/nothing-here/"])
    def test_answer_in_the_api_error_shape(self, api_client, path):
        response = api_client.get(path)

        assert response.status_code == 404
        assert response["Content-Type"] == "application/json"
        assert error_of(response) == {"code": "not_found", "message": "Not found."}


class TestSchemaDocumentsErrors:
    def test_every_error_has_the_one_shape(self, schema):
        detail = schema["components"]["schemas"]["ApiErrorDetail"]
        assert set(detail["properties"]) == {"code", "message", "fields"}
        assert detail["required"] == ["code", "message"]
        assert schema["components"]["schemas"]["ApiError"]["required"] == ["error"]

    @pytest.mark.parametrize(
        ("path", "method", "statuses"),
        [
            ("/api/v1/jobs/", "get", {"200", "400", "401", "403"}),
            ("/api/v1/jobs/", "post", {"200", "201", "400", "401", "403", "413", "415", "503"}),
            ("/api/v1/jobs/{id}/", "get", {"200", "401", "403", "404"}),
            (
                "/api/v1/jobs/{id}/retry/",
                "post",
                {"200", "400", "401", "403", "404", "409", "413", "415", "503"},
            ),
            ("/api/v1/datasets/{id}/", "delete", {"204", "401", "403", "404", "409"}),
            ("/api/v1/auth/login/", "post", {"200", "400", "403", "413", "415", "429"}),
            ("/api/v1/auth/csrf/", "get", {"200"}),
        ],
    )
    def test_each_operation_lists_the_errors_it_can_answer(self, schema, path, method, statuses):
        responses = schema["paths"][path][method]["responses"]

        assert set(responses) == statuses
        for status in statuses - {"200", "201", "204"}:
            assert responses[status]["content"]["application/json"]["schema"] == {
                "$ref": "#/components/schemas/ApiError"
            }

    def test_downloads_are_documented_as_what_they_are(self, schema):
        artifact = schema["paths"]["/api/v1/items/{id}/artifacts/{kind}/"]["get"]
        content = artifact["responses"]["200"]["content"]
        assert content["application/json"]["schema"]["type"] == "object"  # the chart's data
        assert set(content) == {"image/png", "image/svg+xml", "text/csv", "application/json"}
        kind = next(p for p in artifact["parameters"] if p["name"] == "kind")
        assert set(kind["schema"]["enum"]) == {"png", "svg", "csv", "json"}

        report = schema["paths"]["/api/v1/reports/{id}/files/{kind}/"]["get"]
        assert "application/pdf" in report["responses"]["200"]["content"]
        kind = next(p for p in report["parameters"] if p["name"] == "kind")
        assert set(kind["schema"]["enum"]) == {"zip", "pdf", "pptx"}

    def test_an_uploaded_datasets_empty_source_url_is_what_the_schema_says(self, schema, api_client, user):
        from apps.datasets.tests.factories import DatasetFactory

        DatasetFactory(owner=user)
        source_url = schema["components"]["schemas"]["Dataset"]["properties"]["source_url"]

        row = api_client.get("/api/v1/datasets/").json()["results"][0]

        assert row["source_url"] == ""
        assert source_url["type"] == "string" and "format" not in source_url  # "" is not a URI
