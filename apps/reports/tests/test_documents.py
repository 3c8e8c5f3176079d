"""The three writers on their own: hostile text, long descriptions, both languages."""

from __future__ import annotations

from django.utils import timezone

from apps.library.tests.factories import tiny_png
from apps.reports.content import ChartEntry, DatasetInfo, ReportContent, clean
from apps.reports.documents.pack import build_zip
from apps.reports.documents.pdf import build_pdf
from apps.reports.documents.slides import build_pptx

from .readback import pdf_pages, pptx_slides, zip_members

HOSTILE = clean("R&D <b>not bold</b> “quoted” \u2013 95\u00a0% · año\x0b\x00 =SUM(A1)")


def content(description: str, language: str = "en") -> ReportContent:
    info = DatasetInfo(1, "Export <1>", 'ta="graphene" & pd>2010', 57, (2010, 2022), "Espacenet", ("a.xlsx",))
    charts = [
        ChartEntry(
            item_id=n,
            number=n,
            analysis_key="publication_trend",
            analysis_version=1,
            title=f"Chart {n}",
            description=description,
            description_note="Description written by gpt-4o-mini.",
            source_line="Source: Espacenet (a.xlsx).",
            png=tiny_png(),
        )
        for n in (1, 2)
    ]
    return ReportContent("Landscape & co", language, timezone.now(), [info], charts)


def test_markup_and_control_characters_are_text_not_markup():
    assert "\x0b" not in HOSTILE and "\x00" not in HOSTILE
    report = content(HOSTILE)
    pdf, pptx = build_pdf(report), build_pptx(report)
    for document in (pdf_pages(pdf), pptx_slides(pptx)):
        assert len(document) == 3
        assert 'ta="graphene" & pd>2010' in document[0].text
        assert "R&D <b>not bold</b> “quoted” \u2013 95 % · año" in document[1].text
    members = zip_members(build_zip(report, pdf=pdf, pptx=pptx))
    assert "R&D <b>not bold</b>" in members["descriptions/01-publication_trend.md"].decode()


def test_a_very_long_description_still_keeps_one_chart_per_page():
    long_text = "\n\n".join(["The filings rose steadily in every year of the window. " * 12] * 8)
    pages = pdf_pages(build_pdf(content(long_text)))
    assert len(pages) == 3 and all(page.images for page in pages[1:])
    assert "The filings rose steadily" in pages[2].text
