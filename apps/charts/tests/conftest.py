from __future__ import annotations

import pytest

from apps.charts.tests.data import ESPACENET_FILTERS, read_espacenet_filters, sample_data
from apps.datasets.canonical import CanonicalData


@pytest.fixture(scope="session")
def espacenet_filters() -> CanonicalData:
    """The real Espacenet "Filters" export, or a skip saying where it was looked for."""
    if not ESPACENET_FILTERS.exists():
        pytest.skip(f"real export not available: {ESPACENET_FILTERS} (see ../shared/data/README.md)")
    return read_espacenet_filters(ESPACENET_FILTERS)


@pytest.fixture
def sample() -> CanonicalData:
    return sample_data()
