"""Series per year (trends, running totals) and the forecast."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

from apps.charts.labels import year_range

from .writer import Table, Writer

# Direction of a series: the least-squares slope relative to the mean, per year.
DIRECTION_THRESHOLD = 0.03
RECENT_YEARS = 5
MIN_YEARS_FOR_RECENT_SHARE = 8


def _slope(xs: Sequence[float], ys: Sequence[float]) -> float:
    n = len(xs)
    mean_x, mean_y = sum(xs) / n, sum(ys) / n
    sxx = sum((x - mean_x) ** 2 for x in xs)
    return sum((x - mean_x) * (y - mean_y) for x, y in zip(xs, ys, strict=True)) / sxx if sxx else 0.0


def cagr(first_value: float, last_value: float, years: int) -> float:
    """Compound annual growth rate between two positive values `years` apart."""
    return (last_value / first_value) ** (1 / years) - 1


def yearly_facts(
    w: Writer, years: list[int], values: list[float], *, basis: str | None, value: Callable[[float], str]
) -> None:
    total = sum(values)
    first, last = years[0], years[-1]
    w.fact("total", total)
    w.fact("period", [first, last])
    if basis:
        w.say("trend.total", total=w.docs(total), basis=w.phrase(f"basis.{basis}"), first=first, last=last)
    else:
        w.say("trend.total_plain", total=value(total), first=first, last=last)
    if len(years) >= 3 and total > 0:
        relative = _slope(years, values) / (total / len(values))
        direction = (
            "rising"
            if relative > DIRECTION_THRESHOLD
            else "falling"
            if relative < -DIRECTION_THRESHOLD
            else "flat"
        )
        w.fact("direction", direction)
        w.say(f"trend.{direction}")
    positive = [(y, v) for y, v in zip(years, values, strict=True) if v > 0]
    if len(positive) >= 2:
        (y0, v0), (y1, v1) = positive[0], positive[-1]
        rate = cagr(v0, v1, y1 - y0)
        w.fact("cagr", {"first": y0, "last": y1, "rate": rate})
        if v0 == v1:
            w.say("trend.same", first=y0, last=y1, value=value(v0))
        else:
            w.say(
                "trend.cagr_up" if rate > 0 else "trend.cagr_down",
                first=y0,
                first_value=value(v0),
                last=y1,
                last_value=value(v1),
                rate=w.pct(abs(rate)),
                years=y1 - y0,
            )
    peak = max(values)
    if peak > 0:
        peak_years = [y for y, v in zip(years, values, strict=True) if v == peak]
        w.fact("peak", {"years": peak_years, "value": peak})
        if len(peak_years) > 1:
            w.say("trend.peaks", value=value(peak), years=w.join([str(y) for y in peak_years]))
        else:
            w.say(
                "trend.peak_latest" if peak_years[0] == last and len(years) > 1 else "trend.peak",
                year=peak_years[0],
                value=value(peak),
            )
    if len(years) >= MIN_YEARS_FOR_RECENT_SHARE and total > 0:
        recent = sum(values[-RECENT_YEARS:])
        w.fact("recent_share", {"years": RECENT_YEARS, "share": recent / total})
        w.say(
            "trend.recent",
            share=w.pct(recent / total),
            n=RECENT_YEARS,
            period=year_range(years[-RECENT_YEARS], last),
        )
    zero = sum(1 for v in values if v == 0)
    if zero:
        w.fact("years_without", zero)
        w.say("trend.zero_year" if zero == 1 else "trend.zero_years", zero=w.int(zero), n=w.int(len(years)))
    if basis == "publication" and len(values) >= 3 and values[-1] < values[-2]:
        w.say("trend.delay", year=last)


def cumulative_facts(w: Writer, years: list[int], counts: list[int], cumulative: list[int]) -> None:
    total = cumulative[-1]
    before = cumulative[0] - counts[0]
    w.fact("cumulative", {"year": years[-1], "total": total, "before_window": before})
    w.say("cum.total", year=years[-1], total=w.docs(total))
    if before > 0:
        w.say("cum.before", count=w.docs(before), year=years[0])
    if total > 0 and cumulative[0] * 2 < total:
        half_year = next(y for y, c in zip(years, cumulative, strict=True) if c * 2 >= total)
        w.fact("half_reached", half_year)
        w.say("cum.half", year=half_year)


def _trend(table: Table, w: Writer, context: dict[str, Any], *, cumulative: bool) -> None:
    years = [int(y) for y in table.column("year")]
    counts = [int(c) for c in table.column("count")]
    yearly_facts(w, years, counts, basis=table.meta.get("date_basis", "publication"), value=w.docs)
    if cumulative:
        cumulative_facts(w, years, counts, [int(c) for c in table.column("cumulative")])


def describe_publication_trend(table: Table, w: Writer, context: dict[str, Any]) -> None:
    _trend(table, w, context, cumulative=False)


def describe_cumulative(table: Table, w: Writer, context: dict[str, Any]) -> None:
    _trend(table, w, context, cumulative=True)


# --- Forecast --------------------------------------------------------------------------------------


def whole(value: float) -> int:
    """Round half up: 12.5 documents is said as 13."""
    return math.floor(value + 0.5)


def describe_forecast(table: Table, w: Writer, context: dict[str, Any]) -> None:
    meta = table.meta
    rows = list(
        zip(*(table.column(c) for c in ("year", "observed", "forecast", "lower", "upper")), strict=True)
    )
    observed = [(int(y), o) for y, o, *_ in rows if o is not None]
    ahead = [(int(y), f, lo, hi) for y, _, f, lo, hi in rows if f is not None]
    if observed:
        total = sum(o for _, o in observed)
        last_year, last_value = observed[-1]
        w.say(
            "fc.observed",
            total=w.docs(total),
            first=observed[0][0],
            last=last_year,
            last_value=w.docs(last_value),
        )
    slope = meta.get("slope_per_year")
    if slope is not None and meta.get("fit_first_year") is not None:
        period = year_range(meta["fit_first_year"], meta["fit_last_year"])
        shown = round(abs(slope), 1)
        key = "fc.slope_flat" if shown == 0 else "fc.slope_up" if slope > 0 else "fc.slope_down"
        w.fact("slope_per_year", slope)
        w.say(key, period=period, slope=w.docs(shown))
    r2 = meta.get("r_squared")
    if r2 is not None:
        w.fact("r_squared", r2)
        w.say("fc.r2_good" if r2 >= 0.7 else "fc.r2_fair" if r2 >= 0.4 else "fc.r2_poor", r2=w.pct(r2))
    if not ahead:
        return
    (y0, f0, _, _), (y1, f1, lo1, hi1) = ahead[0], ahead[-1]
    w.fact("forecast", {"first": [y0, f0], "last": [y1, f1], "interval": [lo1, hi1]})
    # A falling line reaches zero (the chart floors it there): say when, not "about 0 documents".
    zero_year = next((y for y, f, _, _ in ahead if whole(f) == 0), None)
    if zero_year is not None:
        w.fact("forecast_zero_from", zero_year)
    if zero_year == y0:
        w.say("fc.zero_from", year=y0)
    elif zero_year is not None:
        w.say("fc.projection_to_zero", first=y0, first_value=w.docs(whole(f0)), zero=zero_year)
    elif y0 == y1:
        w.say("fc.projection", first=y0, first_value=w.docs(whole(f0)))
    else:
        w.say(
            "fc.projection_range",
            first=y0,
            first_value=w.docs(whole(f0)),
            last=y1,
            last_value=w.docs(whole(f1)),
        )
    if whole(hi1) == 0:
        w.say("fc.caveat")
        return
    confidence = w.pct(float(meta.get("confidence", 0.95)))
    relative = (hi1 - f1) / f1 if f1 > 0 else None
    qualifier = (
        "fc.very_uncertain"
        if relative is None or relative >= 0.5
        else "fc.uncertain"
        if relative >= 0.2
        else "fc.precise"
    )
    clipped = f1 - (hi1 - f1) < 0  # the lower bound was cut at zero: the band is not symmetric
    if relative is not None and not clipped:
        w.fact("interval_relative", relative)
        w.say(
            "fc.interval_rel",
            confidence=confidence,
            year=y1,
            lower=w.int(whole(lo1)),
            upper=w.int(whole(hi1)),
            rel=w.pct(relative),
            qualifier=w.phrase(qualifier),
        )
    else:
        w.say(
            "fc.interval",
            confidence=confidence,
            year=y1,
            lower=w.int(whole(lo1)),
            upper=w.int(whole(hi1)),
            qualifier=w.phrase(qualifier),
        )
    if meta.get("clipped_at_zero"):
        w.say("fc.clipped")
    w.say("fc.caveat")
