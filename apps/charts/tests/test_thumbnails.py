"""Thumbnails of the analyses: drawn from the built-in sample by the real renderers, kept on disk."""

from __future__ import annotations

import io

import pytest
from django.conf import settings
from PIL import Image

from apps.charts.analyses import REGISTRY
from apps.charts.thumbnails import THUMBNAIL_STYLE, sample_canonical, thumbnail_png, thumbnail_render

PNG = b"\x89PNG\r\n\x1a\n"


def test_the_sample_can_feed_every_analysis():
    fields = sample_canonical().fields()

    for analysis in REGISTRY.values():
        needed = set(analysis.required_fields(analysis.params_model()))
        assert needed <= fields, (analysis.key, needed - fields)


@pytest.mark.parametrize("key", list(REGISTRY))
def test_every_analysis_draws_a_small_png(key):
    png = thumbnail_render(key=key)

    assert png.startswith(PNG)
    image = Image.open(io.BytesIO(png))
    expected = (
        round(THUMBNAIL_STYLE["width"] * THUMBNAIL_STYLE["dpi"]),
        round(THUMBNAIL_STYLE["height"] * THUMBNAIL_STYLE["dpi"]),
    )
    assert image.size == expected
    assert len(image.convert("RGB").getcolors(maxcolors=100_000) or ()) > 20  # a chart, not a blank canvas


def test_a_thumbnail_is_drawn_once_then_read_from_disk(monkeypatch):
    first = thumbnail_png(key="top_applicants", language="es")
    english = thumbnail_png(key="top_applicants", language="en")
    assert first.is_relative_to(settings.MEDIA_ROOT)
    assert "top_applicants-v" in first.name and "-es-" in first.name
    assert first != english

    monkeypatch.setattr("apps.charts.thumbnails.thumbnail_render", lambda **_: pytest.fail("drawn again"))
    assert thumbnail_png(key="top_applicants", language="es") == first
    assert thumbnail_png(key="top_applicants", language="xx") == english  # unknown: English


@pytest.mark.django_db
def test_the_api_serves_the_png_to_signed_in_users(api_client):
    response = api_client.get("/api/v1/analyses/publication_trend/thumbnail.png?lang=en&v=2")

    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert b"".join(response.streaming_content).startswith(PNG)
    assert "max-age" in response["Cache-Control"]


@pytest.mark.django_db
def test_an_unknown_analysis_is_a_404(api_client):
    response = api_client.get("/api/v1/analyses/nope/thumbnail.png")

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
