"""Signing in: CSRF on the session login, the shared rate limit, tokens for scripts."""

from __future__ import annotations

import itertools

import pytest
from django.core.cache import caches
from rest_framework.test import APIClient
from rest_framework.throttling import ScopedRateThrottle

from apps.accounts.tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery"


_addresses = (f"198.51.100.{n}" for n in itertools.count(1))  # TEST-NET-2: one per test


@pytest.fixture
def address():
    """A client address of this test's own, so the shared rate limit counts only this test's tries."""
    return next(_addresses)


@pytest.fixture
def user():
    return UserFactory(password=PASSWORD)


def test_session_login_without_the_csrf_token_is_refused(user):
    client = APIClient(enforce_csrf_checks=True)
    response = client.post("/api/v1/auth/login/", {"username": user.username, "password": PASSWORD})
    assert response.status_code == 403
    error = response.json()["error"]
    assert error["code"] == "permission_denied" and "CSRF" in error["message"]
    assert client.get("/api/v1/auth/me/").status_code in (401, 403)  # not signed in


def test_session_login_with_the_csrf_token_signs_in(user):
    client = APIClient(enforce_csrf_checks=True)
    token = client.get("/api/v1/auth/csrf/").json()["csrf_token"]
    response = client.post(
        "/api/v1/auth/login/", {"username": user.username, "password": PASSWORD}, HTTP_X_CSRFTOKEN=token
    )
    assert response.status_code == 200


def test_token_endpoint_for_scripts_needs_no_csrf(user):
    client = APIClient(enforce_csrf_checks=True)
    response = client.post("/api/v1/auth/token/", {"username": user.username, "password": PASSWORD})
    assert response.status_code == 200 and len(response.json()["token"]) == 40


def test_login_attempts_are_rate_limited_across_clients(user, address, monkeypatch):
    rate = 3
    monkeypatch.setattr(ScopedRateThrottle, "THROTTLE_RATES", {"login": f"{rate}/min"})
    statuses = [
        # A new client each time: the count lives in the shared cache, not in a session.
        APIClient(REMOTE_ADDR=address)
        .post("/api/v1/auth/login/", {"username": user.username, "password": "wrong"})
        .status_code
        for _ in range(rate + 1)
    ]
    assert statuses[:rate] == [400] * rate
    assert statuses[rate] == 429
    refused = APIClient(REMOTE_ADDR=address).post(
        "/api/v1/auth/login/", {"username": user.username, "password": PASSWORD}
    )
    assert refused.status_code == 429
    error = refused.json()["error"]
    assert error["code"] == "throttled"
    assert "Retry-After" in refused.headers
    other = APIClient(REMOTE_ADDR="203.0.113.7")  # another address is not held back
    assert (
        other.post("/api/v1/auth/login/", {"username": user.username, "password": PASSWORD}).status_code
        == 200
    )


@pytest.mark.parametrize(
    "payload",
    [
        {},
        {"username": "x"},
        {"username": ["a"], "password": "b"},
        {"username": "u" * 10_000, "password": "p"},
    ],
)
def test_malformed_credentials_get_a_clear_error(payload):
    response = APIClient().post("/api/v1/auth/login/", payload, format="json")
    assert response.status_code == 400
    assert response.json()["error"]["code"] in ("invalid", "validation_error")


def test_the_throttle_cache_is_shared_redis():
    from django.core.cache.backends.redis import RedisCache

    assert isinstance(caches["default"], RedisCache)
