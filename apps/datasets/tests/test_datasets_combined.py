"""Datasets made of several exports, and applicant aliases: through the services and the REST API.

Ingestion is called in-process (`dataset_ingest`, the body of the ingestion_io task); what would
be enqueued is recorded instead of sent.
"""

from __future__ import annotations

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from apps.datasets import services
from apps.datasets.canonical import Field
from apps.datasets.models import Dataset, DatasetStatus
from apps.datasets.selectors import dataset_canonical
from apps.datasets.services import dataset_create, dataset_ingest

from . import fixtures
from . import fixtures_records as fx

pytestmark = pytest.mark.django_db

EP, JP = "EP3000001A1", "JP2016500006A"


@pytest.fixture(autouse=True)
def enqueued(monkeypatch) -> list[int]:
    sent: list[int] = []
    monkeypatch.setattr("apps.datasets.services._enqueue_ingest", sent.append)
    return sent


def upload(name: str, data: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data)


def ingested(dataset: Dataset) -> Dataset:
    dataset_ingest(dataset_id=dataset.pk)
    dataset.refresh_from_db()
    return dataset


def rows_of(dataset: Dataset) -> dict[str, dict]:
    frame = dataset_canonical(dataset).publications
    return {row["publication_number"]: row for row in frame.iter_rows(named=True)}


def error_of(response) -> dict:
    body = response.json()
    assert set(body) == {"error"}, body
    return body["error"]


# --- Several exports in one dataset -----------------------------------------------------------------


def test_two_lens_exports_are_deduplicated_by_publication_number(user):
    first, second = fx.build_lens_csv(fx.SAMPLES[:4]), fx.build_lens_csv(fx.SAMPLES[2:])
    dataset = ingested(
        dataset_create(owner=user, uploads=[upload("a.csv", first), upload("b.csv", second)], name="Lens")
    )

    assert dataset.status == DatasetStatus.READY, dataset.error
    assert dataset.detected_format == "lens"
    assert dataset.summary["records"] == fx.RECORDS
    assert [file.summary["records"] for file in dataset.files.all()] == [4, 4]
    assert any("2 publications appear in more than one export" in w for w in dataset.summary["warnings"])
    rows = rows_of(dataset)
    assert set(rows) == set(fx.BY_NUMBER)
    assert rows[EP]["family_id"] == rows[JP]["family_id"] == fx.LENS_LINKED_FAMILY_ID


def test_lens_and_google_combine_the_fullest_record_and_group_families(user):
    lens, google = fx.build_lens_csv([fx.SAMPLES[0], fx.SAMPLES[5]]), fx.build_google_csv()
    dataset = ingested(
        dataset_create(owner=user, uploads=[upload("lens.csv", lens), upload("g.csv", google)])
    )

    assert dataset.status == DatasetStatus.READY, dataset.error
    assert dataset.detected_format == "mixed"
    assert dataset.summary["format_label"] == "Several exports combined"
    rows = rows_of(dataset)
    assert len(rows) == fx.RECORDS
    assert rows[EP]["legal_status"] == "active" and rows[EP]["cpc"] == ["H01M4/583", "Y02E60/10"]  # Lens' row
    assert rows[EP]["grant_date"] == fx.BY_NUMBER[EP].grant_date  # a gap in Lens' row, filled from Google's
    assert rows[EP]["family_id"] == rows[JP]["family_id"] == fx.LENS_LINKED_FAMILY_ID
    # Google Patents names no family: its other publications stay without one.
    assert rows["US9833479B2"]["family_id"] is None and rows["US9833479B2"]["legal_status"] is None
    assert {"legal_status", "family", "records"} <= set(dataset.available_fields)


def test_espacenet_family_numbers_win_over_lens_ids(user):
    espacenet, lens = fx.build_espacenet_csv(), fx.build_lens_csv()
    dataset = ingested(
        dataset_create(owner=user, uploads=[upload("e.csv", espacenet), upload("l.csv", lens)])
    )

    rows = rows_of(dataset)
    assert dataset.summary["records"] == fx.RECORDS
    assert rows[EP]["family_id"] == rows[JP]["family_id"] == fx.LINKED_FAMILY_ID
    assert rows[EP]["legal_status"] == "active" and rows[EP]["applicant_countries"] == ["KR"]  # both sources


def test_a_filters_export_cannot_be_combined(user):
    uploads = [upload("filters.xlsx", fixtures.build_filters_xlsx()), upload("l.csv", fx.build_lens_csv())]
    dataset = ingested(dataset_create(owner=user, uploads=uploads))

    assert dataset.status == DatasetStatus.FAILED
    assert "Filters (statistics) export" in dataset.error and "cannot be combined" in dataset.error


def test_a_bad_file_among_several_is_named(user):
    uploads = [upload("l.csv", fx.build_lens_csv()), upload("notes.csv", fx.build_unrelated_csv())]
    dataset = ingested(dataset_create(owner=user, uploads=uploads))

    assert dataset.status == DatasetStatus.FAILED
    assert "'notes.csv'" in dataset.error and "Remove this file from the dataset" in dataset.error


# --- The files of a dataset over the API ---------------------------------------------------------


def test_add_a_file_then_remove_one_over_the_api(
    user, api_client, enqueued, monkeypatch, django_capture_on_commit_callbacks
):
    response = api_client.post(
        "/api/v1/datasets/",
        {"file": upload("lens.csv", fx.build_lens_csv(fx.SAMPLES[:3]))},
        format="multipart",
    )
    assert response.status_code == 201, response.json()
    dataset = ingested(Dataset.objects.get(pk=response.json()["id"]))
    assert dataset.summary["records"] == 3

    with django_capture_on_commit_callbacks(execute=True):
        response = api_client.post(
            f"/api/v1/datasets/{dataset.pk}/files/",
            {"file": upload("g.csv", fx.build_google_csv())},
            format="multipart",
        )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["status"] == "PENDING" and len(body["files"]) == 2
    assert enqueued == [dataset.pk]  # read again, after the commit

    parsed: list[str] = []
    parse = services.parse_export
    monkeypatch.setattr(
        services, "parse_export", lambda data, filename: parsed.append(filename) or parse(data)
    )
    dataset = ingested(dataset)
    assert parsed == ["g.csv"]  # the Lens file's bundle is reused
    assert dataset.status == DatasetStatus.READY and dataset.summary["records"] == fx.RECORDS
    detail = api_client.get(f"/api/v1/datasets/{dataset.pk}/").json()
    assert detail["detected_format"] == "mixed"
    assert [file["records"] for file in detail["files"]] == [3, 6]

    lens_file = dataset.files.get(original_filename="lens.csv")
    response = api_client.delete(f"/api/v1/datasets/{dataset.pk}/files/{lens_file.pk}/")
    assert response.status_code == 200, response.json()
    assert [file["original_filename"] for file in response.json()["files"]] == ["g.csv"]
    dataset = ingested(dataset)
    assert parsed == ["g.csv"]  # nothing parsed again
    assert dataset.detected_format == "google_patents" and dataset.summary["records"] == fx.RECORDS
    assert "legal_status" not in dataset.available_fields  # it came from the removed Lens export


def test_file_changes_are_refused_with_the_error_shape(user, api_client, other_user):
    dataset = ingested(dataset_create(owner=user, upload=upload("l.csv", fx.build_lens_csv())))
    files_url = f"/api/v1/datasets/{dataset.pk}/files/"
    only = dataset.files.get()

    duplicate = api_client.post(
        files_url, {"file": upload("copy.csv", fx.build_lens_csv())}, format="multipart"
    )
    assert duplicate.status_code == 400 and error_of(duplicate)["code"] == "duplicate_file"
    empty = api_client.post(files_url, {"file": upload("empty.csv", b"")}, format="multipart")
    assert empty.status_code == 400 and error_of(empty)["code"] == "empty_file"
    binary = api_client.post(files_url, {"file": upload("x.csv", b"\x00\x01\x02" * 100)}, format="multipart")
    assert binary.status_code == 400 and error_of(binary)["code"] == "unsupported_file"
    nothing = api_client.post(files_url, {}, format="multipart")
    assert nothing.status_code == 400 and "file" in error_of(nothing)["fields"]
    last = api_client.delete(f"{files_url}{only.pk}/")
    assert last.status_code == 409 and "at least one file" in error_of(last)["message"]
    unknown = api_client.delete(f"{files_url}999999/")
    assert unknown.status_code == 404 and error_of(unknown)["code"] == "not_found"

    Dataset.objects.filter(pk=dataset.pk).update(status=DatasetStatus.PROCESSING)
    busy = api_client.post(files_url, {"file": upload("g.csv", fx.build_google_csv())}, format="multipart")
    assert busy.status_code == 409 and error_of(busy)["code"] == "conflict"

    stranger = APIClient()
    stranger.force_authenticate(other_user)
    for response in (
        stranger.post(files_url, {"file": upload("g.csv", fx.build_google_csv())}, format="multipart"),
        stranger.delete(f"{files_url}{only.pk}/"),
    ):
        assert response.status_code == 404 and error_of(response)["code"] == "not_found"
    assert dataset.files.count() == 1


def test_too_many_files(user, api_client):
    dataset = ingested(dataset_create(owner=user, upload=upload("l.csv", fx.build_lens_csv())))
    uploads = [
        upload(f"{i}.csv", fx.build_lens_csv(fx.SAMPLES[i % 6 : i % 6 + 1]) + b" " * i) for i in range(10)
    ]

    response = api_client.post(f"/api/v1/datasets/{dataset.pk}/files/", {"file": uploads}, format="multipart")
    assert response.status_code == 400 and error_of(response)["code"] == "too_many_files"


# --- Aliases ------------------------------------------------------------------------------------


@pytest.fixture
def lens_dataset(user) -> Dataset:
    return ingested(dataset_create(owner=user, upload=upload("l.csv", fx.build_lens_csv())))


def test_aliases_are_cleaned_stored_and_applied_to_what_jobs_read(api_client, lens_dataset):
    url = f"/api/v1/datasets/{lens_dataset.pk}/aliases/"
    before = dict(dataset_canonical(lens_dataset).counts(Field.APPLICANT).rows)
    assert before["UNIVERSITY TSINGHUA"] == 1 and before["UNIVERSITY ZHEJIANG"] == 1

    response = api_client.put(
        url,
        {"aliases": {"Univ Zhejiang": "Tsinghua University", "Gearbox, Inc.": "GEARBOX HOLDINGS"}},
        format="json",
    )
    assert response.status_code == 200, response.json()
    # Both sides are cleaned like applicant names.
    expected = {"GEARBOX": "GEARBOX HOLDINGS", "UNIVERSITY ZHEJIANG": "TSINGHUA UNIVERSITY"}
    assert response.json()["aliases"] == expected
    lens_dataset.refresh_from_db()
    counts = dict(dataset_canonical(lens_dataset).counts(Field.APPLICANT).rows)
    assert counts["TSINGHUA UNIVERSITY"] == 1 and "UNIVERSITY ZHEJIANG" not in counts
    assert counts["GEARBOX HOLDINGS"] == 1 and "GEARBOX" not in counts

    response = api_client.patch(url, {"aliases": {"GEARBOX": None}}, format="json")
    assert response.json()["aliases"] == {"UNIVERSITY ZHEJIANG": "TSINGHUA UNIVERSITY"}
    assert api_client.get(url).json()["aliases"] == {"UNIVERSITY ZHEJIANG": "TSINGHUA UNIVERSITY"}
    assert api_client.get(f"/api/v1/datasets/{lens_dataset.pk}/").json()["alias_count"] == 1


def test_alias_suggestions_group_spellings_of_one_name(api_client, user):
    sample = fx.SAMPLES[3]
    changes = {"number": "CN104000005A", "lens_key": "CN 104000005 A", "lens_id": "070-000-000-000-007"}
    reordered = fx.Sample(**{**sample.__dict__, **changes, "lens_applicants": ("ZHEJIANG UNIV",)})
    dataset = ingested(
        dataset_create(owner=user, upload=upload("l.csv", fx.build_lens_csv([sample, reordered])))
    )

    suggestions = api_client.get(f"/api/v1/datasets/{dataset.pk}/aliases/").json()["suggestions"]
    assert suggestions == [
        {
            "names": ["UNIVERSITY ZHEJIANG", "ZHEJIANG UNIVERSITY"],
            "suggested": "UNIVERSITY ZHEJIANG",
            "documents": {"UNIVERSITY ZHEJIANG": 1, "ZHEJIANG UNIVERSITY": 1},
        }
    ]


@pytest.mark.parametrize(
    "body",
    [
        {"aliases": ["ACME", "ACME CORP"]},  # a list, not an object
        {"aliases": "ACME"},
        {"aliases": {"ACME": 3}},  # not text
        {"aliases": {"ACME": {"name": "X"}}},
        {"aliases": {"ACME": ["X"]}},
        {"aliases": {"ACME": "ACME Inc."}},  # its own alias once cleaned
        {"aliases": {"A": "B", "B": "C"}},  # a chain
        {"aliases": {"ACME": "x" * 301}},  # too long
        {"aliases": {"ACME": "   "}},
        {"aliases": {"...": "ACME"}},  # nothing left once cleaned
        {"aliases": {"ACME": None}},  # null only with PATCH
        {},
        {"names": {"ACME": "X"}},
    ],
)
def test_bad_aliases_get_field_errors(api_client, lens_dataset, body):
    response = api_client.put(f"/api/v1/datasets/{lens_dataset.pk}/aliases/", body, format="json")

    assert response.status_code == 400, response.content
    error = error_of(response)
    assert error["code"] in ("validation_error", "invalid") and error["message"]
    lens_dataset.refresh_from_db()
    assert lens_dataset.applicant_aliases == {}


def test_too_many_aliases(api_client, lens_dataset):
    many = {f"COMPANY {i}": "ACME" for i in range(services.MAX_ALIASES + 1)}
    response = api_client.put(
        f"/api/v1/datasets/{lens_dataset.pk}/aliases/", {"aliases": many}, format="json"
    )

    assert response.status_code == 400
    assert "at most 5,000 aliases" in json.dumps(error_of(response)["fields"])


def test_huge_and_malformed_bodies(api_client, lens_dataset):
    url = f"/api/v1/datasets/{lens_dataset.pk}/aliases/"
    huge = json.dumps({"aliases": {"ACME": "x" * (3 * 1024 * 1024)}})
    responses = [
        api_client.generic("PUT", url, huge, content_type="application/json"),
        api_client.generic("PUT", url, "{not json", content_type="application/json"),
        api_client.generic("PUT", url, "aliases=1", content_type="text/plain"),
    ]

    assert [response.status_code for response in responses] == [413, 400, 415]
    for response in responses:
        assert error_of(response)["message"]


def test_another_users_dataset_is_not_found(lens_dataset, other_user):
    stranger = APIClient()
    stranger.force_authenticate(other_user)
    url = f"/api/v1/datasets/{lens_dataset.pk}/aliases/"

    for response in (stranger.get(url), stranger.put(url, {"aliases": {"A": "B"}}, format="json")):
        assert response.status_code == 404 and error_of(response)["code"] == "not_found"
    lens_dataset.refresh_from_db()
    assert lens_dataset.applicant_aliases == {}
