from __future__ import annotations

import io
import json
import threading
from collections import OrderedDict
from typing import Any

from django.core.files.storage import default_storage
from django.db.models import QuerySet

from .canonical import CACHE_SIZE, CanonicalData, Field, canonical_load
from .models import Dataset, DatasetStatus

# Suggestions shown in the alias editor: enough to work through, not the whole list.
MAX_ALIAS_SUGGESTIONS = 50


def datasets_visible_to(user) -> QuerySet[Dataset]:
    datasets = Dataset.objects.prefetch_related("files")
    if not user.is_authenticated:
        return datasets.none()
    return datasets if user.is_staff else datasets.filter(owner=user)


def dataset_feeds(dataset: Dataset) -> list[dict]:
    """Which analyses this dataset can feed, and for the others what is missing."""
    from apps.charts.analyses import REGISTRY

    available = set(dataset.available_fields)
    result = []
    for analysis in REGISTRY.values():
        params = analysis.params_model()
        missing = [Field(f) for f in analysis.required_fields(params) if f not in available]
        result.append(
            {
                "key": analysis.key,
                "title": analysis.title,
                "available": not missing,
                "missing": [f.value for f in missing],
                "reason": f"Needs {' and '.join(f.label for f in missing)}." if missing else "",
            }
        )
    return result


# --- The data a job reads -------------------------------------------------------------------------

_aliased: OrderedDict[tuple[str, str], tuple[CanonicalData, CanonicalData]] = OrderedDict()
_aliased_lock = threading.Lock()


def dataset_canonical(dataset: Dataset) -> CanonicalData:
    """The dataset's canonical data as its jobs read it: the bundle, with the analyst's aliases applied.

    Cached per process by bundle and aliases (a job's charts all read the same data); editing the
    aliases changes the key, so the next chart reads them without anything being parsed again.
    """
    base = canonical_load(dataset.canonical_prefix)
    aliases = dataset.applicant_aliases or {}
    if not aliases:
        return base
    key = (dataset.canonical_prefix, json.dumps(aliases, sort_keys=True))
    with _aliased_lock:
        hit = _aliased.get(key)
        if hit is not None and hit[0] is base:  # the same bundle object (the loader's cache may be cleared)
            _aliased.move_to_end(key)
            return hit[1]
    data = base.with_aliases(aliases)
    with _aliased_lock:
        _aliased[key] = (base, data)
        while len(_aliased) > CACHE_SIZE:
            _aliased.popitem(last=False)
    return data


def dataset_alias_suggestions(
    dataset: Dataset, *, limit: int = MAX_ALIAS_SUGGESTIONS
) -> list[dict[str, Any]]:
    """Applicant names that look like one organisation written several ways, with their documents.

    Names group when they share their words, small words aside ("UNIVERSITY OF TEXAS" and "TEXAS
    UNIVERSITY"); the most frequent is suggested as the alias of the others. Names already aliased
    are left out. Empty when the dataset is not ready or has no applicants.
    """
    from .names import clean_applicant_list, fingerprint

    if not dataset.canonical_prefix:
        return []
    data = canonical_load(dataset.canonical_prefix)
    if Field.APPLICANT not in data.fields():
        return []
    aliased = set(dataset.applicant_aliases or {})
    rows = [(name, count) for name, count in data.counts(Field.APPLICANT).rows]
    cleaned = clean_applicant_list(name for name, _ in rows)  # Filters facets hold raw names
    groups: dict[str, dict[str, int]] = {}
    for (_, count), name in zip(rows, cleaned, strict=True):
        if name and name not in aliased:
            group = groups.setdefault(fingerprint(name), {})
            group[name] = group.get(name, 0) + count
    suggestions = []
    for group in groups.values():
        if len(group) < 2:
            continue
        names = sorted(group, key=lambda name: (-group[name], name))
        suggestions.append(
            {"names": names, "suggested": names[0], "documents": {name: group[name] for name in names}}
        )
    suggestions.sort(key=lambda s: (-sum(s["documents"].values()), s["suggested"]))
    return suggestions[:limit]


# --- Record preview -------------------------------------------------------------------------------

# The columns a preview shows, in this order, when the dataset carries them (abstracts and raw names
# stay out: they make a table unreadable and the charts do not show them either).
PREVIEW_COLUMNS = (
    "publication_number",
    "title",
    "applicants",
    "inventors",
    "publication_date",
    "priority_date",
    "jurisdiction",
    "kind",
    "family_id",
    "cpc",
    "ipc",
    "legal_status",
    "cited_by_count",
    "family_size",
)
PREVIEW_PAGE_SIZE = 25
PREVIEW_MAX_PAGE_SIZE = 100
# A cell lists at most this many values (a family of 300 members or 80 CPC codes would fill a page).
PREVIEW_MAX_VALUES = 20


def _local_path(name: str) -> str | None:
    """The file's path when the storage is a local folder (scanned: only the slice is read), else None."""
    try:
        return default_storage.path(name)
    except NotImplementedError:
        return None


def dataset_records(dataset: Dataset, *, page: int = 1, page_size: int = PREVIEW_PAGE_SIZE) -> dict[str, Any]:
    """One page of the dataset's publications, as its jobs read them (aliases applied), for a preview.

    Only the page's rows and the shown columns are read from the canonical Parquet file. Raises
    `ApplicationError` (409) when the dataset is not ready yet or holds counts instead of
    publications (an Espacenet "Filters" export: its facets are its preview).
    """
    import polars as pl

    from apps.core.exceptions import ApplicationError

    from .canonical import PUBLICATIONS_FILE

    if dataset.status != DatasetStatus.READY or not dataset.canonical_prefix:
        raise ApplicationError(
            "The dataset is not ready yet: its records can be previewed once it has been read.",
            code="dataset_not_ready",
            status_code=409,
        )
    summary = dataset.summary or {}
    if not summary.get("record_level"):
        raise ApplicationError(
            "This dataset holds counts (an Espacenet Filters export), not one row per publication; "
            "its facets are its preview.",
            code="not_record_level",
            status_code=409,
        )
    coverage = summary.get("coverage") or {}
    name = f"{dataset.canonical_prefix}/{PUBLICATIONS_FILE}"
    source = _local_path(name)
    offset = (page - 1) * page_size
    if source is not None:
        frame = pl.scan_parquet(source)
        available = frame.collect_schema().names()
        columns = [c for c in PREVIEW_COLUMNS if c in available and coverage.get(c, 1) > 0]
        count = frame.select(pl.len()).collect().item()
        rows = frame.select(columns).slice(offset, page_size).collect()
    else:  # remote storage (S3): the file is fetched, then only the rows up to the page are decoded
        with default_storage.open(name) as fh:
            raw = io.BytesIO(fh.read())
        available = list(pl.read_parquet_schema(raw))
        columns = [c for c in PREVIEW_COLUMNS if c in available and coverage.get(c, 1) > 0]
        raw.seek(0)
        count = pl.scan_parquet(raw).select(pl.len()).collect().item()
        raw.seek(0)
        rows = pl.read_parquet(raw, columns=columns, n_rows=offset + page_size).slice(offset, page_size)
    aliases = dataset.applicant_aliases or {}
    results = []
    for row in rows.to_dicts():
        if aliases and row.get("applicants"):
            row["applicants"] = list(dict.fromkeys(aliases.get(n, n) for n in row["applicants"]))
        for column, value in row.items():
            if isinstance(value, list) and len(value) > PREVIEW_MAX_VALUES:
                row[column] = [*value[:PREVIEW_MAX_VALUES], f"… +{len(value) - PREVIEW_MAX_VALUES}"]
        results.append(row)
    return {
        "count": count,
        "page": page,
        "page_size": page_size,
        "pages": max(1, -(-count // page_size)),
        "columns": columns,
        "results": results,
    }
