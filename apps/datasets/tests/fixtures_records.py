"""Generated record-level exports: every format and variant, with every quirk, and known values.

The real exports in ../shared/data are not part of the project, so the suite builds its own. Each
builder writes the same small set of publications (`SAMPLES`, below) the way one export writes
them — Espacenet's results list (CSV, or Excel with or without the Abstract column), Lens.org in
its three generations, Google Patents as downloaded and as re-saved by Excel — so tests assert
against these constants: the canonical values every parser must arrive at (`Sample.expected_*`).

Quirks, per builder:
- `build_espacenet_csv`: the 7-line preamble, ";", CRLF, multi-line quoted cells, "[CC]" names,
  "(EP,US)" CPC suffixes and a combination set, "dd.mm.yyyy" for single and "yyyy-mm-dd" lines for
  several publications, a date cell with fewer dates than publications, abstracts in Windows-1252
  in an otherwise UTF-8 file (one line holds both).
- `build_espacenet_xlsx`: a "Query" sheet and a "Results" sheet; `abstract=False` leaves the
  Abstract column out; one date cell is a real Excel date.
- `build_lens_csv(generation)`: "current" (37 columns, BOM, CRLF, ";;" multi-values with repeats,
  Legal Status), "2021" (31 columns: Publication Number, Type, Owners (US)), "2015" (25 columns, CR
  line ends, dd/mm/yy dates).
- `build_google_csv`: the "search URL:" line and ", "-joined assignees with "Co., Ltd." and "Inc.";
  `excel=True` drops the URL line, uses ";" and Windows-1252, and writes dates "dd/mm/yyyy" or
  "m/d/yyyy"; `repeat_to` pads the export past 1,000 rows by repeating ids, as Google does.
- `build_lens_scholarly_csv`, `build_unrelated_csv`: files to refuse.

`generate_records(n)` and the `*_from_records` writers make the 100,000-record benchmark inputs
(bench/ingest.py) quickly; `write_xlsx_fast` writes a large workbook without openpyxl.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import random
import zipfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from xml.sax.saxutils import escape

from openpyxl import Workbook

D = dt.date


@dataclass(frozen=True)
class Sample:
    """One publication, the way each export writes it, and what the canonical table must hold."""

    number: str  # canonical publication number
    espacenet_numbers: tuple[str, ...]  # the "Publication number" cell: this one first, then family
    espacenet_dates: tuple[str, ...]  # the "Publication date" cell, as Espacenet writes it
    lens_key: str  # Lens "Display Key"
    lens_id: str
    lens_family: tuple[str, ...]  # Simple Family Members (Lens IDs)
    google_id: str
    family: str  # Espacenet family number
    title: str
    abstract: str
    espacenet_applicants: tuple[str, ...]
    lens_applicants: tuple[str, ...]
    google_assignee: str
    espacenet_inventors: tuple[str, ...]
    lens_inventors: tuple[str, ...]
    google_inventor: str
    publication_date: dt.date
    priority_date: dt.date
    application_date: dt.date
    grant_date: dt.date | None
    cpc: tuple[str, ...]  # as Espacenet writes them, with offices
    ipc: tuple[str, ...]
    legal_status: str  # as Lens writes it
    cited_by: int
    cites: int
    family_size: int
    document_type: str  # Lens: "Granted Patent" / "Patent Application"
    # Expected canonical values
    expected_applicants: tuple[str, ...] = ()
    expected_google_applicants: tuple[str, ...] = ()
    expected_inventors: tuple[str, ...] = ()
    expected_cpc: tuple[str, ...] = ()
    expected_ipc: tuple[str, ...] = ()
    expected_legal_status: str = ""
    extra: Mapping[str, Any] = field(default_factory=dict)

    @property
    def jurisdiction(self) -> str:
        return self.number[:2]


# The EP and the JP publication are one family (with a third member the exports do not list).
LINKED_FAMILY = ("010-000-000-000-001", "060-000-000-000-006", "009-999-999-999-999")
LINKED_FAMILY_ID = "70000001"
LENS_LINKED_FAMILY_ID = "lens:009-999-999-999-999"

SAMPLES: tuple[Sample, ...] = (
    Sample(
        number="EP3000001A1",
        espacenet_numbers=("EP3000001A1", "EP3000001B1"),
        espacenet_dates=("2019-05-02", "2021-03-10"),
        lens_key="EP 3000001 A1",
        lens_id="010-000-000-000-001",
        lens_family=LINKED_FAMILY,
        google_id="EP-3000001-A1",
        family="70000001",
        title="Graphene anode for lithium cells",
        abstract="An anode comprising graphene sheets.",
        espacenet_applicants=("SAMSUNG SDI CO LTD [KR]",),
        lens_applicants=("SAMSUNG SDI CO LTD",),
        google_assignee="Samsung Sdi Co., Ltd.",
        espacenet_inventors=("KIM JONG-HO [KR]", "PARK SOO-JIN [KR]"),
        lens_inventors=("KIM JONG-HO", "PARK SOO-JIN"),
        google_inventor="Kim Jong-ho, Park Soo-jin",
        publication_date=D(2019, 5, 2),
        priority_date=D(2018, 1, 15),
        application_date=D(2018, 6, 1),
        grant_date=D(2021, 3, 10),
        cpc=("H01M4/583 (EP,US)", "Y02E60/10 (EP)", "H01M4/583 (KR)"),
        ipc=("H01M4/583", "H01M4/62"),
        legal_status="ACTIVE",
        cited_by=4,
        cites=10,
        family_size=3,
        document_type="Patent Application",
        expected_applicants=("SAMSUNG SDI",),
        expected_google_applicants=("SAMSUNG SDI",),
        expected_inventors=("KIM JONG-HO", "PARK SOO-JIN"),
        expected_cpc=("H01M4/583", "Y02E60/10"),
        expected_ipc=("H01M4/583", "H01M4/62"),
        expected_legal_status="active",
    ),
    Sample(
        number="US20200012345A1",
        espacenet_numbers=("US2020012345A1",),  # Espacenet's ten digits
        espacenet_dates=("09.01.2020",),
        lens_key="US 2020/0012345 A1",
        lens_id="020-000-000-000-002",
        lens_family=("020-000-000-000-002",),
        google_id="US-20200012345-A1",
        family="70000002",
        title="Método de síntesis de grafeno",  # UTF-8 title
        abstract="Procédé de fabrication à basse température.",  # Windows-1252 in the Espacenet CSV
        espacenet_applicants=("UNIV TSINGHUA [CN]", "GEARBOX INC [US]"),
        lens_applicants=("UNIV TSINGHUA", "GEARBOX INC", "UNIV TSINGHUA"),  # Lens repeats values
        google_assignee="Tsinghua University, Gearbox, Inc.",
        espacenet_inventors=("ZHANG WEI [CN]", "MÜLLER ANNA"),  # no [CC]: some inventors have none
        lens_inventors=("ZHANG WEI", "MÜLLER ANNA"),
        google_inventor="Zhang Wei, Müller Anna",
        publication_date=D(2020, 1, 9),
        priority_date=D(2019, 7, 4),
        application_date=D(2019, 7, 4),
        grant_date=None,
        cpc=("C01B32/184 (CN,US)", "C01B32/194, C01B32/184, INV (US)"),  # a combination set
        ipc=("C01B32/184",),
        legal_status="PENDING",
        cited_by=0,
        cites=3,
        family_size=1,
        document_type="Patent Application",
        expected_applicants=("UNIVERSITY TSINGHUA", "GEARBOX"),
        expected_google_applicants=("TSINGHUA UNIVERSITY", "GEARBOX"),
        expected_inventors=("ZHANG WEI", "MÜLLER ANNA"),
        expected_cpc=("C01B32/184", "C01B32/194"),
        expected_ipc=("C01B32/184",),
        expected_legal_status="pending",
    ),
    Sample(
        number="US9833479B2",
        espacenet_numbers=("US9833479B2",),
        espacenet_dates=("05.12.2017",),
        lens_key="US 9833479 B2",
        lens_id="030-000-000-000-003",
        lens_family=("030-000-000-000-003", "030-000-000-000-004"),
        google_id="US-9833479-B2",
        family="70000003",
        title="Gene correction of SCID-related genes",
        abstract="Targeted integration of a functional gene.",
        espacenet_applicants=("SANGAMO THERAPEUTICS INC [US]",),
        lens_applicants=("SANGAMO THERAPEUTICS INC",),
        google_assignee="Sangamo Therapeutics, Inc.",
        espacenet_inventors=("CONWAY ANTHONY [US]", "HOLMES MICHAEL C [US]"),
        lens_inventors=("CONWAY ANTHONY", "HOLMES MICHAEL C"),
        google_inventor="Conway Anthony, Holmes Michael C.",
        publication_date=D(2017, 12, 5),
        priority_date=D(2014, 7, 30),
        application_date=D(2017, 3, 14),
        grant_date=D(2017, 12, 5),
        cpc=("C12N9/22 (EP,US)", "A61K35/28 (US)"),
        ipc=("C12N9/22", "A61K35/28"),
        legal_status="EXPIRED",
        cited_by=5,
        cites=98,
        family_size=2,
        document_type="Granted Patent",
        expected_applicants=("SANGAMO THERAPEUTICS",),
        expected_google_applicants=("SANGAMO THERAPEUTICS",),
        expected_inventors=("CONWAY ANTHONY", "HOLMES MICHAEL C"),
        expected_cpc=("C12N9/22", "A61K35/28"),
        expected_ipc=("C12N9/22", "A61K35/28"),
        expected_legal_status="expired",
    ),
    Sample(
        number="CN104000004A",
        espacenet_numbers=("CN104000004A",),
        espacenet_dates=("27.08.2014",),
        lens_key="CN 104000004 A",
        lens_id="040-000-000-000-004",
        lens_family=("040-000-000-000-004",),
        google_id="CN-104000004-A",
        family="70000004",
        title="Heavy metal sensor",
        abstract="A sensor for cadmium in soil.",
        espacenet_applicants=("UNIV ZHEJIANG [CN]",),
        lens_applicants=("UNIV ZHEJIANG",),
        google_assignee="Univ Zhejiang",
        espacenet_inventors=("LI JING [CN]",),
        lens_inventors=("LI JING",),
        google_inventor="Li Jing",
        publication_date=D(2014, 8, 27),
        priority_date=D(2014, 5, 20),
        application_date=D(2014, 5, 20),
        grant_date=None,
        cpc=("G01N33/24 (CN)",),
        ipc=("G01N33/24",),
        legal_status="DISCONTINUED",
        cited_by=1,
        cites=0,
        family_size=1,
        document_type="Patent Application",
        expected_applicants=("UNIVERSITY ZHEJIANG",),
        expected_google_applicants=("UNIVERSITY ZHEJIANG",),
        expected_inventors=("LI JING",),
        expected_cpc=("G01N33/24",),
        expected_ipc=("G01N33/24",),
        expected_legal_status="discontinued",
    ),
    Sample(
        number="WO2021123456A1",
        espacenet_numbers=("WO2021123456A1",),
        espacenet_dates=("17.06.2021",),
        lens_key="WO 2021/123456 A1",
        lens_id="050-000-000-000-005",
        lens_family=("050-000-000-000-005",),
        google_id="WO-2021123456-A1",
        family="70000005",
        title="Fuel assembly spacer",
        abstract="A spacer grid with springs at 15° to the axis.",  # ° in Windows-1252
        espacenet_applicants=("FRAMATOME [FR]", "MICHELIN RECHERCHE ET TECHNIQUE S A [CH]"),
        lens_applicants=("FRAMATOME", "MICHELIN RECHERCHE ET TECHNIQUE S A"),
        google_assignee="Framatome, Michelin Recherche Et Technique S.A.",
        espacenet_inventors=("DUPONT JEAN [FR]",),
        lens_inventors=("DUPONT JEAN",),
        google_inventor="Dupont Jean",
        publication_date=D(2021, 6, 17),
        priority_date=D(2019, 12, 13),
        application_date=D(2020, 12, 10),
        grant_date=None,
        cpc=("G21C3/34 (EP,US)", "Y02E30/30 (EP,US)"),
        ipc=("G21C3/34",),
        legal_status="INACTIVE",
        cited_by=0,
        cites=2,
        family_size=1,
        document_type="Patent Application",
        expected_applicants=("FRAMATOME", "MICHELIN RECHERCHE ET TECHNIQUE"),
        expected_google_applicants=("FRAMATOME", "MICHELIN RECHERCHE ET TECHNIQUE"),
        expected_inventors=("DUPONT JEAN",),
        expected_cpc=("G21C3/34", "Y02E30/30"),
        expected_ipc=("G21C3/34",),
        expected_legal_status="inactive",
    ),
    Sample(
        number="JP2016500006A",
        espacenet_numbers=("JP2016500006A", "JP6500006B2"),
        espacenet_dates=("2016-01-07",),  # fewer dates than publications
        lens_key="JP 2016500006 A",
        lens_id="060-000-000-000-006",
        lens_family=LINKED_FAMILY,
        google_id="JP-2016500006-A",
        family="70000001",  # the same family as the EP publication
        title="Table tennis score display",
        abstract="A display with shock sensors.",
        espacenet_applicants=("TOYOTA MOTOR CO LTD [JP]",),
        lens_applicants=("TOYOTA MOTOR CO LTD",),
        google_assignee="トヨタ自動車株式会社, Toyota Motor Co., Ltd.",
        espacenet_inventors=("SATO HIROSHI [JP]",),
        lens_inventors=("SATO HIROSHI",),
        google_inventor="Sato Hiroshi",
        publication_date=D(2016, 1, 7),
        priority_date=D(2013, 4, 25),
        application_date=D(2014, 4, 24),
        grant_date=None,
        cpc=("A63B71/06 (JP)",),
        ipc=("A63B71/06",),
        legal_status="PATENTED",
        cited_by=2,
        cites=1,
        family_size=3,
        document_type="Patent Application",
        expected_applicants=("TOYOTA MOTOR",),
        expected_google_applicants=("トヨタ自動車", "TOYOTA MOTOR"),
        expected_inventors=("SATO HIROSHI",),
        expected_cpc=("A63B71/06",),
        expected_ipc=("A63B71/06",),
        expected_legal_status="active",
    ),
)
RECORDS = len(SAMPLES)
BY_NUMBER = {sample.number: sample for sample in SAMPLES}
QUERY = 'ctxt all "graphene" AND pd > "2010"'
GOOGLE_URL = "https://patents.google.com/?q=CPC%253dG01N33%252f24&clustered=true"
GOOGLE_QUERY = "CPC=G01N33/24"
CR, LF, CRLF = "\r", "\n", "\r\n"

# --- Espacenet results list ---------------------------------------------------------------------

ESPACENET_HEADER = (
    "No",
    "Title",
    "Abstract",
    "Inventors",
    "Applicants",
    "Publication number",
    "Earliest priority",
    "IPC",
    "CPC",
    "Publication date",
    "Earliest publication",
    "Family number",
)


def _dotted(day: dt.date) -> str:
    return day.strftime("%d.%m.%Y")


def espacenet_rows(samples: Sequence[Sample] = SAMPLES, *, abstract: bool = True) -> list[list[Any]]:
    rows = []
    for position, sample in enumerate(samples, start=1):
        row = [
            position,
            sample.title,
            sample.abstract,
            "\n".join(sample.espacenet_inventors),
            "\n".join(sample.espacenet_applicants),
            "\n".join(sample.espacenet_numbers),
            _dotted(sample.priority_date),
            "\n".join(sample.ipc),
            "\n".join(sample.cpc),
            "\n".join(sample.espacenet_dates),
            _dotted(sample.publication_date),
            sample.family,
        ]
        if not abstract:
            del row[2]
        rows.append(row)
    return rows


def espacenet_preamble(records: int, *, query: str = QUERY, found: int | None = None) -> list[str]:
    return [
        "Espacenet",
        "Patent search",
        f"{found if found is not None else records} results found for {query}",
        f"Results 1 to {records} displayed",
        "Query language: en / de / fr",
        "Sort by: Relevance",
        "",
    ]


def build_espacenet_csv(
    samples: Sequence[Sample] = SAMPLES,
    *,
    mixed_encoding: bool = True,
    found: int | None = None,
    separator: str = ";",
) -> bytes:
    """The results list as Espacenet writes it; abstracts in Windows-1252 when `mixed_encoding`."""
    header = list(ESPACENET_HEADER)
    width = len(header)
    lines = [separator.join(_csv_cell(line, separator) for line in [cell, *[""] * (width - 1)])
             for cell in espacenet_preamble(len(samples), found=found)]  # fmt: skip
    out = io.BytesIO()
    for line in lines:
        out.write(line.encode("utf-8") + b"\r\n")
    out.write(separator.join(header).encode("utf-8") + b"\r\n")
    for row in espacenet_rows(samples):
        cells = [_csv_cell(str(value).replace("\n", " \r\n"), separator) for value in row]
        encoded = [cell.encode("utf-8") for cell in cells]
        if mixed_encoding:
            encoded[2] = cells[2].encode("cp1252")  # the abstract, as some Espacenet rows have it
        out.write(separator.encode().join(encoded) + b"\r\n")
    return out.getvalue()


def _csv_cell(value: str, separator: str) -> str:
    if any(ch in value for ch in (separator, '"', "\n", "\r")):
        return '"' + value.replace('"', '""') + '"'
    return value


def build_espacenet_xlsx(samples: Sequence[Sample] = SAMPLES, *, abstract: bool = True) -> bytes:
    """Espacenet's results workbook: a Query sheet and a Results sheet (one date as a real date)."""
    workbook = Workbook(write_only=True)
    query = workbook.create_sheet("Query")
    for line in espacenet_preamble(len(samples)):
        query.append([line or None])
    results = workbook.create_sheet("Results")
    header = [name for name in ESPACENET_HEADER if abstract or name != "Abstract"]
    results.append(header)
    for index, row in enumerate(espacenet_rows(samples, abstract=abstract)):
        if index == 0:  # a priority date Excel turned into a date cell
            row[header.index("Earliest priority")] = dt.datetime.combine(samples[0].priority_date, dt.time())
        results.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


# --- Lens.org ------------------------------------------------------------------------------------

LENS_CURRENT_HEADER = (
    "#", "Jurisdiction", "Kind", "Display Key", "Lens ID", "Publication Date", "Publication Year",
    "Application Number", "Application Date", "Priority Numbers", "Earliest Priority Date", "Title",
    "Abstract", "Applicants", "Inventors", "Owners", "URL", "Document Type", "Has Full Text",
    "Cites Patent Count", "Cited by Patent Count", "Simple Family Size", "Simple Family Members",
    "Simple Family Member Jurisdictions", "Extended Family Size", "Extended Family Members",
    "Extended Family Member Jurisdictions", "Sequence Count", "CPC Classifications",
    "IPCR Classifications", "US Classifications", "NPL Citation Count", "NPL Resolved Citation Count",
    "NPL Resolved Lens ID(s)", "NPL Resolved External ID(s)", "NPL Citations", "Legal Status",
)  # fmt: skip
LENS_2021_HEADER = (
    "#", "Jurisdiction", "Kind", "Publication Number", "Lens ID", "Publication Date", "Publication Year",
    "Application Number", "Application Date", "Priority Numbers", "Earliest Priority Date", "Title",
    "Abstract", "Applicants", "Inventors", "Owners (US)", "URL", "Type", "Has Full Text",
    "Cited by Patent Count", "Simple Family Size", "Extended Family Size", "Sequence Count",
    "CPC Classifications", "IPCR Classifications", "US Classifications", "NPL Citation Count",
    "NPL Resolved Citation Count", "NPL Resolved Lens ID(s)", "NPL Resolved External Id(s)",
    "NPL Citations",
)  # fmt: skip
LENS_2015_HEADER = (
    "Result #", "Jurisdiction", "Kind", "Publication Number", "Lens ID", "Publication Date",
    "Publication Year", "Application Number", "Application Date", "Priority Numbers",
    "Earliest Priority Date", "Title", "Applicants", "Inventors", "URL", "Type", "Has Full Text",
    "Cited by Patent Count", "Simple Family Size", "Extended Family Size", "Sequence Count",
    "CPC Classifications", "IPCR Classifications", "US Classifications", "NPL Citation Count",
)  # fmt: skip
LENS_HEADERS = {"current": LENS_CURRENT_HEADER, "2021": LENS_2021_HEADER, "2015": LENS_2015_HEADER}
# What each generation carries, for tests: canonical fields it cannot fill.
LENS_LACKS = {
    "current": frozenset(),
    "2021": frozenset({"legal_status", "cites_count", "family_id", "family_members"}),
    "2015": frozenset({"legal_status", "cites_count", "abstract", "family_id", "family_members"}),
}


def _lens_values(sample: Sample, position: int, generation: str) -> dict[str, Any]:
    date = (lambda d: d.strftime("%d/%m/%y")) if generation == "2015" else dt.date.isoformat
    codes = [code.split(" (")[0] for code in sample.cpc]
    cpc = ";;".join([*codes, *codes])  # Lens repeats the CPC list
    kind = sample.number[-2:] if sample.number[-2].isalpha() else sample.number[-1]
    # Older generations: a "Publication Number" without the kind; the Kind column carries it.
    number = sample.lens_key if generation == "current" else sample.lens_key.rsplit(" ", 1)[0]
    return {
        "#": position,
        "Result #": position,
        "Jurisdiction": sample.jurisdiction,
        "Kind": kind,
        "Display Key": number,
        "Publication Number": number,
        "Lens ID": sample.lens_id,
        "Publication Date": date(sample.publication_date),
        "Publication Year": sample.publication_date.year,
        "Application Number": f"{sample.jurisdiction} {sample.application_date.year}0001 A",
        "Application Date": date(sample.application_date),
        "Priority Numbers": f"{sample.jurisdiction} {sample.priority_date.year}0001 A",
        "Earliest Priority Date": date(sample.priority_date),
        "Title": sample.title,
        "Abstract": sample.abstract,
        "Applicants": ";;".join(sample.lens_applicants),
        "Inventors": ";;".join(sample.lens_inventors),
        "Owners": "",
        "Owners (US)": "",
        "URL": f"https://lens.org/{sample.lens_id}",
        "Document Type": sample.document_type,
        "Type": sample.document_type,
        "Has Full Text": "yes",
        "Cites Patent Count": sample.cites,
        "Cited by Patent Count": sample.cited_by,
        "Simple Family Size": sample.family_size,
        "Simple Family Members": ";;".join(sample.lens_family),
        "Simple Family Member Jurisdictions": sample.jurisdiction,
        "Extended Family Size": sample.family_size,
        "Extended Family Members": ";;".join(sample.lens_family),
        "Extended Family Member Jurisdictions": sample.jurisdiction,
        "Sequence Count": 0,
        "CPC Classifications": cpc,
        "IPCR Classifications": ";;".join(sample.ipc),
        "US Classifications": "",
        "NPL Citation Count": 0,
        "NPL Resolved Citation Count": 0,
        "NPL Resolved Lens ID(s)": "",
        "NPL Resolved External ID(s)": "",
        "NPL Resolved External Id(s)": "",
        "NPL Citations": "",
        "Legal Status": sample.legal_status,
    }


def build_lens_csv(samples: Sequence[Sample] = SAMPLES, *, generation: str = "current") -> bytes:
    header = LENS_HEADERS[generation]
    rows = [[_lens_values(sample, position, generation)[name] for name in header]
            for position, sample in enumerate(samples, start=1)]  # fmt: skip
    newline = CR if generation == "2015" else CRLF
    text = _write_csv(header, rows, separator=",", newline=newline, quote_all=generation != "2015")
    return b"\xef\xbb\xbf" + text.encode("utf-8")


LENS_SCHOLARLY_HEADER = (
    "Lens ID", "Title", "Date Published", "Publication Year", "Publication Type", "Source Title", "ISSNs",
    "Publisher", "Source Country", "Author/s", "Abstract", "Volume", "Issue Number", "Start Page",
    "End Page", "Fields of Study", "Keywords", "MeSH Terms", "Chemicals", "Funding", "Source URLs",
    "External URL", "PMID", "DOI", "Microsoft Academic ID", "PMCID", "Citing Patents Count", "References",
    "Citing Works Count", "Is Open Access", "Open Access License", "Open Access Colour",
)  # fmt: skip


def build_lens_scholarly_csv() -> bytes:
    row = ["000-111-222-333-444", "Graphene anodes", "2019-05-02", 2019, "journal article", "Carbon"]
    row += [""] * (len(LENS_SCHOLARLY_HEADER) - len(row))
    return b"\xef\xbb\xbf" + _write_csv(LENS_SCHOLARLY_HEADER, [row], separator=",", newline=CRLF).encode()


# --- Google Patents ---------------------------------------------------------------------------------

GOOGLE_HEADER = (
    "id",
    "title",
    "assignee",
    "inventor/author",
    "priority date",
    "filing/creation date",
    "publication date",
    "grant date",
    "result link",
    "representative figure link",
)


def _google_date(day: dt.date | None, style: str) -> str:
    if day is None:
        return ""
    if style == "dmy":
        return day.strftime("%d/%m/%Y")
    if style == "mdy":
        return f"{day.month}/{day.day}/{day.year}"
    return day.isoformat()


def google_rows(samples: Sequence[Sample] = SAMPLES, *, date_style: str = "iso") -> list[list[Any]]:
    rows = []
    for sample in samples:
        compact = sample.google_id.replace("-", "")
        rows.append(
            [
                sample.google_id,
                sample.title + " ",  # Google leaves a trailing space
                sample.google_assignee,
                sample.google_inventor,
                _google_date(sample.priority_date, date_style),
                _google_date(sample.application_date, date_style),
                _google_date(sample.publication_date, date_style),
                _google_date(sample.grant_date, date_style),
                f"https://patents.google.com/patent/{compact}/en",
                "",
            ]
        )
    return rows


def build_google_csv(
    samples: Sequence[Sample] = SAMPLES,
    *,
    excel: bool = False,
    date_style: str | None = None,
    repeat_to: int = 0,
) -> bytes:
    """As downloaded (`excel=False`), or re-saved by Excel (";", Windows-1252, local dates, no URL)."""
    style = date_style or ("dmy" if excel else "iso")
    rows = google_rows(samples, date_style=style)
    if repeat_to > len(rows):
        rows = [rows[index % len(rows)] for index in range(repeat_to)]
    if excel:
        text = _write_csv(GOOGLE_HEADER, rows, separator=";", newline=CRLF)
        return text.encode("cp1252", errors="replace")
    text = f"search URL:,{GOOGLE_URL}\n" + _write_csv(GOOGLE_HEADER, rows, separator=",", newline=LF)
    return text.encode("utf-8")


def build_unrelated_csv() -> bytes:
    return b"date,amount,customer\n2024-01-01,12.50,ACME\n2024-01-02,7.00,Initech\n"


# --- Writers -------------------------------------------------------------------------------------------


def _write_csv(
    header: Sequence[str],
    rows: Iterable[Sequence[Any]],
    *,
    separator: str,
    newline: str,
    quote_all: bool = False,
) -> str:
    buffer = io.StringIO()
    quoting = csv.QUOTE_ALL if quote_all else csv.QUOTE_MINIMAL
    writer = csv.writer(buffer, delimiter=separator, lineterminator=newline, quoting=quoting)
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue()


def write_xlsx_fast(sheets: Mapping[str, Sequence[Sequence[Any]]]) -> bytes:
    """An .xlsx of text and number cells with shared strings, written directly (100,000 rows in ~2 s).

    openpyxl takes ten times longer to write a sheet this size; this writes the few XML parts a
    reader needs, as Excel would (shared strings, one style).
    """
    strings: dict[str, int] = {}
    sheet_parts = []
    for rows in sheets.values():
        out = [_XML_DECLARATION + f'<worksheet xmlns="{_MAIN_NS}"><sheetData>']
        for r, row in enumerate(rows, start=1):
            cells = []
            for c, value in enumerate(row):
                if value is None or value == "":
                    continue
                ref = f"{_column_letter(c)}{r}"
                if isinstance(value, int | float) and not isinstance(value, bool):
                    cells.append(f'<c r="{ref}"><v>{value}</v></c>')
                else:
                    index = strings.setdefault(str(value), len(strings))
                    cells.append(f'<c r="{ref}" t="s"><v>{index}</v></c>')
            out.append(f'<row r="{r}">{"".join(cells)}</row>')
        out.append("</sheetData></worksheet>")
        sheet_parts.append("".join(out))
    shared = "".join(f'<si><t xml:space="preserve">{escape(text)}</t></si>' for text in strings)
    names = list(sheets)
    parts = {
        "[Content_Types].xml": (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" '
            'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
            '<Override PartName="/xl/sharedStrings.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
            + "".join(
                f'<Override PartName="/xl/worksheets/sheet{i}.xml" '
                'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
                for i in range(1, len(names) + 1)
            )
            + "</Types>"
        ),
        "_rels/.rels": (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" '
            'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
            'Target="xl/workbook.xml"/></Relationships>'
        ),
        "xl/workbook.xml": (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
            'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets>'
            + "".join(
                f'<sheet name="{escape(name)}" sheetId="{i}" r:id="rId{i}"/>'
                for i, name in enumerate(names, 1)
            )
            + "</sheets></workbook>"
        ),
        "xl/_rels/workbook.xml.rels": (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            + "".join(
                f'<Relationship Id="rId{i}" '
                'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" '
                f'Target="worksheets/sheet{i}.xml"/>'
                for i in range(1, len(names) + 1)
            )
            + f'<Relationship Id="rId{len(names) + 1}" '
            'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" '
            'Target="sharedStrings.xml"/></Relationships>'
        ),
        "xl/sharedStrings.xml": (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
            f'count="{len(strings)}" uniqueCount="{len(strings)}">{shared}</sst>'
        ),
    }
    for i, part in enumerate(sheet_parts, start=1):
        parts[f"xl/worksheets/sheet{i}.xml"] = part
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        for name, content in parts.items():
            archive.writestr(name, content)
    return buffer.getvalue()


_XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
_MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"


def _column_letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters


# --- Large generated exports (benchmark) --------------------------------------------------------------

_WORDS = (
    "graphene", "anode", "cathode", "sensor", "reactor", "fuel", "assembly", "spacer", "grid", "method",
    "system", "device", "composition", "polymer", "membrane", "electrode", "battery", "cell", "heavy",
    "metal", "detection", "soil", "plant", "catalyst", "process", "apparatus",
)  # fmt: skip
_COMPANIES = [
    ("SAMSUNG SDI CO LTD", "KR"), ("LG CHEMICAL LTD", "KR"), ("TOYOTA MOTOR CO LTD", "JP"),
    ("UNIV TSINGHUA", "CN"), ("UNIV ZHEJIANG", "CN"), ("BASF SE", "DE"), ("SIEMENS AG", "DE"),
    ("FRAMATOME", "FR"), ("GENERAL ELECTRIC CO", "US"), ("SANGAMO THERAPEUTICS INC", "US"),
    ("CONTEMPORARY AMPEREX TECH CO LTD", "CN"), ("PANASONIC IP MAN CO LTD", "JP"),
]  # fmt: skip
_GOOGLE_COMPANIES = {
    "SAMSUNG SDI CO LTD": "Samsung Sdi Co., Ltd.",
    "LG CHEMICAL LTD": "Lg Chemical Ltd.",
    "TOYOTA MOTOR CO LTD": "Toyota Motor Corp.",
    "GENERAL ELECTRIC CO": "General Electric Company",
    "SANGAMO THERAPEUTICS INC": "Sangamo Therapeutics, Inc.",
}
_OFFICES = ("EP", "US", "CN", "JP", "KR", "WO", "DE", "FR")
_CPC = [f"{section}{klass:02d}{sub}{group}/{subgroup:02d}" for section, klass, sub, group, subgroup in [
    ("H", 1, "M", 4, 583), ("H", 1, "M", 10, 525), ("C", 1, "B", 32, 184), ("G", 1, "N", 33, 24),
    ("G", 21, "C", 3, 34), ("Y", 2, "E", 60, 10), ("A", 61, "K", 35, 28), ("B", 82, "Y", 30, 0),
]]  # fmt: skip


@dataclass(frozen=True)
class Generated:
    """Columns of `n` synthetic publications (lists, one value per publication)."""

    numbers: list[str]
    offices: list[str]
    kinds: list[str]
    families: list[str]
    titles: list[str]
    abstracts: list[str]
    applicants: list[list[tuple[str, str]]]
    inventors: list[list[tuple[str, str]]]
    publication: list[dt.date]
    priority: list[dt.date]
    application: list[dt.date]
    cpc: list[list[str]]
    legal: list[str]
    cited_by: list[int]

    def __len__(self) -> int:
        return len(self.numbers)


def generate_records(n: int, *, seed: int = 7) -> Generated:
    """`n` plausible publications: ~3,000 applicants, years 1995-2024, 1-4 CPC codes each."""
    rng = random.Random(seed)
    companies = _COMPANIES + [(f"COMPANY {i:04d} CO LTD", rng.choice(_OFFICES[1:6])) for i in range(3000)]
    weights = [400] * len(_COMPANIES) + [1] * 3000
    people = [f"INVENTOR{i:05d} {rng.choice(_WORDS).upper()}" for i in range(20000)]
    columns: dict[str, list[Any]] = {key: [] for key in Generated.__dataclass_fields__}
    base = dt.date(1995, 1, 1)
    for index in range(n):
        office = rng.choice(_OFFICES)
        kind = rng.choice(("A1", "B1", "A", "B2")) if office != "WO" else "A1"
        published = base + dt.timedelta(days=rng.randrange(30 * 365))
        priority = published - dt.timedelta(days=rng.randrange(400, 900))
        columns["numbers"].append(f"{office}{3000000 + index}{kind}")
        columns["offices"].append(office)
        columns["kinds"].append(kind)
        columns["families"].append(str(80000000 + index // 2))
        columns["titles"].append(" ".join(rng.choice(_WORDS) for _ in range(6)).capitalize())
        columns["abstracts"].append(" ".join(rng.choice(_WORDS) for _ in range(30)).capitalize() + ".")
        columns["applicants"].append(rng.choices(companies, weights, k=rng.choice((1, 1, 2))))
        columns["inventors"].append([(rng.choice(people), rng.choice(_OFFICES[1:6])) for _ in range(3)])
        columns["publication"].append(published)
        columns["priority"].append(priority)
        columns["application"].append(priority + dt.timedelta(days=rng.randrange(0, 365)))
        columns["cpc"].append(rng.sample(_CPC, rng.randint(1, 4)))
        columns["legal"].append(rng.choice(("ACTIVE", "PENDING", "DISCONTINUED", "EXPIRED", "INACTIVE")))
        columns["cited_by"].append(rng.randrange(0, 40))
    return Generated(**columns)


def espacenet_csv_from_records(records: Generated) -> bytes:
    lines = [";".join([line] + [""] * 11) for line in espacenet_preamble(len(records))]
    rows = _espacenet_generated_rows(records)
    body = _write_csv(ESPACENET_HEADER, rows, separator=";", newline=CRLF)
    return ("\r\n".join(lines) + "\r\n" + body).encode("utf-8")


def _espacenet_generated_rows(records: Generated) -> list[list[Any]]:
    rows = []
    for i in range(len(records)):
        rows.append(
            [
                i + 1,
                records.titles[i],
                records.abstracts[i],
                "\r\n".join(f"{name} [{cc}]" for name, cc in records.inventors[i]),
                "\r\n".join(f"{name} [{cc}]" for name, cc in records.applicants[i]),
                records.numbers[i],
                _dotted(records.priority[i]),
                "\r\n".join(records.cpc[i]),
                "\r\n".join(f"{code} (EP,US)" for code in records.cpc[i]),
                _dotted(records.publication[i]),
                _dotted(records.publication[i]),
                records.families[i],
            ]
        )
    return rows


def espacenet_xlsx_from_records(records: Generated) -> bytes:
    rows = [[line.replace("\r\n", "\n") if isinstance(line, str) else line for line in row]
            for row in _espacenet_generated_rows(records)]  # fmt: skip
    query = [[line] for line in espacenet_preamble(len(records)) if line]
    return write_xlsx_fast({"Query": query, "Results": [list(ESPACENET_HEADER), *rows]})


def lens_csv_from_records(records: Generated) -> bytes:
    header = LENS_CURRENT_HEADER
    rows = []
    for i in range(len(records)):
        number = records.numbers[i]
        key = f"{number[:2]} {number[2:-2] if number[-2].isalpha() else number[2:-1]} {records.kinds[i]}"
        values = {
            "#": i + 1,
            "Jurisdiction": records.offices[i],
            "Kind": records.kinds[i],
            "Display Key": key,
            "Lens ID": f"{i:03d}-000-000-000-{i % 1000:03d}",
            "Publication Date": records.publication[i].isoformat(),
            "Publication Year": records.publication[i].year,
            "Application Date": records.application[i].isoformat(),
            "Earliest Priority Date": records.priority[i].isoformat(),
            "Title": records.titles[i],
            "Abstract": records.abstracts[i],
            "Applicants": ";;".join(name for name, _ in records.applicants[i]),
            "Inventors": ";;".join(name for name, _ in records.inventors[i]),
            "Document Type": "Granted Patent" if records.kinds[i].startswith("B") else "Patent Application",
            "Cites Patent Count": records.cited_by[i] // 2,
            "Cited by Patent Count": records.cited_by[i],
            "Simple Family Size": 2,
            "Simple Family Members": f"{i:03d}-000-000-000-{i % 1000:03d};;{i // 2:03d}-999-000-000-000",
            "CPC Classifications": ";;".join(records.cpc[i] * 2),
            "IPCR Classifications": ";;".join(records.cpc[i]),
            "Legal Status": records.legal[i],
        }
        rows.append([values.get(name, "") for name in header])
    return b"\xef\xbb\xbf" + _write_csv(header, rows, separator=",", newline=CRLF).encode("utf-8")


def google_csv_from_records(records: Generated) -> bytes:
    rows = []
    for i in range(len(records)):
        number = records.numbers[i]
        body = number[2:-2] if number[-2].isalpha() else number[2:-1]
        names = [_GOOGLE_COMPANIES.get(name, name.title()) for name, _ in records.applicants[i]]
        rows.append(
            [
                f"{number[:2]}-{body}-{records.kinds[i]}",
                records.titles[i] + " ",
                ", ".join(names),
                ", ".join(name.title() for name, _ in records.inventors[i]),
                records.priority[i].isoformat(),
                records.application[i].isoformat(),
                records.publication[i].isoformat(),
                records.publication[i].isoformat() if records.kinds[i].startswith("B") else "",
                f"https://patents.google.com/patent/{number}/en",
                "",
            ]
        )
    text = f"search URL:,{GOOGLE_URL}\n" + _write_csv(GOOGLE_HEADER, rows, separator=",", newline=LF)
    return text.encode("utf-8")
