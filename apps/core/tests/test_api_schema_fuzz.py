"""The REST API fuzzed with Schemathesis against the OpenAPI schema it publishes (issue #7, "Bad input").

The schema is read from the running Django app (`/api/v1/schema/`, drf-spectacular) and every
operation in it gets generated requests — valid ones and, in the negative mode, ones that break
the schema (wrong types, missing fields, junk path ids) — sent in-process to the WSGI app, signed
with a script token of a user who owns one of everything: a READY dataset ingested from a
generated Lens export, a finished job whose chart has its four files and a description, a tag, a
group, a ready report and a notification. Half of the generated requests get that user's real ids
(or a real analysis key) in their path instead of generated ones, so the operations are reached,
not only their 404s.

Each response is checked: no 5xx, a status code the schema documents, the documented content
type, and a body that validates against the documented schema. Nothing reaches the broker (the
enqueue functions record instead) and each operation starts from the same fresh data.
"""

from __future__ import annotations

import os

import pytest
import schemathesis
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from rest_framework.authtoken.models import Token
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from apps.ai.tests.factories import DescriptionFactory
from apps.datasets.services import dataset_create, dataset_ingest
from apps.datasets.tests import fixtures_records as fx
from apps.jobs.tests.factories import JobFactory
from apps.library.tests.factories import drawn_chart

pytestmark = [pytest.mark.slow, pytest.mark.django_db]

SCHEMA_URL = "/api/v1/schema/?format=json"
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
# 30 examples per operation keep the module around a minute on the 2-core VM. The cases are the
# same on every run (a failure is reproducible, the suite stable); INTELLI_FUZZ_RANDOM=1 draws new
# ones, and INTELLI_FUZZ_EXAMPLES raises the count, to look for more.
EXAMPLES = int(os.environ.get("INTELLI_FUZZ_EXAMPLES", "30"))
DERANDOMIZE = os.environ.get("INTELLI_FUZZ_RANDOM") != "1"

schema = schemathesis.openapi.from_wsgi(SCHEMA_URL, get_wsgi_application())
schema.config.generation.update(
    modes=[schemathesis.GenerationMode.POSITIVE, schemathesis.GenerationMode.NEGATIVE],
    # The token below signs every request; generated credentials would only test the 401 path.
    with_security_parameters=False,
)


@pytest.fixture(autouse=True)
def _keep_the_test_connection():
    """Requests go through the real WSGI handler, which closes the database connection when a
    request finishes; the test's transaction lives on that connection. Django's test client
    disconnects the same handlers for the same reason."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def world(user, monkeypatch) -> dict:
    """One of everything, owned by `user`; returns the token and the ids to put in paths."""
    from apps.library.models import ChartGroup, Tag
    from apps.notifications.models import Notification
    from apps.reports.models import Report, ReportStatus

    monkeypatch.setattr("apps.datasets.services._enqueue_ingest", lambda pk: None)
    monkeypatch.setattr("apps.datasets.services._enqueue_fetch", lambda pk: None)
    monkeypatch.setattr("apps.jobs.services.enqueue_items", lambda tickets: None)
    monkeypatch.setattr("apps.ai.services._enqueue", lambda *ticket: None)
    monkeypatch.setattr("apps.reports.services._enqueue_build", lambda *ticket: None)

    dataset = dataset_create(owner=user, upload=SimpleUploadedFile("lens.csv", fx.build_lens_csv()))
    dataset_ingest(dataset_id=dataset.pk)
    job = JobFactory(dataset=dataset, owner=user)
    item = drawn_chart(job=job)
    DescriptionFactory(item=item, text="Filings rose.", status="SUCCESS")
    report = Report.objects.create(owner=user, job=job, title="Pack", status=ReportStatus.SUCCESS)
    report.pdf_file.save("report.pdf", ContentFile(b"%PDF-1.4"), save=True)
    notification = Notification.objects.create(
        user=user, kind="job.succeeded", level="success", title="Done", subject_type="job", subject_id=job.pk
    )
    ids = {
        "analyses": {"key": "publication_trend"},
        "datasets": {"id": dataset.pk, "file_id": dataset.files.get().pk},
        "jobs": {"id": job.pk},
        "items": {"id": item.pk},
        "charts": {"id": item.pk},
        "tags": {"id": Tag.objects.create(owner=user, name="board").pk},
        "groups": {"id": ChartGroup.objects.create(owner=user, name="Q3").pk},
        "reports": {"id": report.pk},
        "notifications": {"id": notification.pk},
    }
    return {"token": Token.objects.create(user=user).key, "ids": ids}


@schema.parametrize()
@schema.given(real_ids=st.booleans())
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=DERANDOMIZE,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_api_conforms_to_its_schema(case, real_ids, world):
    if real_ids and case.path_parameters:
        segments = case.path.strip("/").split("/")
        resource = segments[3] if segments[2] == "library" else segments[2]
        for name, value in world["ids"].get(resource, {}).items():
            if name in case.path_parameters:
                case.path_parameters[name] = value

    # buffered: the response is closed as a server closes it (Django then closes uploaded temp files).
    case.call_and_validate(headers={"Authorization": f"Token {world['token']}"}, checks=CHECKS, buffered=True)
