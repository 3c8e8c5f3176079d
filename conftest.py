"""Fixtures shared by every app's tests."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings

SHARED_DATA = Path(settings.BASE_DIR).parent / "shared" / "data"


def shared_file(name: str) -> Path:
    """A real export from ../shared/data; skip the test with a reason when it is not there."""
    path = SHARED_DATA / name
    if not path.is_file():
        pytest.skip(f"{path} is not present (real exports live beside the project, in ../shared/data)")
    return path


@pytest.fixture(autouse=True)
def _clean_redis():
    """Each test starts with an empty Redis database (throttles, cancel flags, channel groups)."""
    from apps.core.redis import get_redis

    get_redis().flushdb()


@pytest.fixture(autouse=True)
def _media_root(tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "media"
    from apps.datasets.canonical import canonical_load
    from apps.jobs.services import clear_job_cache

    canonical_load.cache_clear()
    clear_job_cache()  # a rolled-back database reuses job ids


@pytest.fixture
def user(db):
    from apps.accounts.tests.factories import UserFactory

    return UserFactory()


@pytest.fixture
def other_user(db):
    from apps.accounts.tests.factories import UserFactory

    return UserFactory()


@pytest.fixture
def api_client(user):
    from rest_framework.test import APIClient

    client = APIClient()
    client.force_authenticate(user)
    return client
