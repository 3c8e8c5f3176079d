"""The single-page app is served on the same origin as the API, for every client-side route."""

from __future__ import annotations

import pytest
from django.test import Client

from apps.web import views


@pytest.fixture
def dist(tmp_path, settings):
    (tmp_path / "assets").mkdir()
    (tmp_path / "index.html").write_text(
        '<!doctype html><html><head></head><body><div id="root"></div>'
        '<script src="/assets/app-abc12345.js"></script>'
    )
    (tmp_path / "assets" / "app-abc12345.js").write_text("console.log(1)")
    settings.WHITENOISE_ROOT = tmp_path
    views._read_index.cache_clear()
    return tmp_path


@pytest.mark.parametrize("path", ["/", "/datasets", "/jobs/42", "/charts/7/", "/library?q=x"])
def test_client_routes_get_the_app_with_a_csrf_cookie(db, dist, path):
    response = Client().get(path)

    assert response.status_code == 200
    assert b'<div id="root">' in response.content
    assert response["Cache-Control"] == "no-cache"
    assert "csrftoken" in response.cookies


@pytest.mark.parametrize("path", ["/api/v1/nothing-here/", "/admin/nothing-here/", "/static/nothing.js"])
def test_api_admin_and_static_paths_are_not_the_app(db, dist, admin_client, path):
    response = admin_client.get(path)

    assert response.status_code == 404
    assert b'<div id="root">' not in response.content


def test_a_missing_build_says_how_to_build_it(db, tmp_path, settings):
    settings.WHITENOISE_ROOT = tmp_path / "absent"

    response = Client().get("/")

    assert response.status_code == 503
    assert b"npm run build" in response.content


def test_the_app_is_read_only(db, dist):
    assert Client().post("/datasets").status_code in (403, 405)  # CSRF refuses first, or the method


def test_the_page_carries_the_signed_in_user_as_escaped_json(db, dist, admin_client, admin_user):
    admin_user.username = "</script><b>x"
    admin_user.save()

    html = admin_client.get("/jobs/1").content.decode()

    assert '<script id="intelli-me" type="application/json">' in html
    assert "</script><b>x" not in html  # json_script escapes <, > and &
    assert '"is_staff": true' in html


def test_an_anonymous_page_carries_no_user(db, dist):
    assert "intelli-me" not in Client().get("/").content.decode()
