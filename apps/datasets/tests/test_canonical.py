"""The canonical layer: facets derived from publications, fields offered, bundles round-tripped."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from apps.datasets.canonical import (
    CanonicalData,
    Facet,
    Field,
    MissingFieldError,
    canonical_load,
    canonical_save,
    publication_schema,
)


def publications(rows: list[dict]) -> pl.DataFrame:
    schema = publication_schema()
    return pl.DataFrame([{name: row.get(name) for name in schema} for row in rows], schema=schema)


RECORDS = publications(
    [
        {
            "publication_number": "EP1A1", "jurisdiction": "EP", "publication_date": dt.date(2019, 5, 2),
            "priority_date": dt.date(2018, 1, 1), "applicants": ["ACME", "UNIVERSITY OF X"],
            "cpc": ["G01N33/24", "G01N33/18", "A01B1/00"], "family_id": "F1", "family_size": 3,
        },
        {
            "publication_number": "US2B2", "jurisdiction": "US", "publication_date": dt.date(2019, 8, 1),
            "applicants": ["ACME"], "cpc": ["G01N33/24"], "family_id": "F1", "family_size": 3,
        },
        {
            "publication_number": "CN3A", "jurisdiction": "CN", "publication_date": dt.date(2021, 1, 1),
            "applicants": [], "cpc": None, "family_id": "F2",
        },
    ]
)  # fmt: skip


def test_facets_are_counted_from_publications():
    data = CanonicalData(source_format="test", publications=RECORDS)
    assert data.counts(Field.PUBLICATION_YEAR).rows == (("2019", 2), ("2021", 1))
    assert data.counts(Field.APPLICANT).rows == (("ACME", 2), ("UNIVERSITY OF X", 1))
    # A publication with two subgroups of one main group counts once for that group.
    assert data.counts(Field.CPC_MAIN_GROUP).rows == (("G01N33", 2), ("A01B1", 1))
    assert data.counts(Field.COUNTRY).rows == (("CN", 1), ("EP", 1), ("US", 1))
    assert data.counts(Field.FAMILY).rows == (("F1", 2), ("F2", 1))


def test_fields_follow_what_the_publications_carry():
    data = CanonicalData(source_format="test", publications=RECORDS)
    fields = data.fields()
    assert {Field.RECORDS, Field.PUBLICATION_YEAR, Field.PRIORITY_YEAR, Field.FAMILY_SIZE} <= fields
    assert Field.INVENTOR not in fields and Field.LEGAL_STATUS not in fields
    with pytest.raises(MissingFieldError):
        data.counts(Field.INVENTOR)
    with pytest.raises(MissingFieldError):
        data.require(Field.APPLICANT, Field.CITATIONS)


def test_pre_aggregated_data_has_no_records():
    data = CanonicalData(source_format="test", facets={Field.APPLICANT: Facet(Field.APPLICANT, (("A", 1),))})
    assert data.fields() == {Field.APPLICANT}
    with pytest.raises(MissingFieldError):
        data.records()


@pytest.mark.django_db
def test_bundles_round_trip_with_publications():
    facet = Facet(Field.LANGUAGE, (("en", 3),), truncated=True, source="sheet 'Languages'")
    data = CanonicalData(
        source_format="test", facets={Field.LANGUAGE: facet}, meta={"records": 3}, publications=RECORDS
    )
    canonical_save(data, prefix="canonical/test/abc")
    loaded = canonical_load("canonical/test/abc")
    assert loaded.facets[Field.LANGUAGE] == facet and loaded.meta == {"records": 3}
    assert loaded.publications.equals(RECORDS)
    assert loaded.counts(Field.APPLICANT).rows == data.counts(Field.APPLICANT).rows


def test_aliases_merge_applicants_once_per_publication():
    data = CanonicalData(source_format="test", publications=RECORDS)
    aliased = data.with_aliases({"UNIVERSITY OF X": "ACME"})

    assert aliased.publications.get_column("applicants").to_list() == [["ACME"], ["ACME"], []]
    assert aliased.counts(Field.APPLICANT).rows == (("ACME", 2),)  # the first names ACME once
    assert aliased.fields() == data.fields() and aliased.meta["aliases"] == 1
    assert data.counts(Field.APPLICANT).rows == (("ACME", 2), ("UNIVERSITY OF X", 1))  # unchanged


def test_aliases_on_pre_aggregated_counts_add_up_cleaned_names():
    facet = Facet(
        Field.APPLICANT, (("SAMSUNG SDI CO LTD", 5), ("Samsung SDI Co., Ltd.", 2), ("LG CHEM LTD", 3))
    )
    data = CanonicalData(source_format="test", facets={Field.APPLICANT: facet})

    rows = data.with_aliases({"LG CHEM": "SAMSUNG SDI"}).counts(Field.APPLICANT).rows
    assert rows == (("SAMSUNG SDI", 10),)  # both spellings of the target, and the aliased name
