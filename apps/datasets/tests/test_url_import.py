"""Importing an export from a URL: the API refuses what it can at once, the task fetches and reads."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from apps.datasets.models import Dataset, DatasetStatus
from apps.datasets.services import dataset_fetch
from apps.datasets.tests.fixtures_records import build_lens_csv

pytestmark = pytest.mark.django_db

URL = "/api/v1/datasets/import/"


@pytest.fixture
def queued(monkeypatch) -> list[int]:
    """Record the fetches that would be enqueued after commit; the test runs them itself."""
    sent: list[int] = []
    monkeypatch.setattr("apps.datasets.services._enqueue_fetch", sent.append)
    return sent


class Files(BaseHTTPRequestHandler):
    files: dict[str, tuple[int, bytes]] = {}

    def do_GET(self):
        status, body = self.files.get(self.path, (404, b""))
        self.send_response(status)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def server(settings):
    """A file server on 127.0.0.1, reachable only because the test allows that address."""
    settings.INTELLI_FETCH_ALLOW_NETWORKS = ["127.0.0.1/32"]
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Files)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def test_an_export_on_the_web_is_fetched_and_read(
    api_client, queued, server, django_capture_on_commit_callbacks
):
    Files.files = {"/exports/lens-export.csv": (200, build_lens_csv())}
    with django_capture_on_commit_callbacks(execute=True):
        response = api_client.post(URL, {"url": f"{server}/exports/lens-export.csv"}, format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "PENDING" and body["source_url"].endswith("/exports/lens-export.csv")
    assert body["name"] == "lens-export" and queued == [body["id"]]

    dataset_fetch(dataset_id=body["id"])

    dataset = Dataset.objects.get(pk=body["id"])
    assert dataset.status == DatasetStatus.READY, dataset.error
    assert dataset.detected_format == "lens" and dataset.summary["records"] > 0
    assert dataset.files.count() == 1 and dataset.size_bytes == len(build_lens_csv())
    dataset_fetch(dataset_id=body["id"])  # a duplicate message changes nothing
    assert dataset.files.count() == 1


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8000/export.csv",
        "http://localhost/export.csv",
        "http://10.0.0.1/export.csv",
        "http://172.16.3.4/export.csv",
        "http://192.168.0.10/export.csv",
        "http://169.254.169.254/latest/meta-data/",
        "http://[::1]/export.csv",
        "http://[fc00::1]/export.csv",
        "file:///etc/passwd",
        "ftp://example.org/export.csv",
        "not a url",
    ],
)
def test_urls_that_cannot_be_imported_are_refused_at_once_and_nothing_is_created(api_client, queued, url):
    response = api_client.post(URL, {"url": url}, format="json")
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid_url" and error["fields"]["url"]
    assert not Dataset.objects.exists() and queued == []


@pytest.mark.parametrize(
    "payload", [{}, {"url": ""}, {"url": ["http://x.org"]}, {"url": "http://x.org/" + "a" * 3000}]
)
def test_malformed_payloads_get_a_clear_error(api_client, payload):
    response = api_client.post(URL, payload, format="json")
    assert response.status_code == 400
    assert response.json()["error"]["fields"]


def _pending(user, url: str) -> Dataset:
    return Dataset.objects.create(
        owner=user, name="x", source_url=url, original_filename="x.csv", size_bytes=0
    )


@pytest.mark.parametrize(
    ("files", "path", "reason"),
    [
        ({}, "/missing.csv", "The server answered HTTP 404."),
        ({"/empty.csv": (200, b"")}, "/empty.csv", "The file is empty."),
        ({"/page.csv": (200, b"\x00\x01\x02" * 100)}, "/page.csv", "This is not a patent export"),
        ({"/other.csv": (200, b"a,b\n1,2\n")}, "/other.csv", ""),  # read, then refused by the parser
    ],
)
def test_what_the_fetch_finds_wrong_ends_on_the_dataset(user, server, files, path, reason):
    Files.files = files
    dataset = _pending(user, f"{server}{path}")
    dataset_fetch(dataset_id=dataset.pk)
    dataset.refresh_from_db()
    assert dataset.status == DatasetStatus.FAILED
    assert reason in dataset.error and "Traceback" not in dataset.error


def test_a_dns_answer_that_points_inside_fails_the_dataset_with_the_reason(user, monkeypatch):
    import socket

    monkeypatch.setattr(
        socket,
        "getaddrinfo",
        lambda host, port, *a, **k: [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("10.9.8.7", port))],
    )
    dataset = _pending(user, "http://exports.example.org/lens.csv")
    dataset_fetch(dataset_id=dataset.pk)
    dataset.refresh_from_db()
    assert dataset.status == DatasetStatus.FAILED
    assert "private or reserved address (10.9.8.7)" in dataset.error


def test_a_file_over_the_cap_fails_the_dataset(user, server, settings):
    settings.INTELLI_MAX_UPLOAD_BYTES = 1024 * 1024
    Files.files = {"/big.csv": (200, b"x" * (2 * 1024 * 1024))}
    dataset = _pending(user, f"{server}/big.csv")
    dataset_fetch(dataset_id=dataset.pk)
    dataset.refresh_from_db()
    assert dataset.status == DatasetStatus.FAILED and "larger than the 1 MB limit" in dataset.error
