"""Applicant and inventor name cleaning, and splitting Google Patents' joined names."""

from __future__ import annotations

import polars as pl
import pytest

from apps.datasets.names import (
    clean_applicant,
    clean_applicant_list,
    clean_applicants,
    clean_inventors,
    clean_names,
    fingerprint,
    split_joined_names,
)


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("Samsung SDI Co., Ltd.", "SAMSUNG SDI"),
        ("SAMSUNG SDI CO LTD [KR]", "SAMSUNG SDI"),  # Espacenet's country suffix
        ("Sangamo Biosciences, Inc.", "SANGAMO BIOSCIENCES"),
        ("Robert Bosch GmbH", "ROBERT BOSCH"),
        ("Porsche GmbH & Co. KG", "PORSCHE"),  # combined legal forms
        ("BASF SE", "BASF"),
        ("Michelin Recherche et Technique S.A.", "MICHELIN RECHERCHE ET TECHNIQUE"),
        ("MICHELIN RECHERCHE ET TECHNIQUE S A", "MICHELIN RECHERCHE ET TECHNIQUE"),
        ("ACME Corp.", "ACME"),
        ("Nokia Oyj", "NOKIA"),
        ("Dow AgroSciences LLC", "DOW AGROSCIENCES"),
        ("Univ Tsinghua", "UNIVERSITY TSINGHUA"),
        ("UNIV. OF TEXAS", "UNIVERSITY OF TEXAS"),
        ("The Procter & Gamble Company", "PROCTER & GAMBLE"),
        ("\uff34\uff2f\uff39\uff2f\uff34\uff21 MOTOR", "TOYOTA MOTOR"),  # full-width letters
        ("株式会社デンソー", "デンソー"),  # the Japanese company form
        ("  several   spaces  inc ", "SEVERAL SPACES"),
        ("INC", "INC"),  # nothing but a legal form keeps it
    ],
)
def test_clean_applicant(raw, clean):
    assert clean_applicant(raw) == clean


def test_spellings_of_one_company_agree():
    spellings = [
        "Samsung SDI Co., Ltd.",
        "SAMSUNG SDI CO LTD [KR]",
        "samsung sdi co. ltd",
        "SAMSUNG SDI CO., LTD.",
    ]
    assert set(clean_applicant_list(spellings)) == {"SAMSUNG SDI"}


def test_fingerprint_groups_reordered_names():
    assert fingerprint("UNIVERSITY OF TEXAS") == fingerprint("TEXAS UNIVERSITY") == "TEXAS UNIVERSITY"


@pytest.mark.parametrize(
    ("cell", "names"),
    [
        ("Gearbox, Inc.", ["Gearbox, Inc."]),
        ("Ibiden Co., Ltd.", ["Ibiden Co., Ltd."]),
        ("Tsinghua University, Gearbox, Inc.", ["Tsinghua University", "Gearbox, Inc."]),
        ("Ken Sakamura, NTT DoCoMo, Inc.", ["Ken Sakamura", "NTT DoCoMo, Inc."]),
        (
            "Framatome, Michelin Recherche Et Technique S.A.",
            ["Framatome", "Michelin Recherche Et Technique S.A."],
        ),
        ("Schwarz, Christof, 2000 Hamburg, De", ["Schwarz, Christof"]),  # one applicant with an address
        ("Schneider, Michael, 5450 Neuwied", ["Schneider, Michael"]),
    ],
)
def test_google_joined_names(cell, names):
    split = pl.select(split_joined_names(pl.lit(cell, dtype=pl.String))).to_series()[0].to_list()
    assert split == names


@pytest.mark.parametrize("applicants", [True, False])
def test_the_column_cleaning_is_the_expression(applicants):
    # Given names that repeat with other countries, non-ASCII forms, a double suffix and blanks
    names = [
        "SAMSUNG SDI CO LTD [KR]", "SAMSUNG SDI CO LTD [JP]", "Samsung SDI Co., Ltd.", "FOO [KR] [FR]",
        "FOO \uff3bKR\uff3d [FR]", "\uff34\uff2f\uff39\uff2f\uff34\uff21 MOTOR [JP]", "株式会社デンソー [JP]",
        "주식회사 [KR]", "(株)", "INC [US]", "Ecole\u0301 [FR]", "A\u00a0[KR]", "", " ", "[KR]", None,
        "The Procter & Gamble Company", "UNIV. OF TEXAS", "L'OREAL [FR]", "Univ Tsinghua [CN]",
    ]  # fmt: skip
    series = pl.Series("name", names * 2, dtype=pl.String)
    expression = clean_applicants if applicants else clean_inventors

    # When the column is cleaned in stages, once per distinct name, then it is what the expression gives
    expected = series.to_frame().select(expression(pl.col("name"))).to_series()
    assert clean_names(series, applicants=applicants).to_list() == expected.to_list()
