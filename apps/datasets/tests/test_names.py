"""Applicant and inventor name cleaning, and splitting Google Patents' joined names."""

from __future__ import annotations

import polars as pl
import pytest

from apps.datasets.names import clean_applicant, clean_applicant_list, fingerprint, split_joined_names


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
