"""A small picture of each analysis for the wizard: the real chart, drawn from a built-in sample.

The sample (`sample_canonical`) is a record-level dataset generated here, deterministically, with
every field an analysis may need (dates, applicants, inventors, offices, CPC and IPC codes,
families, legal status, citations), so every analysis in the registry can draw from it. A
thumbnail goes through the same path as a job's chart (`Analysis.compute`, then `render_chart`)
at a small size, so what the analyst sees in the picker is what the analysis draws.

Thumbnails are drawn on first request and kept on local disk under `MEDIA_ROOT/thumbnails/`,
named by analysis key, version, language and `THUMBNAIL_VERSION`; a new analysis version gets a
new file, and nothing needs the network or a build step. The folder is not swept by the orphan
sweep (see `apps.jobs.housekeeping.SWEPT_FOLDERS`) and can be deleted at any time.
`manage.py render_thumbnails` draws them all ahead of time.
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
import os
import random
import tempfile
import threading
from pathlib import Path
from typing import TYPE_CHECKING

from django.conf import settings

from apps.datasets.canonical import CanonicalData, publication_schema

from .analyses import REGISTRY, get_analysis

if TYPE_CHECKING:
    from .style import Style

logger = logging.getLogger(__name__)

# Bump when the sample or the thumbnail style changes: old files are then never served.
THUMBNAIL_VERSION = 1
THUMBNAIL_FOLDER = "thumbnails"
LANGUAGES = ("en", "es")
# 4.8 x 3 in at 72 dpi: 346 x 216 px, sharp at the ~170 px the picker shows them on a 2x screen.
THUMBNAIL_STYLE = {"width": 4.8, "height": 3.0, "dpi": 72, "font_size": 8, "formats": ["png"]}
SAMPLE_SEED = 2024
SAMPLE_SOURCE = "Intelli_sample_data"  # the footer reads "Source: Intelli sample data"

# Matplotlib is not thread-safe and daphne runs sync views on a thread pool: one drawing at a time.
_draw_lock = threading.Lock()

_APPLICANTS = (
    ("ACME SENSORS", "US"),
    ("BETA UNIVERSITY", "CN"),
    ("GAMMA GMBH", "DE"),
    ("DELTA ENERGY", "JP"),
    ("EPSILON KK", "JP"),
    ("ZETA LTD", "KR"),
    ("ETA SA", "FR"),
    ("THETA INC", "US"),
    ("IOTA INSTITUTE", "CN"),
    ("KAPPA AB", "SE"),
)
_OFFICES = ("EP", "US", "CN", "JP", "KR", "WO", "DE")
_CPC = (
    "G01N33/24",
    "G01N33/18",
    "A01B79/00",
    "C02F1/28",
    "C02F1/44",
    "H01M10/42",
    "H01M4/583",
    "B09C1/10",
    "Y02E60/10",
)
_STATUSES = ("active", "active", "pending", "pending", "discontinued", "expired", "inactive")
_WORDS = ("sensor", "soil", "remediation", "electrode", "membrane", "plant", "metal", "detection")


@functools.lru_cache(maxsize=1)
def sample_canonical() -> CanonicalData:
    """A record-level dataset of ~250 made-up publications, filed 2006-2023, the same every time.

    Activity grows over the years and a few applicants lead, like a real landscape, so each chart
    shows its shape; the names are invented.
    """
    import polars as pl

    rng = random.Random(SAMPLE_SEED)  # noqa: S311 -- made-up sample data, not security
    rows = []
    years = [2006 + i for i in range(18) for _ in range(1 + round(i * 0.8))]  # more families each year
    weights = [10 - i for i in range(len(_APPLICANTS))]
    for family, year in enumerate(years, start=1):
        priority = dt.date(year, rng.randint(1, 12), rng.randint(1, 28))
        # Newcomers: the later applicants only file from later years on.
        eligible = [a for i, a in enumerate(_APPLICANTS) if year >= 2006 + 1.5 * i]
        chosen = rng.choices(eligible, weights[: len(eligible)], k=rng.choice((1, 1, 1, 2)))
        applicants = list(dict.fromkeys(name for name, _ in chosen))
        countries = list(dict.fromkeys(cc for _, cc in chosen))
        cpc = rng.sample(_CPC, rng.randint(1, 3))
        offices = rng.sample(_OFFICES, rng.choice((1, 1, 2, 3)))
        numbers = [f"{office}{100000 + family * 10 + i}A1" for i, office in enumerate(offices)]
        for number, office in zip(numbers, offices, strict=True):
            published = priority + dt.timedelta(days=rng.randint(120, 420))
            granted = rng.random() < 0.4
            rows.append(
                {
                    "publication_number": number,
                    "jurisdiction": office,
                    "kind": "A1",
                    "family_id": str(50000000 + family),
                    "application_date": priority,
                    "priority_date": priority,
                    "publication_date": published,
                    "grant_date": published + dt.timedelta(days=500) if granted else None,
                    "title": " ".join(rng.sample(_WORDS, 4)).capitalize(),
                    "abstract": None,
                    "applicants": applicants,
                    "applicants_raw": applicants,
                    "applicant_countries": countries,
                    "inventors": [f"INVENTOR {rng.randint(1, 40):02d}" for _ in range(rng.randint(1, 3))],
                    "inventor_countries": countries,
                    "cpc": cpc,
                    "ipc": [code.split("/")[0] + "/00" for code in cpc],
                    "legal_status": rng.choice(_STATUSES),
                    "cited_by_count": int(rng.expovariate(1 / 6)),
                    "cites_count": rng.randint(0, 12),
                    "family_size": len(numbers),
                    "family_members": numbers,
                    "source": SAMPLE_SOURCE,
                }
            )
    frame = pl.DataFrame(rows, schema=publication_schema())
    return CanonicalData(
        source_format=SAMPLE_SOURCE, meta={"records": frame.height, "query": None}, publications=frame
    )


def thumbnail_style(language: str) -> Style:
    from .style import Style

    return Style.model_validate({**THUMBNAIL_STYLE, "language": language})


def thumbnail_render(*, key: str, language: str = "en") -> bytes:
    """The PNG of analysis `key` drawn from the sample, with its default parameters."""
    from .rendering import render_chart

    analysis = get_analysis(key)
    chart = analysis.compute(sample_canonical(), analysis.params_model())
    with _draw_lock:
        return render_chart(analysis, chart, thumbnail_style(language))["png"]


def thumbnail_path(*, key: str, language: str) -> Path:
    analysis = get_analysis(key)
    name = f"{key}-v{analysis.version}-{language}-t{THUMBNAIL_VERSION}.png"
    return Path(settings.MEDIA_ROOT) / THUMBNAIL_FOLDER / name


def thumbnail_png(*, key: str, language: str = "en") -> Path:
    """The thumbnail's file, drawn and stored first if it is not there yet (`KeyError`: unknown key)."""
    if language not in LANGUAGES:
        language = "en"
    path = thumbnail_path(key=key, language=language)
    if path.is_file():
        return path
    png = thumbnail_render(key=key, language=language)
    path.parent.mkdir(parents=True, exist_ok=True)
    # Written aside and renamed: two requests drawing the same thumbnail never serve half a file.
    fd, temporary = tempfile.mkstemp(prefix=f".{path.stem}-", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(png)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return path


def thumbnails_render_all(*, force: bool = False) -> list[Path]:
    """Draw every analysis' thumbnail in every language (the management command)."""
    paths = []
    for key in REGISTRY:
        for language in LANGUAGES:
            if force:
                thumbnail_path(key=key, language=language).unlink(missing_ok=True)
            paths.append(thumbnail_png(key=key, language=language))
    return paths
