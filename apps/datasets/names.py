"""Cleaning applicant and inventor names, so that one company is one bar on a chart.

Raw names are the weakest part of every patent export: Espacenet writes "SAMSUNG SDI CO LTD [KR]",
Lens.org "SAMSUNG SDI CO LTD", Google Patents "Samsung Sdi Co., Ltd."; universities appear as
"UNIV TSINGHUA" and "Tsinghua University". The rules here make the spellings of one name agree
where that is safe, and leave the rest to per-dataset aliases the analyst edits
(`CanonicalData.with_aliases`):

- Unicode compatibility forms are folded (full-width letters become ASCII), then all is upper case.
- Espacenet's country suffix "[KR]" is taken off (and kept, by the parsers, as the country).
- Punctuation goes: dots vanish ("S.A." is "SA", "Co." is "CO"), apostrophes too ("L'OREAL" is
  "LOREAL"), other marks become spaces; "&" keeps spaces around it; runs of spaces become one.
- "UNIV" becomes "UNIVERSITY"; a leading "THE" is dropped.
- Legal forms at the end (INC, LTD, CO, CORP, GMBH, AG, SA, SPA, LLC, PLC, BV, NV, KK, ... and
  their combinations such as "CO LTD" or "GMBH & CO KG") are dropped, as are the Japanese, Korean
  and Chinese company forms (株式会社, 주식회사, 有限公司...). A name that is nothing but a legal
  form keeps it.

Every rule is a vectorised polars expression (a 100,000-record export has ~200,000 names);
`clean_applicant()` applies the same expression to one string, for aliases and tests.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import polars as pl

# Legal forms, as they read once dots are gone and commas are spaces ("S.p.A." -> "SPA").
LEGAL_FORMS = (
    "INC",
    "INCORPORATED",
    "CORP",
    "CORPORATION",
    "CO",
    "COMPANY",
    "LTD",
    "LTDA",
    "LIMITED",
    "LLC",
    "LLP",
    "LP",
    "PLC",
    "GMBH",
    "MBH",
    "GESMBH",
    "AG",
    "KG",
    "KGAA",
    "OHG",
    "SE",
    "SA",
    "S A",
    "SAS",
    "SARL",
    "SNC",
    "SPA",
    "S P A",
    "SRL",
    "SL",
    "SLU",
    "BV",
    "B V",
    "NV",
    "N V",
    "AB",
    "AS",
    "ASA",
    "APS",
    "OY",
    "OYJ",
    "KK",
    "PTY",
    "PTE",
    "PVT",
    "BHD",
    "SDN",
    "CIE",
    "ET CIE",
)
# Company forms written in Japanese, Korean and Chinese, at either end of the name.
_CJK_FORMS = ("株式会社", "有限会社", "合同会社", "(株)", "주식회사", "(주)", "유한회사")
_CJK_SUFFIXES = ("股份有限公司", "有限责任公司", "有限公司", "株式会社", "有限会社", "주식회사", "(주)")
_LEADING_FORMS = ("KABUSHIKI KAISHA", "KABUSHIKIKAISHA", "YUGEN KAISHA", "THE")

_FORMS_ALTERNATION = "|".join(sorted((re.escape(f) for f in LEGAL_FORMS), key=len, reverse=True))
_TRAILING_FORMS = rf"(?:\s+(?:&\s+)?(?:{_FORMS_ALTERNATION}))+$"
_LEADING = rf"^(?:{'|'.join(_LEADING_FORMS)})\s+"
_CJK_LEADING = rf"^(?:{'|'.join(re.escape(f) for f in _CJK_FORMS)})\s*"
_CJK_TRAILING = rf"\s*(?:{'|'.join(re.escape(f) for f in _CJK_SUFFIXES)})$"
COUNTRY_SUFFIX = r"\s*\[([A-Za-z]{2})\]\s*$"
_PUNCTUATION = r"[,;:!?\"“”«»()\[\]{}<>*+=|\\#~^]+"
_APOSTROPHES = "['\u2019\u2018`\u00b4]"  # ' and its typographic look-alikes

# Google Patents joins several assignees with ", ", and so do company names ("Gearbox, Inc.",
# "Ibiden Co., Ltd."). A ", " followed by one of these tokens (then a comma or the end) belongs
# to the name before it. Titles and generational suffixes of people behave the same way.
_NAME_TAILS = (
    r"inc",
    r"incorporated",
    r"ltd",
    r"limited",
    r"llc",
    r"l\.l\.c",
    r"llp",
    r"l\.p",
    r"lp",
    r"plc",
    r"co",
    r"corp",
    r"corporation",
    r"company",
    r"s\.?a",
    r"s\.?a\.?s",
    r"s\.?p\.?a",
    r"s\.?r\.?l",
    r"s\.?l",
    r"gmbh",
    r"ag",
    r"kg",
    r"n\.?v",
    r"b\.?v",
    r"a/s",
    r"ab",
    r"oy",
    r"k\.?k",
    r"pty",
    r"pte",
    r"jr",
    r"sr",
    r"ii",
    r"iii",
    r"iv",
    r"dr",
    r"prof",
    r"ph\.?d",
    r"m\.?d",
    r"esq",
    r"엘티디",  # "Ltd" spelled in Hangul, as Google writes Korean applicants
)
_JOINED_NAME_TAIL = rf"(?i),\s+((?:{'|'.join(_NAME_TAILS)})\.?)(\s*(?:,|$))"
# Old German publications name one applicant with its address, "Schwarz, Christof, 2000 Hamburg, De":
# a cell ending in ", <postcode> <town>[, <country>]" is one name (the part before the postcode).
_ADDRESS_TAIL = r",\s+\d{4,5}\s+[^,\d]+(?:,\s+[A-Za-z]{2})?\s*$"
_KEEP_TOGETHER = "\x1f"  # a character no export contains, standing for a ", " inside one name


def _unless_empty(cleaned: pl.Expr, fallback: pl.Expr) -> pl.Expr:
    return pl.when(cleaned.str.len_chars() > 0).then(cleaned).otherwise(fallback)


def _without_country(expr: pl.Expr) -> pl.Expr:
    """What applicants and inventors share first: NFKC, then no "[CC]" suffix."""
    return expr.str.normalize("NFKC").str.replace(COUNTRY_SUFFIX, "")


def _punctuation(text: pl.Expr) -> pl.Expr:
    text = text.str.replace_all(_APOSTROPHES, "").str.replace_all(".", "", literal=True)
    text = text.str.replace_all(_PUNCTUATION, " ").str.replace_all(r"\s*&\s*", " & ")
    return text.str.replace_all(r"\s+", " ").str.strip_chars(" -/&")


def _staged(frame: pl.DataFrame, name: str, *, applicants: bool) -> pl.Series:
    """The rest of the rules for column `name` (names already NFKC and without "[CC]").

    Applicants go in stages, each a column computed once from the one before: as one expression
    (`clean_applicants`), `_unless_empty` evaluates its argument twice, so the start of the name
    would be worked out nine times.
    """
    if not applicants:
        return frame.select(_punctuation(pl.col(name).str.to_uppercase())).to_series()
    text, shorter = pl.col("_text"), pl.col("_shorter")
    frame = frame.select(pl.col(name).str.strip_chars().alias("_text"))
    without_cjk = text.str.replace(_CJK_LEADING, "").str.replace(_CJK_TRAILING, "").str.strip_chars()
    frame = frame.with_columns(without_cjk.alias("_shorter"))
    frame = frame.select(_unless_empty(shorter, text).alias("_text"))
    folded = _punctuation(text.str.to_uppercase()).str.replace_all(r"\bUNIV\b", "UNIVERSITY")
    frame = frame.select(folded.alias("_text"))
    without_forms = text.str.replace(_LEADING, "").str.replace(_TRAILING_FORMS, "").str.strip_chars(" -/&")
    frame = frame.with_columns(without_forms.alias("_shorter"))
    return frame.select(_unless_empty(shorter, text)).to_series()


def clean_applicants(expr: pl.Expr) -> pl.Expr:
    """Cleaned applicant names for a String expression of single names (empty when nothing is left).

    For a column of names, `clean_names` computes the same in stages, several times faster.
    """
    text = _without_country(expr).str.strip_chars()
    without_cjk = text.str.replace(_CJK_LEADING, "").str.replace(_CJK_TRAILING, "").str.strip_chars()
    text = _unless_empty(without_cjk, text)
    text = _punctuation(text.str.to_uppercase())
    text = text.str.replace_all(r"\bUNIV\b", "UNIVERSITY")
    without_forms = text.str.replace(_LEADING, "").str.replace(_TRAILING_FORMS, "").str.strip_chars(" -/&")
    return _unless_empty(without_forms, text)


def clean_inventors(expr: pl.Expr) -> pl.Expr:
    """Cleaned inventor names: the same folding as applicants, but no legal forms or abbreviations."""
    return _punctuation(_without_country(expr).str.to_uppercase())


def nfkc(values: pl.Series) -> pl.Series:
    """`str.normalize("NFKC")`, applied only to the values that are not plain ASCII (NFKC leaves
    ASCII as it is, and most names in exports are ASCII: normalising them all costs ~0.4 µs each)."""
    ascii_only = (values.str.len_bytes() == values.str.len_chars()).fill_null(True)
    if ascii_only.all():
        return values
    positions = (~ascii_only).arg_true()
    return values.clone().scatter(positions, values.gather(positions).str.normalize("NFKC"))


def clean_names(values: pl.Series, *, applicants: bool) -> pl.Series:
    """`clean_applicants` (or `clean_inventors`) of every value of a String Series, in its order.

    Exactly those expressions, computed faster: NFKC only where it can change something, the
    "[CC]" suffix taken off, then the rest of the rules once per distinct name that is left (an
    inventor listed with two countries is cleaned once) and in stages (see `_staged`).
    """
    base = nfkc(values).str.replace(COUNTRY_SUFFIX, "").rename("_base")
    distinct = base.unique()
    if len(distinct) == len(base):  # nothing repeats: no need for the lookup
        return _staged(base.to_frame(), "_base", applicants=applicants).rename(values.name)
    table = pl.DataFrame(
        {"_base": distinct, "_clean": _staged(distinct.to_frame(), "_base", applicants=applicants)}
    )
    looked_up = base.to_frame().join(table, on="_base", how="left", maintain_order="left", nulls_equal=True)
    return looked_up.get_column("_clean").rename(values.name)


def country_of(expr: pl.Expr) -> pl.Expr:
    """The two-letter country of an Espacenet name ("AREVA NP [FR]" -> "FR"), else null."""
    return expr.str.extract(COUNTRY_SUFFIX, 1).str.to_uppercase()


def split_joined_names(expr: pl.Expr) -> pl.Expr:
    """A list of names from a Google Patents cell: split on ", " but not inside "Co., Ltd." or "Inc.".

    A cell that ends with an address (old German publications) is one name, without the address.
    """
    protected = expr
    for _ in range(2):  # "X, Inc., Ltd.": the first pass consumes the comma the second one needs
        protected = protected.str.replace_all(_JOINED_NAME_TAIL, _KEEP_TOGETHER + "${1}${2}")
    with_address = expr.str.contains(_ADDRESS_TAIL)
    protected = (
        pl.when(with_address)
        .then(expr.str.replace(_ADDRESS_TAIL, "").str.replace_all(", ", _KEEP_TOGETHER, literal=True))
        .otherwise(protected)
    )
    return protected.str.split(", ").list.eval(
        pl.element().str.replace_all(_KEEP_TOGETHER, ", ", literal=True).str.strip_chars(" ,")
    )


def clean_applicant(name: str) -> str:
    """One name through `clean_applicants` (for aliases and tests)."""
    return clean_applicant_list([name])[0]


def clean_applicant_list(names: Iterable[str]) -> list[str]:
    series = pl.Series("name", list(names), dtype=pl.String)
    return clean_names(series, applicants=True).fill_null("").to_list()


_STOP_TOKENS = frozenset({"OF", "THE", "AND", "&", "DE", "DER", "DES", "DU", "LA", "LE", "FOR"})


def fingerprint(cleaned: str) -> str:
    """A loose key: the distinct words of a cleaned name, sorted, without small words.

    Names that share it are likely the same organisation written two ways ("UNIVERSITY OF
    TEXAS" and "TEXAS UNIVERSITY OF"); alias suggestions group by it.
    """
    tokens = {token for token in cleaned.split() if token not in _STOP_TOKENS}
    return " ".join(sorted(tokens))
