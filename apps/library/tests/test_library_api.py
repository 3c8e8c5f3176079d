"""The library API: the user's charts across jobs, search, filters, tags, groups, publication, bulk."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.files.storage import default_storage
from django.utils import timezone
from rest_framework.test import APIClient

from apps.ai.tests.factories import DescriptionFactory
from apps.jobs.models import ItemStatus
from apps.jobs.tests.factories import ImageTaskFactory
from apps.library.models import ChartGroup, Publication, Tag
from apps.library.selectors import drafts_expired

from .factories import chart_job, drawn_chart

pytestmark = pytest.mark.django_db

URL = "/api/v1/library/charts/"


def ids(response) -> list[int]:
    assert response.status_code == 200, response.content
    return sorted(row["id"] for row in response.json()["results"])


@pytest.fixture
def charts(user, other_user):
    """Two jobs of the user (English, Spanish) and one of another user."""
    solar = chart_job(owner=user, title="Solar cells", dataset__name="Perovskite export")
    wind = chart_job(owner=user, title="Wind blades", language="es", dataset__name="Blade export")
    a = drawn_chart(job=solar, analysis_key="publication_trend")
    b = drawn_chart(job=solar, analysis_key="top_applicants")
    c = drawn_chart(job=wind, analysis_key="cpc_treemap", finished_at=timezone.now() - timedelta(days=40))
    ImageTaskFactory(job=solar, position=9, status=ItemStatus.FAILED, error="no data")  # not a chart
    theirs = drawn_chart(job=chart_job(owner=other_user, title="Solar cells"))
    return {"a": a, "b": b, "c": c, "theirs": theirs, "solar": solar, "wind": wind}


class TestListing:
    def test_every_drawn_chart_of_the_user_across_jobs(self, api_client, charts):
        response = api_client.get(URL)
        assert ids(response) == sorted([charts["a"].pk, charts["b"].pk, charts["c"].pk])
        row = next(r for r in response.json()["results"] if r["id"] == charts["c"].pk)
        assert row["title"] == "Mapa de árbol CPC" and row["language"] == "es"
        assert row["dataset"]["name"] == "Blade export" and row["job_title"] == "Wind blades"
        assert set(row["artifacts"]) == {"png", "svg", "csv", "json"}
        assert row["published"] is False and row["tags"] == [] and row["description"] is None

    def test_search_reads_titles_analyses_datasets_and_descriptions(self, api_client, charts):
        DescriptionFactory(item=charts["b"], status="SUCCESS", text="Tsinghua leads the applicants.")
        DescriptionFactory(
            item=charts["a"], status="SUCCESS", text="x", edited_text="A steady rise since 2015."
        )
        assert ids(api_client.get(URL, {"q": "wind"})) == [charts["c"].pk]
        assert ids(api_client.get(URL, {"q": "perovskite"})) == sorted([charts["a"].pk, charts["b"].pk])
        assert ids(api_client.get(URL, {"q": "árbol"})) == [charts["c"].pk]  # the Spanish title
        assert ids(api_client.get(URL, {"q": "top applicants"})) == [charts["b"].pk]
        assert ids(api_client.get(URL, {"q": "TSINGHUA"})) == [charts["b"].pk]
        assert ids(api_client.get(URL, {"q": "steady rise"})) == [charts["a"].pk]
        row = api_client.get(f"{URL}{charts['a'].pk}/").json()
        assert row["description"]["text"] == "A steady rise since 2015." and row["description"]["edited"]

    def test_filters(self, api_client, user, charts):
        a, b, c = charts["a"], charts["b"], charts["c"]
        assert ids(api_client.get(URL, {"analysis": "top_applicants"})) == [b.pk]
        assert ids(api_client.get(URL, {"dataset": charts["wind"].dataset_id})) == [c.pk]
        assert ids(api_client.get(URL, {"job": charts["solar"].pk})) == sorted([a.pk, b.pk])
        week_ago = (timezone.now() - timedelta(days=7)).isoformat()
        assert ids(api_client.get(URL, {"created_before": week_ago})) == [c.pk]
        assert ids(api_client.get(URL, {"created_after": week_ago})) == sorted([a.pk, b.pk])
        tag = Tag.objects.create(owner=user, name="board")
        tag.items.add(a, c)
        group = ChartGroup.objects.create(owner=user, name="Q3 report")
        group.items.add(b)
        Publication.objects.create(item=c, published_at=timezone.now())
        assert ids(api_client.get(URL, {"tag": tag.pk})) == sorted([a.pk, c.pk])
        assert ids(api_client.get(URL, {"group": group.pk})) == [b.pk]
        assert ids(api_client.get(URL, {"published": "true"})) == [c.pk]
        assert ids(api_client.get(URL, {"published": "false"})) == sorted([a.pk, b.pk])
        assert ids(api_client.get(URL, {"tag": tag.pk, "published": "false"})) == [a.pk]

    def test_an_unknown_analysis_filter_is_a_validation_error(self, api_client, charts):
        response = api_client.get(URL, {"analysis": "nope"})
        assert response.status_code == 400 and response.json()["error"]["code"] == "validation_error"


class TestTagsAndGroups:
    def test_tag_crud_with_names_unique_per_user(self, api_client, other_user):
        created = api_client.post("/api/v1/library/tags/", {"name": "  For   the board "})
        assert created.status_code == 201 and created.json()["name"] == "For the board"
        tag_id = created.json()["id"]
        twin = api_client.post("/api/v1/library/tags/", {"name": "for the BOARD"})
        assert twin.status_code == 409 and twin.json()["error"]["code"] == "conflict"
        Tag.objects.create(owner=other_user, name="For the board")  # another user's namesake is fine
        renamed = api_client.patch(f"/api/v1/library/tags/{tag_id}/", {"name": "Board"})
        assert renamed.status_code == 200 and renamed.json()["name"] == "Board"
        assert [t["name"] for t in api_client.get("/api/v1/library/tags/").json()] == ["Board"]
        assert api_client.post("/api/v1/library/tags/", {"name": "   "}).status_code == 400
        assert api_client.delete(f"/api/v1/library/tags/{tag_id}/").status_code == 204
        assert not Tag.objects.filter(pk=tag_id).exists()

    def test_group_crud(self, api_client):
        created = api_client.post("/api/v1/library/groups/", {"name": "Q3", "description": "For Monday"})
        assert created.status_code == 201, created.content
        group_id = created.json()["id"]
        assert api_client.post("/api/v1/library/groups/", {"name": "q3"}).status_code == 409
        updated = api_client.patch(f"/api/v1/library/groups/{group_id}/", {"description": "For Tuesday"})
        assert updated.json()["description"] == "For Tuesday" and updated.json()["name"] == "Q3"
        assert api_client.delete(f"/api/v1/library/groups/{group_id}/").status_code == 204


class TestPublishAndBulk:
    def test_publish_and_unpublish_one_chart(self, api_client, charts, settings):
        settings.INTELLI_DRAFT_RETENTION_DAYS = 30
        a = charts["a"]
        draft = api_client.get(f"{URL}{a.pk}/").json()
        assert draft["expires_at"] is not None
        published = api_client.post(f"{URL}{a.pk}/publish/").json()
        assert published["published"] and published["published_at"] and published["expires_at"] is None
        assert api_client.post(f"{URL}{a.pk}/publish/").status_code == 200  # idempotent
        assert api_client.post(f"{URL}{a.pk}/unpublish/").json()["published"] is False

    def test_bulk_tag_group_publish(self, api_client, user, charts):
        tag = Tag.objects.create(owner=user, name="pv")
        group = ChartGroup.objects.create(owner=user, name="report")
        both = [charts["a"].pk, charts["b"].pk]
        bulk = "/api/v1/library/charts/bulk/"
        response = api_client.post(bulk, {"action": "tag", "items": both, "tag": tag.pk})
        assert response.json() == {"action": "tag", "items": 2, "changed": 2}
        assert api_client.post(bulk, {"action": "tag", "items": both, "tag": tag.pk}).json()["changed"] == 0
        untag = {"action": "untag", "items": both[:1], "tag": tag.pk}
        assert api_client.post(bulk, untag).json()["changed"] == 1
        assert list(tag.items.values_list("pk", flat=True)) == both[1:]
        api_client.post(bulk, {"action": "add_to_group", "items": both, "group": group.pk})
        assert group.items.count() == 2
        assert api_client.post(bulk, {"action": "publish", "items": both}).json()["changed"] == 2
        assert Publication.objects.filter(item_id__in=both).count() == 2
        assert api_client.post(bulk, {"action": "unpublish", "items": both}).json()["changed"] == 2
        missing_tag = api_client.post(bulk, {"action": "tag", "items": both})
        assert missing_tag.status_code == 400

    def test_bulk_refuses_another_users_chart_and_changes_nothing(self, api_client, user, charts):
        tag = Tag.objects.create(owner=user, name="pv")
        response = api_client.post(
            "/api/v1/library/charts/bulk/",
            {"action": "tag", "items": [charts["a"].pk, charts["theirs"].pk], "tag": tag.pk},
        )
        assert response.status_code == 404
        assert str(charts["theirs"].pk) in response.json()["error"]["message"]
        assert tag.items.count() == 0

    def test_bulk_refuses_another_users_tag(self, api_client, other_user, charts):
        theirs = Tag.objects.create(owner=other_user, name="pv")
        response = api_client.post(
            "/api/v1/library/charts/bulk/", {"action": "tag", "items": [charts["a"].pk], "tag": theirs.pk}
        )
        assert response.status_code == 404 and theirs.items.count() == 0

    def test_delete_drafts_removes_files_keeps_published_and_the_job(
        self, api_client, user, charts, django_capture_on_commit_callbacks
    ):
        a, b = charts["a"], charts["b"]
        Tag.objects.create(owner=user, name="pv").items.add(a)
        Publication.objects.create(item=b, published_at=timezone.now())
        bulk = "/api/v1/library/charts/bulk/"
        refused = api_client.post(bulk, {"action": "delete_drafts", "items": [a.pk, b.pk]})
        assert refused.status_code == 409 and str(b.pk) in refused.json()["error"]["message"]
        path = a.png.name
        assert default_storage.exists(path)
        with django_capture_on_commit_callbacks(execute=True):
            response = api_client.post(bulk, {"action": "delete_drafts", "items": [a.pk]})
        assert response.json()["changed"] == 1
        a.refresh_from_db()
        assert not a.png and not a.svg and not a.data_csv and not a.data_json
        assert a.status == ItemStatus.SUCCESS  # the job's history stays as it was
        assert not default_storage.exists(path)
        assert a.pk not in ids(api_client.get(URL))
        assert Tag.objects.get(name="pv").items.count() == 0
        b.refresh_from_db()
        assert b.png and default_storage.exists(b.png.name)


class TestRetention:
    def test_drafts_expire_only_when_configured_and_never_when_published(self, api_client, charts, settings):
        c = charts["c"]  # drawn 40 days ago
        assert not drafts_expired().exists()
        assert api_client.get(f"{URL}{c.pk}/").json()["expires_at"] is None
        settings.INTELLI_DRAFT_RETENTION_DAYS = 30
        assert list(drafts_expired()) == [c]
        expires = api_client.get(f"{URL}{c.pk}/").json()["expires_at"]
        assert expires.startswith((c.finished_at + timedelta(days=30)).date().isoformat())
        retention = api_client.get("/api/v1/library/retention/").json()
        assert retention["draft_retention_days"] == 30 and retention["drafts_expire"]
        assert retention["published_kept"] and retention["reports_kept"]
        assert retention["expiring_within_7_days"] == 1
        Publication.objects.create(item=c, published_at=timezone.now())
        assert not drafts_expired().exists()


def test_another_user_gets_404_everywhere(charts, other_user, user):
    tag = Tag.objects.create(owner=user, name="mine")
    group = ChartGroup.objects.create(owner=user, name="mine")
    client = APIClient()
    client.force_authenticate(other_user)
    a = charts["a"].pk
    assert a not in ids(client.get(URL))
    assert client.get(f"{URL}{a}/").status_code == 404
    assert client.post(f"{URL}{a}/publish/").status_code == 404
    assert client.post(f"{URL}{a}/unpublish/").status_code == 404
    for url in (f"/api/v1/library/tags/{tag.pk}/", f"/api/v1/library/groups/{group.pk}/"):
        assert client.get(url).status_code == 404
        assert client.patch(url, {"name": "x"}).status_code == 404
        assert client.delete(url).status_code == 404
    assert client.get("/api/v1/library/tags/").json() == []
    assert not Publication.objects.exists()
    assert APIClient().get(URL).status_code in (401, 403)


def test_a_chart_drawn_as_svg_only_is_in_the_library_and_one_without_files_is_not(api_client, charts):
    a, b = charts["a"], charts["b"]
    type(a).objects.filter(pk=a.pk).update(png="")
    type(b).objects.filter(pk=b.pk).update(png="", svg="", data_csv="", data_json="")
    listed = api_client.get(URL).json()["results"]
    assert b.pk not in [row["id"] for row in listed]
    row = next(row for row in listed if row["id"] == a.pk)
    assert "png" not in row["artifacts"] and "svg" in row["artifacts"]


@pytest.mark.parametrize("name", ["dataset", "job", "tag", "group"])
def test_an_id_filter_past_any_row_is_invalid_input(api_client, charts, name):
    """Found by fuzzing the API: `?dataset=10**22` overflowed in the query (a 500)."""
    response = api_client.get(URL, {name: 10**22})

    assert response.status_code == 400, response.content
    assert name in response.json()["error"]["fields"]


def test_a_bulk_tag_past_any_row_is_invalid_input(api_client, charts):
    response = api_client.post(
        "/api/v1/library/charts/bulk/", {"action": "tag", "items": [charts["a"].pk], "tag": 10**22}
    )

    assert response.status_code == 400 and "tag" in response.json()["error"]["fields"]
