"""Who may do what: every REST endpoint and every socket route, for anonymous,, owner, stranger, staff.

`ROUTES` must name every route of the API: a new endpoint without a line here fails
`test_every_api_route_is_in_the_matrix`, so none slips in unchecked. Each line says who may use the
route (`PUBLIC`: anyone; `USER`: any signed-in user; `OWNER`: the owner of the object in its URL,
and staff; `PERSONAL`: the owner only — a library's charts, tags and groups, reports and
notifications are personal, staff get 404 like any stranger and inspect them in the admin; `STAFF`:
staff only) and builds the URL's objects for an owner.

What "refused" means: anonymous → 401/403; a stranger asking for an owner's object → 404 (the
object's existence is not confirmed); a non-staff user on a staff route → 403. What "allowed"
means: anything but 401, 403 and 404 — a 400 for an empty body is fine, the request got through.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest
from asgiref.sync import async_to_sync
from channels.testing import WebsocketCommunicator
from django.contrib.auth.models import AnonymousUser
from django.core.files.base import ContentFile
from django.urls import get_resolver
from django.urls.resolvers import URLPattern, URLResolver
from rest_framework.test import APIClient

from apps.accounts.tests.factories import UserFactory
from apps.ai.tests.factories import DescriptionFactory, described_job, drawn_item
from apps.datasets.models import DatasetFile
from config.asgi import application

pytestmark = pytest.mark.django_db

PUBLIC, USER, OWNER, PERSONAL, STAFF = "public", "user", "owner", "personal", "staff"
REFUSED = (401, 403, 404)


@dataclass(frozen=True)
class Route:
    name: str
    access: str
    methods: tuple[str, ...]
    kwargs: Callable[[object], dict] | None = None  # owner -> URL kwargs (objects created for them)
    body: dict | None = None


def _dataset(owner) -> dict:
    return {"pk": described_job(owner=owner).dataset_id}


def _dataset_file(owner) -> dict:
    dataset = described_job(owner=owner).dataset
    file = DatasetFile.objects.create(
        dataset=dataset,
        source_file=ContentFile(b"x", name="export.csv"),
        original_filename="export.csv",
        size_bytes=1,
        content_hash="0" * 64,
    )
    return {"pk": dataset.pk, "file_id": file.pk}


def _job(owner) -> dict:
    return {"pk": described_job(owner=owner).pk}


def _item(owner) -> dict:
    return {"pk": drawn_item(job=described_job(owner=owner)).pk}


def _described_item(owner) -> dict:
    item = drawn_item(job=described_job(owner=owner))
    DescriptionFactory(item=item, text="Filings rose.", status="SUCCESS")
    return {"pk": item.pk}


def _artifact(owner) -> dict:
    return {**_item(owner), "kind": "json"}


def _chart(owner) -> dict:
    from apps.library.tests.factories import chart_job, drawn_chart

    return {"pk": drawn_chart(job=chart_job(owner=owner)).pk}


def _tag(owner) -> dict:
    from apps.library.models import Tag

    return {"pk": Tag.objects.create(owner=owner, name="board").pk}


def _group(owner) -> dict:
    from apps.library.models import ChartGroup

    return {"pk": ChartGroup.objects.create(owner=owner, name="Q3").pk}


def _report(owner) -> dict:
    from apps.reports.models import Report, ReportStatus

    report = Report.objects.create(owner=owner, title="Pack", status=ReportStatus.SUCCESS)
    report.pdf_file.save("report.pdf", ContentFile(b"%PDF-1.4"), save=True)
    return {"pk": report.pk}


def _report_file(owner) -> dict:
    return {**_report(owner), "kind": "pdf"}


def _notification(owner) -> dict:
    from apps.notifications.models import Notification

    notification = Notification.objects.create(
        user=owner, kind="job.failed", level="error", title="Failed", subject_type="job", subject_id=1
    )
    return {"pk": notification.pk}


ROUTES = [
    Route("auth-csrf", PUBLIC, ("get",)),
    Route("auth-login", PUBLIC, ("post",)),
    Route("auth-token", PUBLIC, ("post",)),
    Route("schema", PUBLIC, ("get",)),
    Route("docs", PUBLIC, ("get",)),
    Route("auth-logout", USER, ("post",)),
    Route("auth-me", USER, ("get",)),
    Route("dataset-list", USER, ("get", "post")),
    Route("dataset-import", USER, ("post",)),
    Route("analysis-list", USER, ("get",)),
    Route("analysis-thumbnail", USER, ("get",), lambda owner: {"key": "publication_trend"}),
    Route("job-list", USER, ("get", "post")),
    Route("ai-providers", USER, ("get",)),
    Route("dataset-detail", OWNER, ("get", "delete"), _dataset),
    Route("dataset-files", OWNER, ("post",), _dataset),
    Route("dataset-file-detail", OWNER, ("delete",), _dataset_file),
    Route("dataset-aliases", OWNER, ("get", "put", "patch"), _dataset, {"aliases": {}}),
    Route("dataset-records", OWNER, ("get",), _dataset),
    Route("job-detail", OWNER, ("get",), _job),
    Route("job-cancel", OWNER, ("post",), _job),
    Route("job-retry", OWNER, ("post",), _job),
    Route("job-events", OWNER, ("get",), _job),
    Route("item-detail", OWNER, ("get",), _item),
    Route("item-retry", OWNER, ("post",), _item),
    Route("item-artifact", OWNER, ("get",), _artifact),
    Route("item-description", OWNER, ("get", "patch"), _described_item, {"text": "Edited."}),
    Route("item-descriptions", OWNER, ("get",), _described_item),
    Route("item-describe", OWNER, ("post",), _item, {"provider": "local"}),
    Route("library-chart-list", USER, ("get",)),
    Route("library-chart-bulk", USER, ("post",)),
    Route("library-tag-list", USER, ("get", "post")),
    Route("library-group-list", USER, ("get", "post")),
    Route("library-retention", USER, ("get",)),
    Route("report-list", USER, ("get", "post")),
    Route("notification-list", USER, ("get",)),
    Route("notification-mark-read", USER, ("post",)),
    Route("library-chart-detail", PERSONAL, ("get",), _chart),
    Route("library-chart-publish", PERSONAL, ("post",), _chart),
    Route("library-chart-unpublish", PERSONAL, ("post",), _chart),
    Route("library-tag-detail", PERSONAL, ("get", "patch", "delete"), _tag, {"name": "Renamed"}),
    Route("library-group-detail", PERSONAL, ("get", "patch", "delete"), _group, {"name": "Renamed"}),
    Route("report-detail", PERSONAL, ("get", "delete"), _report),
    Route("report-file", PERSONAL, ("get",), _report_file),
    Route("notification-read", PERSONAL, ("post",), _notification),
    Route("system", STAFF, ("get",)),
]
SOCKETS = [("/ws/jobs/", USER), ("/ws/jobs/{pk}/", OWNER)]


def api_route_names() -> set[str]:
    names = set()

    def walk(patterns, namespace=None):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                walk(pattern.url_patterns, pattern.namespace or namespace)
            elif isinstance(pattern, URLPattern) and namespace == "api":
                names.add(pattern.name)

    walk(get_resolver().url_patterns)
    return names


def test_every_api_route_is_in_the_matrix():
    assert api_route_names() == {route.name for route in ROUTES}


def _cases():
    for route in ROUTES:
        for method in route.methods:
            for who in ("anonymous", "owner", "stranger", "staff"):
                yield pytest.param(route, method, who, id=f"{route.name}-{method}-{who}")


def _client(who: str, owner) -> APIClient:
    client = APIClient()
    if who == "owner":
        client.force_authenticate(owner)
    elif who == "stranger":
        client.force_authenticate(UserFactory())
    elif who == "staff":
        client.force_authenticate(UserFactory(is_staff=True))
    return client


@pytest.mark.parametrize(("route", "method", "who"), list(_cases()))
def test_authorization_matrix(route: Route, method: str, who: str):
    from django.urls import reverse

    owner = UserFactory()
    kwargs = route.kwargs(owner) if route.kwargs else {}
    url = reverse(f"api:{route.name}", kwargs=kwargs)
    response = getattr(_client(who, owner), method)(url, route.body or {}, format="json")
    status = response.status_code
    assert status < 500, response.content[:500]

    if route.access == PUBLIC:
        assert status not in REFUSED
    elif who == "anonymous":
        assert status in (401, 403)
        assert response.json()["error"]["code"] == "not_authenticated"
    elif route.access == USER:
        assert status not in REFUSED
    elif route.access == STAFF:
        assert (status not in REFUSED) if who == "staff" else status == 403
    elif who == "stranger" or (route.access == PERSONAL and who == "staff"):
        assert status == 404, f"a {who} got {status} on {url}"
        assert response.json()["error"]["code"] == "not_found"
    else:  # the owner, or staff
        assert status not in REFUSED, f"{who} got {status} on {url}: {response.content[:300]}"


def _socket_status(path: str, user) -> bool:
    async def attempt():
        communicator = WebsocketCommunicator(application, path, headers=[(b"origin", b"http://127.0.0.1")])
        communicator.scope["user"] = user
        connected, _ = await communicator.connect(timeout=5)
        try:
            return connected and (await communicator.receive_output(5))["type"] == "websocket.send"
        finally:
            await communicator.disconnect()

    return async_to_sync(attempt)()


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(("path", "access"), SOCKETS)
@pytest.mark.parametrize("who", ["anonymous", "owner", "stranger", "staff"])
def test_socket_matrix(path: str, access: str, who: str):
    owner = UserFactory()
    path = path.format(**_job(owner))
    user = {
        "anonymous": AnonymousUser(),
        "owner": owner,
        "stranger": UserFactory(),
        "staff": UserFactory(is_staff=True),
    }[who]
    expected = who != "anonymous" and (access == USER or who in ("owner", "staff"))
    assert _socket_status(path, user) is expected
