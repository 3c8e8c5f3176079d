"""The report as a PowerPoint deck (python-pptx): a title slide, then one slide per chart.

16:9 slides; the chart on the left at its own aspect ratio, its description on the right (the
type size steps down for long texts, and PowerPoint's shrink-on-overflow is set), the source line
along the bottom. The description is also put in the speaker notes, where a presenter reads it.
"""

from __future__ import annotations

import io

from pptx import Presentation
from pptx.dml.color import RGBColor
from pptx.enum.text import MSO_AUTO_SIZE
from pptx.util import Emu, Inches, Pt

from ..content import ReportContent, records_text, years_text
from ..labels import text
from . import png_size

SLIDE_WIDTH, SLIDE_HEIGHT = Inches(13.333), Inches(7.5)
BLANK_LAYOUT = 6
INK = RGBColor(0x1F, 0x29, 0x33)
MUTED = RGBColor(0x52, 0x60, 0x6D)
LANGUAGE_TAGS = {"en": "en-GB", "es": "es-ES"}


def _textbox(slide, box, paragraphs, *, size: float, color=INK, bold=False, fit=False):
    """A text box at `box` (left, top, width, height in inches), one paragraph per string."""
    frame = slide.shapes.add_textbox(*(Inches(value) for value in box)).text_frame
    frame.word_wrap = True
    if fit:
        frame.auto_size = MSO_AUTO_SIZE.TEXT_TO_FIT_SHAPE
    for index, value in enumerate(paragraphs):
        paragraph = frame.paragraphs[0] if index == 0 else frame.add_paragraph()
        run = paragraph.add_run()
        run.text = value
        run.font.size = Pt(size)
        run.font.bold = bold
        run.font.color.rgb = color
        if index:
            paragraph.space_before = Pt(size * 0.6)
    return frame


def _description_size(description: str) -> float:
    length = len(description)
    if length <= 500:
        return 14
    if length <= 900:
        return 12
    if length <= 1400:
        return 10.5
    return 9


def _title_slide(deck, content: ReportContent) -> None:
    language = content.language
    slide = deck.slides.add_slide(deck.slide_layouts[BLANK_LAYOUT])
    _textbox(slide, (0.8, 0.7, 11.7, 0.5), [text("title.page_kicker", language)], size=16, color=MUTED)
    _textbox(slide, (0.8, 1.2, 11.7, 1.3), [content.title], size=36, bold=True, fit=True)
    lines: list[str] = []
    for info in content.datasets:
        lines += [
            f"{text('field.dataset', language)}: {info.name}",
            f"{text('field.query', language)}: {info.query or text('field.no_query', language)}",
            f"{text('field.records', language)}: {records_text(info, language)} · "
            f"{text('field.years', language)}: {years_text(info, language)}",
            f"{text('field.sources', language)}: {info.sources()}",
        ]
    lines.append(f"{text('field.charts', language)}: {len(content.charts)}")
    _textbox(slide, (0.8, 2.8, 11.7, 3.6), lines, size=16, fit=True)
    generated = text("generated_by", language, date=content.date_text())
    _textbox(slide, (0.8, 6.6, 11.7, 0.4), [generated], size=11, color=MUTED)


def _chart_slide(deck, chart) -> None:
    slide = deck.slides.add_slide(deck.slide_layouts[BLANK_LAYOUT])
    _textbox(slide, (0.5, 0.3, 12.3, 0.7), [f"{chart.number}. {chart.title}"], size=26, bold=True)
    width_px, height_px = png_size(chart.png)
    box_width, box_height = Inches(8.0), Inches(5.5)
    width = box_width
    height = Emu(int(width * height_px / width_px))
    if height > box_height:
        height = box_height
        width = Emu(int(height * width_px / height_px))
    slide.shapes.add_picture(io.BytesIO(chart.png), Inches(0.5), Inches(1.15), width, height)
    paragraphs = [block.strip() for block in chart.description.split("\n\n") if block.strip()]
    size = _description_size(chart.description)
    _textbox(slide, (8.8, 1.15, 4.1, 5.0), paragraphs or [chart.description_note], size=size, fit=True)
    if paragraphs:
        _textbox(slide, (8.8, 6.2, 4.1, 0.45), [chart.description_note], size=9, color=MUTED, fit=True)
    _textbox(slide, (0.5, 6.75, 12.3, 0.6), [chart.source_line], size=9, color=MUTED, fit=True)
    slide.notes_slide.notes_text_frame.text = chart.description or chart.description_note


def build_pptx(content: ReportContent) -> bytes:
    deck = Presentation()
    deck.slide_width, deck.slide_height = SLIDE_WIDTH, SLIDE_HEIGHT
    deck.core_properties.title = content.title
    deck.core_properties.author = "Intelli"
    deck.core_properties.language = LANGUAGE_TAGS.get(content.language, content.language)
    _title_slide(deck, content)
    for chart in content.charts:
        _chart_slide(deck, chart)
    buffer = io.BytesIO()
    deck.save(buffer)
    return buffer.getvalue()
