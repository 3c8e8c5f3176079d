"""Read a report's three files back, as an analyst's tools would."""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass

from pptx import Presentation
from pypdf import PdfReader


def normalise(text: str) -> str:
    return re.sub(r"\s+", " ", text.replace("\u00a0", " ")).strip()


@dataclass
class Page:
    text: str
    images: int


def pdf_pages(data: bytes) -> list[Page]:
    reader = PdfReader(io.BytesIO(data))
    return [Page(normalise(page.extract_text()), len(page.images)) for page in reader.pages]


def pptx_slides(data: bytes) -> list[Page]:
    deck = Presentation(io.BytesIO(data))
    slides = []
    for slide in deck.slides:
        texts = [shape.text_frame.text for shape in slide.shapes if shape.has_text_frame]
        pictures = sum(1 for shape in slide.shapes if shape.shape_type == 13)  # MSO_SHAPE_TYPE.PICTURE
        slides.append(Page(normalise(" ".join(texts)), pictures))
    return slides


def zip_members(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert archive.testzip() is None
        return {name: archive.read(name) for name in archive.namelist()}
