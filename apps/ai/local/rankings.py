"""Rankings (applicants, inventors, countries) and the CPC treemap."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from apps.charts.labels import label

from .writer import Table, Writer

# Share of the top 3 among those shown, above/below which a field reads as concentrated/spread;
# with fewer rows than MIN_ROWS_FOR_SHARE the top 3 are most of the chart and the share says nothing.
CONCENTRATED, SPREAD = 0.6, 0.4
MIN_ROWS_FOR_SHARE = 6


def ranking_facts(
    w: Writer,
    names: list[str],
    values: list[float],
    *,
    ranks: list[int] | None = None,
    value: Callable[[float], str],
) -> None:
    """Leader, runner-up and concentration among the rows shown (largest first)."""
    ranks = ranks or [1 + sum(1 for v in values if v > x) for x in values]
    leaders = [n for n, r in zip(names, ranks, strict=True) if r == 1]
    w.fact("leaders", {"names": leaders, "value": values[0]})
    if len(leaders) > 1:
        w.say("rank.lead_shared", names=w.join(leaders[:5]), value=value(values[0]))
    elif len(names) > 1:
        w.say(
            "rank.lead_ahead",
            name=names[0],
            value=value(values[0]),
            second=names[1],
            second_value=value(values[1]),
        )
    else:
        w.say("rank.lead_only", name=names[0], value=value(values[0]))
    shown_total = sum(values)
    if len(values) >= MIN_ROWS_FOR_SHARE and shown_total > 0:
        share = sum(values[:3]) / shown_total
        w.fact("top3_share_of_shown", share)
        qualifier = (
            "rank.concentrated"
            if share > CONCENTRATED
            else "rank.spread"
            if share < SPREAD
            else "rank.moderate"
        )
        w.say("rank.top3_shown", share=w.pct(share), n=w.int(len(values)), qualifier=w.phrase(qualifier))


def _describe_ranking(
    table: Table, w: Writer, context: dict[str, Any], *, name_column: str, entity: str
) -> None:
    meta = table.meta
    names = [str(n) for n in table.column(name_column)]
    counts = [int(c) for c in table.column("count")]
    ranks = [int(r) for r in table.column("rank")]
    entity_words = w.phrase(f"ent.{entity}")
    ranking_facts(w, names, counts, ranks=ranks, value=w.docs)
    entries = meta.get("entries")
    facet = (context.get("facets") or {}).get(meta.get("field") or "", {})
    facet_total = facet.get("total") if isinstance(facet, dict) else None
    # Shares of everything need the whole list (the dataset's facet total): not a source that listed
    # only its top entries, nor a ranking that left some entries out (regional offices).
    if (
        isinstance(facet_total, int)
        and facet_total > 0
        and entries
        and entries > len(names)
        and not meta.get("truncated")
        and not meta.get("excluded_offices")
        and facet_total >= sum(counts)
    ):
        share3 = sum(counts[:3]) / facet_total
        w.fact("top3_share_of_all", share3)
        if len(counts) >= 10 and entries > 10:
            share10 = sum(counts[:10]) / facet_total
            w.fact("top10_share_of_all", share10)
            w.say(
                "rank.share_all_10",
                entries=w.int(entries),
                entity=entity_words,
                total=w.int(facet_total),
                share3=w.pct(share3),
                share10=w.pct(share10),
            )
        else:
            w.say(
                "rank.share_all",
                entries=w.int(entries),
                entity=entity_words,
                total=w.int(facet_total),
                share3=w.pct(share3),
            )
    elif entries and entries > len(names):
        w.say("rank.shown_of", n=w.int(len(names)), entries=w.int(entries), entity=entity_words)
    if meta.get("tied_beyond_cutoff"):
        w.say("rank.ties", count=w.int(meta["tied_beyond_cutoff"]), value=w.docs(counts[-1]))
    if meta.get("truncated") and meta.get("listed"):
        w.say("rank.truncated", listed=w.int(meta["listed"]), entity=entity_words)
    if entity in ("applicant", "inventor"):
        w.say("rank.counting", entity=entity_words)


def describe_top_applicants(table: Table, w: Writer, context: dict[str, Any]) -> None:
    _describe_ranking(table, w, context, name_column="applicant", entity="applicant")


def describe_top_inventors(table: Table, w: Writer, context: dict[str, Any]) -> None:
    _describe_ranking(table, w, context, name_column="inventor", entity="inventor")


def describe_top_countries(table: Table, w: Writer, context: dict[str, Any]) -> None:
    _describe_ranking(table, w, context, name_column="country", entity="country")
    meta = table.meta
    code, status = meta.get("highlight"), meta.get("highlight_status")
    if code and status == "shown":
        codes = [str(c) for c in table.column("country")]
        index = codes.index(code)
        w.say(
            "country.shown",
            code=code,
            rank=table.column("rank")[index],
            value=w.docs(table.column("count")[index]),
        )
    elif code and status == "outside_top_n":
        w.say("country.outside", code=code, n=w.int(len(table.rows)))
    elif code and status == "absent":
        w.say("country.absent", code=code)
    elif code and status == "excluded" and not meta.get("excluded_offices"):
        w.say("country.excluded", code=code)  # otherwise the list of offices left out names it
    if meta.get("excluded_offices"):
        w.say("country.regional_out", codes=", ".join(meta["excluded_offices"]))


# --- CPC treemap -----------------------------------------------------------------------------------


def describe_cpc_treemap(table: Table, w: Writer, context: dict[str, Any]) -> None:
    meta = table.meta
    ranked = [
        (str(code), section, int(count))
        for rank, code, section, count in zip(
            *(table.column(c) for c in ("rank", "code", "section", "count")), strict=True
        )
        if rank is not None
    ]
    if not ranked:
        return
    level = w.phrase(f"level.{meta.get('level', 'main_group')}")
    (code, _, count), others = ranked[0], ranked[1:3]
    if others:
        w.say(
            "cpc.lead_more",
            level=level,
            code=code,
            value=w.docs(count),
            others=w.join([f"{c} ({w.int(n)})" for c, _, n in others]),
        )
    else:
        w.say("cpc.lead", level=level, code=code, value=w.docs(count))
    shown_total = sum(n for *_, n in ranked)
    sections: dict[str, int] = {}
    for _, section, n in ranked:
        if section:
            sections[section] = sections.get(section, 0) + n
    order = sorted(sections.items(), key=lambda kv: (-kv[1], kv[0]))
    w.fact("sections", {letter: total / shown_total for letter, total in order})
    if order:
        letter, total = order[0]
        name = label(f"cpc.section.{letter}", w.language)
        if len(order) > 1:
            letter2, total2 = order[1]
            w.say(
                "cpc.section_next",
                letter=letter,
                name=name,
                share=w.pct(total / shown_total),
                letter2=letter2,
                share2=w.pct(total2 / shown_total),
            )
        else:
            w.say("cpc.section", letter=letter, name=name, share=w.pct(total / shown_total))
    if len(ranked) >= MIN_ROWS_FOR_SHARE:
        share = sum(n for *_, n in ranked[:3]) / shown_total
        qualifier = (
            "rank.concentrated"
            if share > CONCENTRATED
            else "rank.spread"
            if share < SPREAD
            else "rank.moderate"
        )
        w.fact("top3_share_of_shown", share)
        w.say("rank.top3_shown", share=w.pct(share), n=w.int(len(ranked)), qualifier=w.phrase(qualifier))
    groups = meta.get("groups")
    if groups and groups > len(ranked):
        w.say("cpc.shown_of", n=w.int(len(ranked)), groups=w.int(groups))
    if meta.get("show_other") and meta.get("other_groups"):
        w.say("cpc.other", groups=w.int(meta["other_groups"]), value=w.docs(meta["other_count"]))
    w.say("cpc.counting")
