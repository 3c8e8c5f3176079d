"""Every analysis renders a valid PNG of the asked pixel size and an SVG naming its chart."""

from __future__ import annotations

import json
import struct
import subprocess
import sys
import textwrap
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from matplotlib.colors import same_color
from matplotlib.figure import Figure

from apps.charts.analyses import REGISTRY, get_analysis, validate_params
from apps.charts.analyses.base import ChartData
from apps.charts.labels import label
from apps.charts.rendering import render_chart, source_name, warm_up
from apps.charts.style import Style
from apps.charts.tests.data import canonical, facet
from apps.datasets.canonical import Field

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
SVG_NS = "{http://www.w3.org/2000/svg}"
# The chart's title sits in the RDF metadata as the work's <dc:title> (the agent has one too).
WORK_TITLE = ".//{http://creativecommons.org/ns#}Work/{http://purl.org/dc/elements/1.1/}title"
PROJECT_ROOT = Path(__file__).resolve().parents[3]


def png_size(data: bytes) -> tuple[int, int]:
    """Width and height from the PNG's IHDR chunk, which always comes first."""
    assert data[:8] == PNG_SIGNATURE
    assert data[12:16] == b"IHDR"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def svg_title(data: bytes) -> str:
    root = ET.fromstring(data)
    assert root.tag == f"{SVG_NS}svg"
    titles = [element.text for element in root.findall(WORK_TITLE)]
    assert len(titles) == 1
    return titles[0] or ""


def figure_texts(fig: Figure) -> list[str]:
    """Every text drawn: header, notes, labels in the plot, and legends wherever they sit."""
    texts = [t.get_text() for t in fig.texts]
    legends = list(fig.legends)
    for ax in fig.axes:
        texts += [t.get_text() for t in ax.texts]
        legend = ax.get_legend()
        if legend is not None:
            legends.append(legend)
    for legend in legends:
        texts += [t.get_text() for t in legend.get_texts()]
    return texts


@pytest.fixture(scope="module", autouse=True)
def _warm():
    warm_up(freeze_gc=False)  # the test process is not a worker: leave its collector alone


@pytest.mark.parametrize("language", ["en", "es"])
@pytest.mark.parametrize("key", list(REGISTRY))
def test_each_analysis_renders_png_and_svg(key, language, sample):
    analysis = get_analysis(key)
    chart = analysis.compute(sample, analysis.params_model())
    style = Style(language=language)

    files = render_chart(analysis, chart, style)

    assert set(files) == {"png", "svg"}
    assert png_size(files["png"]) == (8 * 150, 5 * 150)
    title = label(f"analysis.{key}.title", language)
    assert svg_title(files["svg"]) == title
    other = label(f"analysis.{key}.title", "es" if language == "en" else "en")
    assert other.encode() not in files["svg"]


@pytest.mark.parametrize(
    ("width", "height", "dpi", "pixels"),
    [(6.4, 4.1, 100, (640, 410)), (5.3, 3.3, 150, (795, 495)), (3.0, 2.0, 72, (216, 144))],
)
def test_png_pixel_size_is_width_and_height_times_dpi(width, height, dpi, pixels, sample):
    analysis = get_analysis("top_countries")
    chart = analysis.compute(sample, analysis.params_model())
    style = Style(width=width, height=height, dpi=dpi, formats=["png"], font_size=14, palette="grayscale")

    files = render_chart(analysis, chart, style)

    assert list(files) == ["png"]
    assert png_size(files["png"]) == pixels


def test_only_the_asked_formats_are_rendered(sample):
    analysis = get_analysis("publication_trend")
    chart = analysis.compute(sample, analysis.params_model())

    files = render_chart(analysis, chart, Style(formats=["svg"]))

    assert list(files) == ["svg"]
    root = ET.fromstring(files["svg"])
    assert root.attrib["width"].startswith("576")  # 8 in at 72 pt per inch


@pytest.mark.parametrize("key", list(REGISTRY))
def test_a_chart_renders_from_its_stored_json(key, sample):
    """A chart can be redrawn later from the JSON saved with it (lists instead of tuples)."""
    analysis = get_analysis(key)
    chart = analysis.compute(sample, analysis.params_model())
    stored = ChartData(**json.loads(json.dumps(chart.to_json())))

    files = render_chart(analysis, stored, Style(palette="colorblind", formats=["png"]))

    assert png_size(files["png"]) == (1200, 750)


def test_highlighted_country_is_drawn_in_the_accent_colour(sample):
    analysis = get_analysis("top_countries")
    chart = analysis.compute(sample, validate_params("top_countries", {"highlight": "es"}))
    style = Style()

    fig = analysis.render(chart, style)

    (ax,) = fig.axes
    colours = dict(zip([t.get_text() for t in ax.get_yticklabels()], ax.patches, strict=True))
    assert same_color(colours["ES"].get_facecolor(), style.colors.accent)
    assert same_color(colours["CN"].get_facecolor(), style.colors.primary)


def test_notes_say_when_the_source_was_truncated_and_where_it_came_from(sample):
    analysis = get_analysis("top_inventors")
    chart = analysis.compute(sample, analysis.params_model())

    english = figure_texts(analysis.render(chart, Style()))
    spanish = figure_texts(analysis.render(chart, Style(language="es")))

    assert any("The source lists only its top 4 entries." in text for text in english)
    assert any("Source: Lens.org" in text for text in english)
    assert any("La fuente solo incluye sus 4 primeras entradas." in text for text in spanish)


def test_highlight_outside_the_top_is_noted(sample):
    analysis = get_analysis("top_countries")
    chart = analysis.compute(sample, validate_params("top_countries", {"highlight": "DE", "top_n": 3}))

    texts = figure_texts(analysis.render(chart, Style()))

    assert any("DE is not among the top 3." in text for text in texts)


def test_forecast_legend_names_the_interval(sample):
    analysis = get_analysis("forecast")
    chart = analysis.compute(sample, validate_params("forecast", {"confidence": 0.8}))

    english = figure_texts(analysis.render(chart, Style()))
    spanish = figure_texts(analysis.render(chart, Style(language="es")))

    assert "80% prediction interval" in english
    assert "Intervalo de predicción del 80\u00a0%" in spanish


def test_dual_axis_legend_identifies_both_series(sample):
    analysis = get_analysis("trend_cumulative")
    chart = analysis.compute(sample, analysis.params_model())

    texts = figure_texts(analysis.render(chart, Style(language="es")))

    assert {"Documentos por año", "Documentos acumulados"} <= set(texts)


def test_treemap_labels_other_clearly_and_translates_sections(sample):
    analysis = get_analysis("cpc_treemap")
    chart = analysis.compute(sample, validate_params("cpc_treemap", {"top_n": 5, "show_other": True}))

    english = figure_texts(analysis.render(chart, Style(width=12, height=8)))
    spanish = figure_texts(analysis.render(chart, Style(language="es", width=12, height=8)))

    assert any(text.startswith("Other groups (18)") for text in english)
    assert any(text.startswith("Otros grupos (18)") for text in spanish)
    assert "G · Physics" in english
    assert "G · Física" in spanish


def test_treemap_on_the_real_export_renders(espacenet_filters):
    analysis = get_analysis("cpc_treemap")
    chart = analysis.compute(espacenet_filters, validate_params("cpc_treemap", {"level": "subgroup"}))

    files = render_chart(analysis, chart, Style(language="es"))

    assert png_size(files["png"]) == (1200, 750)
    assert svg_title(files["svg"]) == "Mapa de árbol CPC"


def test_many_bars_still_render():
    data = canonical(inventor=facet(Field.INVENTOR, {f"INVENTOR {n:02d}": 100 - n for n in range(60)}))
    analysis = get_analysis("top_inventors")
    chart = analysis.compute(data, validate_params("top_inventors", {"top_n": 50}))

    files = render_chart(analysis, chart, Style(formats=["png"]))

    assert png_size(files["png"]) == (1200, 750)


@pytest.mark.parametrize(
    ("source_format", "name"),
    [("espacenet_filters", "Espacenet"), ("lens_patents", "Lens.org"), ("google_patents", "Google Patents")],
)
def test_source_names(source_format, name):
    assert source_name(source_format) == name


def test_rendering_never_touches_pyplot():
    """Workers are long-lived: pyplot's global figure registry would leak. Checked in a fresh
    interpreter, because another test in this process may have imported pyplot."""
    script = textwrap.dedent(
        """
        import sys
        from apps.charts.analyses import REGISTRY
        from apps.charts.rendering import render_chart, warm_up
        from apps.charts.style import Style
        from apps.charts.tests.data import sample_data

        warm_up()
        data = sample_data()
        for analysis in REGISTRY.values():
            render_chart(analysis, analysis.compute(data, analysis.params_model()), Style())
        assert "matplotlib.pyplot" not in sys.modules, "pyplot was imported"
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
