"""Analyses the describer has no table for: recognise the shape of their data."""

from __future__ import annotations

import math
from typing import Any

from apps.charts.labels import label, year_range

from .rankings import ranking_facts
from .series import yearly_facts
from .writer import Table, Writer


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def describe_generic(table: Table, w: Writer, context: dict[str, Any], analysis_key: str) -> None:
    """An analysis this describer has no table for: recognise the shape of its data.

    A year column and a number: a series. A year, a name and a number: leaders and newcomers. A
    name and a number: a ranking. Otherwise the range and total of each numeric column.
    """
    try:
        title = label(f"analysis.{analysis_key}.title", w.language)
    except KeyError:
        title = analysis_key.replace("_", " ").capitalize()
    w.say("generic.rows", title=title, rows=w.int(len(table.rows)))
    numeric = [
        c
        for c in table.columns
        if c not in ("year", "rank")
        and (vals := [v for v in table.column(c) if v is not None])
        and all(_is_number(v) for v in vals)
    ]
    names = [
        c
        for c in table.columns
        if all(isinstance(v, str) for v in table.column(c) if v is not None)
        and any(v is not None for v in table.column(c))
    ]
    measure = "count" if "count" in numeric else (numeric[0] if numeric else None)
    years_ok = "year" in table.columns and all(
        isinstance(y, int) and not isinstance(y, bool) for y in table.column("year")
    )
    if measure and years_ok and names:
        _leaders_and_newcomers(table, w, names[0], measure)
    elif measure and years_ok:
        pairs = sorted(
            (y, v) for y, v in zip(table.column("year"), table.column(measure), strict=True) if v is not None
        )
        if pairs:
            yearly_facts(w, [y for y, _ in pairs], [v for _, v in pairs], basis=None, value=w.num)
    elif measure and names:
        pairs = sorted(
            (
                (str(n), v)
                for n, v in zip(table.column(names[0]), table.column(measure), strict=True)
                if n is not None and v is not None
            ),
            key=lambda nv: (-nv[1], nv[0]),
        )
        if pairs and all(v >= 0 for _, v in pairs):
            ranking_facts(w, [n for n, _ in pairs], [v for _, v in pairs], value=w.num)
    else:
        for column in numeric[:3]:
            values = [v for v in table.column(column) if v is not None]
            w.say(
                "generic.column",
                column=column,
                low=w.num(min(values)),
                high=w.num(max(values)),
                total=w.num(sum(values)),
            )


def _leaders_and_newcomers(table: Table, w: Writer, name_column: str, measure: str) -> None:
    totals: dict[str, float] = {}
    first_seen: dict[str, int] = {}
    years = sorted({int(y) for y in table.column("year")})
    for year, name, value in zip(
        table.column("year"), table.column(name_column), table.column(measure), strict=True
    ):
        if name is None or not _is_number(value) or value <= 0:
            continue
        totals[str(name)] = totals.get(str(name), 0) + value
        first_seen[str(name)] = min(first_seen.get(str(name), year), year)
    if not totals:
        return
    leader = min(totals, key=lambda n: (-totals[n], n))
    w.fact("leader", {"name": leader, "total": totals[leader]})
    w.say("two.leader", period=year_range(years[0], years[-1]), name=leader, value=w.num(totals[leader]))
    if len(years) >= 3:
        since = years[-2]
        newcomers = sorted((n for n, y in first_seen.items() if y >= since), key=lambda n: (-totals[n], n))
        if newcomers:
            w.fact("newcomers", {"since": since, "names": newcomers})
            w.say("two.newcomers", year=since, names=w.join(newcomers[:3]))
