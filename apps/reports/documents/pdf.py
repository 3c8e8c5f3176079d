"""The report as a PDF, drawn with ReportLab: a title page, then one page per chart.

Why ReportLab: it writes PDF in Python with no browser, no network and no system libraries
(Pillow reads the PNGs), has been maintained since 2000 (BSD licence), and its layout engine
(platypus) wraps and shrinks text, which a chart page with a description of unknown length
needs. The fonts are the DejaVu Sans files that matplotlib ships (already installed for the
charts): embedded, so accents, dashes and "·" print in any viewer, in English and Spanish.

Every chart stays on its own page: its description and source line are shrunk to fit the space
left under the image rather than spilling onto another page.

Speed (bench/report_pack.py): the images are the cost. Each PNG is decoded once by Pillow, its
opaque alpha channel dropped (no soft mask to build), charts drawn above 1,800 px wide are halved
(the page shows them 174 mm wide: 1,200 px and more is 175+ ppi, and the full-size PNG is in the
ZIP), and streams are written binary rather than ASCII85 (which ReportLab encodes in pure Python
and which makes the file a quarter larger).
"""

from __future__ import annotations

import io
import threading
from pathlib import Path
from xml.sax.saxutils import escape

from PIL import Image as PILImage
from reportlab import rl_config
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import (
    Flowable,
    KeepInFrame,
    PageBreak,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from ..content import ReportContent, records_text, years_text
from ..labels import text
from . import png_size

FONT, FONT_BOLD = "IntelliSans", "IntelliSans-Bold"
MARGIN = 18 * mm
PAGE_WIDTH, PAGE_HEIGHT = A4
FRAME_WIDTH = PAGE_WIDTH - 2 * MARGIN
FRAME_HEIGHT = PAGE_HEIGHT - 2 * MARGIN
MAX_IMAGE_HEIGHT = 125 * mm
TITLE_BLOCK = 14 * mm  # the chart title and the space under it
INK = colors.HexColor("#1f2933")
MUTED = colors.HexColor("#52606d")
MAX_IMAGE_PX = 1800

# Binary streams: valid PDF since 1.0; ASCII85 only adds size and a pure-Python encoding pass.
rl_config.useA85 = 0

_fonts_lock = threading.Lock()
_fonts_registered = False


def _register_fonts() -> None:
    global _fonts_registered
    with _fonts_lock:
        if _fonts_registered:
            return
        import matplotlib  # only for the path of the fonts it ships

        folder = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
        pdfmetrics.registerFont(TTFont(FONT, str(folder / "DejaVuSans.ttf")))
        pdfmetrics.registerFont(TTFont(FONT_BOLD, str(folder / "DejaVuSans-Bold.ttf")))
        pdfmetrics.registerFontFamily(FONT, normal=FONT, bold=FONT_BOLD, italic=FONT, boldItalic=FONT_BOLD)
        _fonts_registered = True


def _styles() -> dict[str, ParagraphStyle]:
    base = ParagraphStyle("body", fontName=FONT, fontSize=10.5, leading=14.5, textColor=INK)
    return {
        "body": base,
        "kicker": ParagraphStyle("kicker", parent=base, fontSize=12, textColor=MUTED, spaceAfter=6),
        "title": ParagraphStyle(
            "title", parent=base, fontName=FONT_BOLD, fontSize=26, leading=32, spaceAfter=18
        ),
        "h2": ParagraphStyle("h2", parent=base, fontName=FONT_BOLD, fontSize=16, leading=20),
        "label": ParagraphStyle("label", parent=base, fontName=FONT_BOLD, fontSize=9.5, textColor=MUTED),
        "cell": ParagraphStyle("cell", parent=base, fontSize=10, leading=13.5),
        "note": ParagraphStyle("note", parent=base, fontSize=8.5, leading=11, textColor=MUTED, spaceBefore=6),
        "source": ParagraphStyle(
            "source", parent=base, fontSize=8, leading=10.5, textColor=MUTED, spaceBefore=8
        ),
    }


def _markup(value: str) -> str:
    return escape(value).replace("\n", "<br/>")


def _paragraphs(value: str, style: ParagraphStyle) -> list[Paragraph]:
    blocks = [block.strip() for block in value.replace("\r\n", "\n").split("\n\n")]
    return [Paragraph(_markup(block), style) for block in blocks if block]


def _title_page(content: ReportContent, styles: dict[str, ParagraphStyle]) -> list:
    language = content.language
    flow: list = [
        Paragraph(_markup(text("title.page_kicker", language)), styles["kicker"]),
        Paragraph(_markup(content.title), styles["title"]),
    ]
    for info in content.datasets:
        rows = [
            (text("field.dataset", language), info.name),
            (text("field.query", language), info.query or text("field.no_query", language)),
            (text("field.records", language), records_text(info, language)),
            (text("field.years", language), years_text(info, language)),
            (text("field.sources", language), info.sources()),
        ]
        table = Table(
            [
                [Paragraph(_markup(k), styles["label"]), Paragraph(_markup(v), styles["cell"])]
                for k, v in rows
            ],
            colWidths=[38 * mm, FRAME_WIDTH - 38 * mm],
        )
        table.setStyle(
            TableStyle(
                [
                    ("VALIGN", (0, 0), (-1, -1), "TOP"),
                    ("LINEBELOW", (0, -1), (-1, -1), 0.5, colors.HexColor("#cbd2d9")),
                    ("BOTTOMPADDING", (0, 0), (-1, -1), 5),
                ]
            )
        )
        flow += [table, Spacer(1, 8 * mm)]
    flow.append(
        Paragraph(_markup(f"{text('field.charts', language)}: {len(content.charts)}"), styles["body"])
    )
    flow.append(Paragraph(_markup(text("generated_by", language, date=content.date_text())), styles["note"]))
    return [KeepInFrame(FRAME_WIDTH, FRAME_HEIGHT, flow, mode="shrink"), PageBreak()]


class _Picture(Flowable):
    """A chart image, decoded once and handed to ReportLab as pixels (no re-reading of the PNG)."""

    def __init__(self, png: bytes, width: float, height: float) -> None:
        super().__init__()
        self.width, self.height = width, height
        image = PILImage.open(io.BytesIO(png))
        image.load()
        if image.mode not in ("RGB", "RGBA"):
            image = image.convert("RGBA")
        if image.width > MAX_IMAGE_PX:  # first: everything after works on a quarter of the pixels
            image = image.reduce(-(-image.width // MAX_IMAGE_PX))
        self.image = _flatten(image) if image.mode == "RGBA" else image

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        return self.width, self.height

    def draw(self) -> None:
        self.canv.drawImage(ImageReader(self.image), 0, 0, self.width, self.height)


def _flatten(rgba: PILImage.Image) -> PILImage.Image:
    """RGB on white: charts are opaque, so this only drops the alpha channel."""
    alpha = rgba.getchannel("A")
    if alpha.getextrema() == (255, 255):
        return rgba.convert("RGB")
    background = PILImage.new("RGB", rgba.size, (255, 255, 255))
    background.paste(rgba, mask=alpha)
    return background


def _chart_page(chart, content: ReportContent, styles: dict[str, ParagraphStyle], last: bool) -> list:
    width_px, height_px = png_size(chart.png)
    width = FRAME_WIDTH
    height = width * height_px / width_px
    if height > MAX_IMAGE_HEIGHT:
        height = MAX_IMAGE_HEIGHT
        width = height * width_px / height_px
    text_block = [
        *(_paragraphs(chart.description, styles["body"]) if chart.description else []),
        Paragraph(_markup(chart.description_note), styles["note"]),
        Paragraph(_markup(chart.source_line), styles["source"]),
    ]
    remaining = FRAME_HEIGHT - TITLE_BLOCK - height - 8 * mm
    flow = [
        Paragraph(_markup(f"{chart.number}. {chart.title}"), styles["h2"]),
        Spacer(1, 4 * mm),
        _Picture(chart.png, width, height),
        Spacer(1, 4 * mm),
        KeepInFrame(FRAME_WIDTH, remaining, text_block, mode="shrink"),
    ]
    return flow if last else [*flow, PageBreak()]


def _page_number(canvas, doc) -> None:
    canvas.saveState()
    canvas.setFont(FONT, 8)
    canvas.setFillColor(MUTED)
    canvas.drawRightString(PAGE_WIDTH - MARGIN, MARGIN / 2, str(doc.page))
    canvas.restoreState()


def build_pdf(content: ReportContent) -> bytes:
    _register_fonts()
    styles = _styles()
    buffer = io.BytesIO()
    document = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=MARGIN,
        bottomMargin=MARGIN,
        title=content.title,
        author="Intelli",
        subject=content.datasets[0].query or content.title if content.datasets else content.title,
        creator="Intelli",
        lang=content.language,
    )
    story = _title_page(content, styles)
    if not content.charts:
        story.pop()  # no PageBreak after the title page
    for index, chart in enumerate(content.charts):
        story += _chart_page(chart, content, styles, last=index == len(content.charts) - 1)
    document.build(story, onFirstPage=_page_number, onLaterPages=_page_number)
    return buffer.getvalue()
