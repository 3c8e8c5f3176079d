"""The record-level analyses: applicants over time, co-classification, life cycle, new entrants,
family sizes, legal status, most-cited documents and jurisdictions of protection.

Every number written here is a cell of the chart's table or a value of its meta (totals, shares,
medians the analysis computed): nothing is derived in the prose, so the test can check each number
against the chart's data as it is stored.
"""

from __future__ import annotations

from typing import Any

from apps.charts.labels import year_range

from .writer import Table, Writer

# Applicants shown in the small multiples / heatmap named in the sentence about the leaders.
NAMED = 3


def _period(table: Table) -> str:
    """The window the chart counts: from its meta, or from its year column (an older chart)."""
    meta = table.meta
    if "first_year" in meta and "last_year" in meta:
        return year_range(int(meta["first_year"]), int(meta["last_year"]))
    years = [int(y) for y in table.column("year")]
    return year_range(min(years), max(years))


def _per_applicant(table: Table) -> tuple[list[str], list[int], dict[str, list[int]]]:
    names = [str(n) for n in table.column("applicant")]
    years = [int(y) for y in table.column("year")]
    counts = [int(c) for c in table.column("count")]
    order = list(dict.fromkeys(names))
    all_years = sorted(set(years))
    series = {name: [0] * len(all_years) for name in order}
    for name, year, count in zip(names, years, counts, strict=True):
        series[name][all_years.index(year)] = count
    return order, all_years, series


def describe_applicant_years(table: Table, w: Writer, context: dict[str, Any]) -> None:
    """The heatmap and the small multiples: the leaders, the leader's peak, who is active last."""
    meta = table.meta
    order, years, series = _per_applicant(table)
    totals = {name: int(meta.get("totals", {}).get(name, sum(series[name]))) for name in order}
    leader = order[0]
    w.fact("leader", {"name": leader, "total": totals[leader]})
    if len(order) > 1:
        w.say(
            "ay.leaders",
            period=_period(table),
            name=leader,
            value=w.docs(totals[leader]),
            others=w.join([f"{name} ({w.int(totals[name])})" for name in order[1:NAMED]]),
        )
    else:
        w.say("ay.leader_only", period=_period(table), name=leader, value=w.docs(totals[leader]))
    peak = max(series[leader])
    if peak > 0 and len(years) > 1:
        peak_year = years[series[leader].index(peak)]
        w.say("ay.peak", name=leader, year=peak_year, value=w.docs(peak))
    last = years[-1]
    latest = max(order, key=lambda name: (series[name][-1], -order.index(name)))
    if series[latest][-1] > 0:
        if latest == leader:
            w.say("ay.latest_leader", year=last, name=latest, value=w.docs(series[latest][-1]))
        else:
            w.say("ay.latest_other", year=last, name=latest, value=w.docs(series[latest][-1]))
    else:
        w.say("ay.latest_none", year=last)
    entries = meta.get("entries")
    if isinstance(entries, int) and entries > len(order):
        w.say("rank.shown_of", n=w.int(len(order)), entries=w.int(entries), entity=w.phrase("ent.applicant"))


def describe_co_classification(table: Table, w: Writer, context: dict[str, Any]) -> None:
    meta = table.meta
    totals: dict[str, int] = dict(meta.get("totals") or {})
    codes = list(totals)
    if not codes:
        return
    scheme = str(meta.get("scheme", "cpc")).upper()
    level = w.phrase(f"cc.level.{meta.get('level', 'subclass')}")
    w.say(
        "cc.lead",
        scheme=scheme,
        level=level,
        code=codes[0],
        value=w.docs(totals[codes[0]]),
        others=w.join([f"{code} ({w.int(totals[code])})" for code in codes[1:3]]),
    )
    pairs = [p for p in meta.get("strongest_pairs") or [] if p[2] > 0]
    if pairs:
        (a, b, n), rest = pairs[0], pairs[1:3]
        if rest:
            w.say(
                "cc.pairs",
                a=a,
                b=b,
                value=w.docs(n),
                others=w.join([f"{x} + {y} ({w.int(m)})" for x, y, m in rest]),
            )
        else:
            w.say("cc.pair", a=a, b=b, value=w.docs(n))
        w.fact("strongest_pair", pairs[0])
    else:
        w.say("cc.no_pairs")
    shown, multi = meta.get("documents_with_shown_codes"), meta.get("documents_with_two_shown_codes")
    if isinstance(shown, int) and isinstance(multi, int) and shown:
        w.say("cc.multi", multi=w.int(multi), shown=w.docs(shown))


def describe_life_cycle(table: Table, w: Writer, context: dict[str, Any]) -> None:
    years = [int(y) for y in table.column("year")]
    documents = [int(d) for d in table.column("documents")]
    applicants = [int(a) for a in table.column("applicants")]
    first, last = years[0], years[-1]
    w.say(
        "lc.span",
        first=first,
        last=last,
        d0=w.int(documents[0]),
        d1=w.int(documents[-1]),
        a0=w.int(applicants[0]),
        a1=w.int(applicants[-1]),
    )
    peak_a, peak_d = max(applicants), max(documents)
    year_a, year_d = years[applicants.index(peak_a)], years[documents.index(peak_d)]
    w.fact("peaks", {"applicants": [year_a, peak_a], "documents": [year_d, peak_d]})
    if year_a == year_d:
        w.say("lc.peak_same", year=year_a, applicants=w.int(peak_a), documents=w.docs(peak_d))
    else:
        w.say("lc.peaks", year_a=year_a, applicants=w.int(peak_a), year_d=year_d, documents=w.docs(peak_d))
    if len(years) >= 3:
        if applicants[-1] == peak_a and documents[-1] == peak_d:
            w.say("lc.growing", year=last)
        elif applicants[-1] < peak_a and documents[-1] < peak_d:
            w.say("lc.below_peaks", year=last)


def describe_new_entrants(table: Table, w: Writer, context: dict[str, Any]) -> None:
    meta = table.meta
    years = [int(y) for y in table.column("year")]
    new = [int(n) for n in table.column("new_entrants")]
    active = [int(a) for a in table.column("active_applicants")]
    w.say("ne.total", period=_period(table), total=w.int(int(meta.get("new_entrants_total", sum(new)))))
    first_data = meta.get("first_data_year")
    # The export's first year makes every applicant new: it says nothing about arrivals.
    candidates = [i for i, year in enumerate(years) if year != first_data] or list(range(len(years)))
    best = max(candidates, key=lambda i: (new[i], -i))
    if new[best] > 0:
        w.say("ne.peak", year=years[best], new=w.int(new[best]), active=w.int(active[best]))
    if first_data in years:
        w.say("ne.first_year", year=first_data)
    last = len(years) - 1
    if last != best and active[last] > 0 and not new[last]:
        w.say("ne.latest_none", year=years[last])
    elif last != best and active[last] > 0:
        named = (meta.get("largest_new_entrants") or {}).get(str(years[last])) or []
        if named and new[last] > 0:
            name, count = named[0]
            w.say(
                "ne.latest_named",
                year=years[last],
                new=w.int(new[last]),
                active=w.int(active[last]),
                name=name,
                value=w.docs(count),
            )
        else:
            w.say("ne.latest", year=years[last], new=w.int(new[last]), active=w.int(active[last]))


def describe_family_sizes(table: Table, w: Writer, context: dict[str, Any]) -> None:
    meta = table.meta
    sizes = [int(s) for s in table.column("family_size")]
    labels = [str(x) for x in table.column("label")]
    families = [int(f) for f in table.column("families")]
    shares = [float(s) for s in table.column("share")]
    w.say(
        "fs.summary",
        families=w.int(meta["families"]),
        median=w.num(meta["median_size"]),
        largest=w.int(meta["largest_size"]),
    )
    if sizes and sizes[0] == 1 and families[0] == 1:
        w.say("fs.single_one", share=w.pct(shares[0]))
    elif sizes and sizes[0] == 1 and families[0]:
        w.say("fs.single", count=w.int(families[0]), share=w.pct(shares[0]))
    common = max(range(len(sizes)), key=lambda i: (families[i], -i))
    if labels[common].isdigit() and sizes[common] > 1:  # size 1 was the sentence before
        w.say("fs.mode", size=labels[common], count=w.int(families[common]))
    if meta.get("families_in_last_bar"):
        w.say("fs.open", count=w.int(meta["families_in_last_bar"]), size=w.int(meta["max_size"]))
    if meta.get("unit") == "publications":
        w.say("fs.no_ids")


def describe_legal_status(table: Table, w: Writer, context: dict[str, Any]) -> None:
    meta = table.meta
    parts = [
        w.phrase(f"ls.{status}", count=w.int(count), share=w.pct(share))
        for status, count, share in zip(
            table.column("status"), table.column("count"), table.column("share"), strict=True
        )
    ]
    w.say("ls.summary", total=w.docs(meta["documents"]), parts=w.join(parts))
    counts = dict(zip(table.column("status"), table.column("count"), strict=True))
    largest = max(counts, key=lambda status: (counts[status], status))
    if largest in ("active", "pending"):
        w.say("ls.alive_lead")
    elif largest in ("discontinued", "expired", "inactive"):
        w.say("ls.dead_lead")
    else:
        w.say("ls.unknown_lead")


def describe_most_cited(table: Table, w: Writer, context: dict[str, Any]) -> None:
    meta = table.meta
    rows = list(
        zip(
            *(table.column(c) for c in ("publication_number", "applicant", "year", "cited_by")),
            strict=True,
        )
    )
    number, applicant, year, count = rows[0]
    details = ", ".join(str(part) for part in (applicant, year) if part)
    if details:
        w.say("mc.top", number=number, details=details, value=w.int(count))
    else:
        w.say("mc.top_plain", number=number, value=w.int(count))
    if len(rows) > 1:
        w.say("mc.next", others=w.join([f"{n} ({w.int(c)})" for n, _, _, c in rows[1:3]]))
    total, cited, counted = (
        meta.get(k) for k in ("citations_total", "documents_cited", "documents_with_counts")
    )
    if isinstance(total, int) and isinstance(cited, int) and isinstance(counted, int):
        w.say("mc.totals", total=w.int(total), cited=w.int(cited), counted=w.docs(counted))
    w.say("mc.caveat")


def describe_jurisdictions(table: Table, w: Writer, context: dict[str, Any]) -> None:
    meta = table.meta
    codes = [str(c) for c in table.column("jurisdiction")]
    families = [int(f) for f in table.column("families")]
    shares = [float(s) for s in table.column("share")]
    w.say(
        "jf.lead",
        families=w.int(meta["families"]),
        code=codes[0],
        count=w.int(families[0]),
        share=w.pct(shares[0]),
    )
    if len(codes) > 1:
        w.say(
            "jf.next",
            others=w.join(
                [
                    f"{c} ({w.int(n)}, {w.pct(s)})"
                    for c, n, s in zip(codes[1:4], families[1:4], shares[1:4], strict=True)
                ]
            ),
        )
    entries = meta.get("entries")
    if isinstance(entries, int) and entries > len(codes):
        w.say("jf.shown_of", n=w.int(len(codes)), entries=w.int(entries))
    if meta.get("excluded_offices"):
        w.say("country.regional_out", codes=", ".join(meta["excluded_offices"]))
    w.say("jf.counting")
