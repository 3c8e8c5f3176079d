"""The record preview: `GET datasets/<id>/records/`, a page of publications for the dataset page."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from apps.datasets.models import Dataset, DatasetStatus
from apps.datasets.services import dataset_create, dataset_ingest

from . import fixtures
from . import fixtures_records as fx
from .factories import DatasetFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def enqueued(monkeypatch) -> list[int]:
    sent: list[int] = []
    monkeypatch.setattr("apps.datasets.services._enqueue_ingest", sent.append)
    return sent


def ingested(owner, name: str, data: bytes) -> Dataset:
    dataset = dataset_create(owner=owner, uploads=[SimpleUploadedFile(name, data)], name=name)
    dataset_ingest(dataset_id=dataset.pk)
    dataset.refresh_from_db()
    assert dataset.status == DatasetStatus.READY, dataset.error
    return dataset


def url(dataset: Dataset, **query) -> str:
    params = "&".join(f"{key}={value}" for key, value in query.items())
    return f"/api/v1/datasets/{dataset.pk}/records/" + (f"?{params}" if params else "")


def test_a_lens_export_previews_its_publications_with_the_canonical_fields(user, api_client):
    dataset = ingested(user, "lens.csv", fx.build_lens_csv())

    response = api_client.get(url(dataset))

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["count"] == fx.RECORDS
    assert (body["page"], body["page_size"], body["pages"]) == (1, 25, 1)
    assert body["columns"][:3] == ["publication_number", "title", "applicants"]
    assert {"publication_date", "cpc", "legal_status"} <= set(body["columns"])
    assert "abstract" not in body["columns"] and "applicants_raw" not in body["columns"]
    rows = {row["publication_number"]: row for row in body["results"]}
    assert set(rows) == set(fx.BY_NUMBER)
    for number, sample in fx.BY_NUMBER.items():
        assert rows[number]["applicants"] == list(sample.expected_applicants)
        assert rows[number]["publication_date"] == sample.publication_date.isoformat()
        assert set(rows[number]) == set(body["columns"])


def test_pages_are_slices_in_the_datasets_order(user, api_client):
    dataset = ingested(user, "lens.csv", fx.build_lens_csv())
    whole = api_client.get(url(dataset, page_size=100)).json()["results"]

    first = api_client.get(url(dataset, page=1, page_size=2)).json()
    second = api_client.get(url(dataset, page=2, page_size=2)).json()
    beyond = api_client.get(url(dataset, page=99, page_size=2)).json()

    assert first["pages"] == -(-fx.RECORDS // 2)
    assert first["results"] == whole[:2]
    assert second["results"] == whole[2:4]
    assert beyond["results"] == [] and beyond["count"] == fx.RECORDS


def test_the_analysts_aliases_are_applied(user, api_client):
    dataset = ingested(user, "lens.csv", fx.build_lens_csv())
    sample = next(s for s in fx.SAMPLES if s.expected_applicants)
    dataset.applicant_aliases = {sample.expected_applicants[0]: "THE ALIAS"}
    dataset.save(update_fields=["applicant_aliases"])

    rows = api_client.get(url(dataset, page_size=100)).json()["results"]

    row = next(r for r in rows if r["publication_number"] == sample.number)
    assert row["applicants"][0] == "THE ALIAS"


@pytest.mark.parametrize(
    "query", [{"page": 0}, {"page": "x"}, {"page_size": 0}, {"page_size": 101}, {"page_size": "all"}]
)
def test_bad_paging_is_a_400_naming_the_field(user, api_client, query):
    dataset = ingested(user, "lens.csv", fx.build_lens_csv())

    response = api_client.get(url(dataset, **query))

    assert response.status_code == 400
    assert set(response.json()["error"]["fields"]) == set(query)


def test_an_espacenet_filters_export_is_a_409_its_facets_are_its_preview(user, api_client):
    dataset = ingested(user, "filters.xlsx", fixtures.build_filters_xlsx())

    response = api_client.get(url(dataset))

    assert response.status_code == 409
    assert response.json()["error"]["code"] == "not_record_level"


def test_a_dataset_still_being_read_is_a_409(user, api_client):
    dataset = DatasetFactory(owner=user, status=DatasetStatus.PROCESSING, canonical_prefix="")

    response = api_client.get(url(dataset))

    assert response.status_code == 409
    assert response.json()["error"]["code"] == "dataset_not_ready"


def test_another_users_dataset_is_a_404(user, other_user):
    dataset = ingested(user, "lens.csv", fx.build_lens_csv())
    client = APIClient()
    client.force_authenticate(other_user)

    response = client.get(url(dataset))

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_remote_storage_gives_the_same_page(user, api_client, monkeypatch):
    dataset = ingested(user, "lens.csv", fx.build_lens_csv())
    local = api_client.get(url(dataset, page=2, page_size=2)).json()

    monkeypatch.setattr("apps.datasets.selectors._local_path", lambda name: None)  # as on S3
    remote = api_client.get(url(dataset, page=2, page_size=2)).json()

    assert remote == local
