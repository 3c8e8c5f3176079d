from __future__ import annotations

import json
import threading
from collections import OrderedDict
from typing import Any

from django.db.models import QuerySet

from .canonical import CACHE_SIZE, CanonicalData, Field, canonical_load
from .models import Dataset

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
