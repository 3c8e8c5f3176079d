"""Bad input through the datasets API: regressions from fuzzing it with Schemathesis (issue #7)."""

from __future__ import annotations

import pytest

from apps.datasets.tests.factories import DatasetFactory

pytestmark = pytest.mark.django_db


def test_a_records_page_past_64_bits_is_invalid_input(api_client, user):
    """`?page=2**62` made the page's first row overflow in Polars (a 500)."""
    dataset = DatasetFactory(owner=user)

    response = api_client.get(f"/api/v1/datasets/{dataset.pk}/records/", {"page": 2**62})

    assert response.status_code == 400, response.content
    assert "page" in response.json()["error"]["fields"]
