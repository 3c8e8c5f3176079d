"""A forecast of documents per year: a straight line through the recent years, with its uncertainty.

Why ordinary least squares on a linear trend: it is the method an analyst can state in one sentence
and check in a spreadsheet, and patent counts per year are too short and too noisy (a few dozen
points, often with a publication-delay dip at the end) for anything richer to be more than a
confident-looking guess. The band is the OLS *prediction* interval for a single future year,

    y0 ± t(1 - alpha/2, n - 2) · s · sqrt(1 + 1/n + (x0 - x̄)² / Sxx),

which widens with the distance from the fitted years, and is clipped at zero because counts
cannot be negative. The first forecast year is the year after the last observed one.

The observed years are the data's years inside the window (`start_year`, `end_year`) and up to the
`cutoff` (see `apps.charts.analyses.years`); unlike a trend chart the window is never widened past
the data with zeros, since a fitted line through invented zeros would forecast a collapse. With
`cutoff: "auto"` the incomplete recent years are left out of the fit, which is usually what an
analyst wants from a forecast; it is not the default so that the chart shows every observed year
unless asked.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pydantic

from apps.charts.analyses.base import Analysis, ChartData, Params
from apps.charts.analyses.common import columns_of, source_meta, source_notes
from apps.charts.analyses.trends import year_axis_label
from apps.charts.analyses.years import (
    DATE_FIELDS,
    MAX_YEAR,
    MIN_YEAR,
    CutoffParams,
    cutoff_fields,
    resolve_cutoff,
    window_notes,
    year_counts,
)
from apps.charts.labels import format_percent, label, year_range
from apps.datasets.canonical import CanonicalData, Field

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from apps.charts.style import Style

# Two points always fit a line exactly and leave no residual to estimate the spread from.
MIN_YEARS = 3
DECIMALS = 3  # forecast values are documents per year: thousandths are plenty

METHOD_DESCRIPTION = (
    "Ordinary least squares straight line fitted to documents per year over the fit window "
    "(years without documents count as 0), extrapolated one year at a time after the last observed "
    "year; the band is the prediction interval for a single year, from Student's t with n - 2 degrees "
    "of freedom; values below zero are set to zero."
)
RECENT_YEARS_CAVEAT = (
    "Documents are published months after filing (typically 18 months after the priority date), so "
    "the last observed years may be incomplete and pull the trend down."
)


class ForecastParams(CutoffParams):
    horizon: int = pydantic.Field(default=5, ge=1, le=10, description="Years to forecast.")
    confidence: float = pydantic.Field(
        default=0.95, ge=0.5, le=0.99, description="Coverage of the prediction interval, e.g. 0.8, 0.9, 0.95."
    )
    fit_years: int = pydantic.Field(
        default=10,
        ge=MIN_YEARS,
        le=100,
        description="How many of the last observed years the trend is fitted on.",
    )


@dataclass(frozen=True)
class LinearFit:
    """An OLS line y = mean_y + slope · (x - mean_x), with what its prediction interval needs."""

    n: int
    mean_x: float
    mean_y: float
    slope: float
    sxx: float  # Σ (x - x̄)²
    ssr: float  # Σ residual²
    sst: float  # Σ (y - ȳ)²

    @property
    def degrees_of_freedom(self) -> int:
        return self.n - 2

    @property
    def residual_std(self) -> float:
        """s, the standard error of the regression."""
        return math.sqrt(self.ssr / self.degrees_of_freedom)

    @property
    def r_squared(self) -> float | None:
        """Share of the variance the line explains; undefined when every year had the same count."""
        return 1 - self.ssr / self.sst if self.sst > 0 else None

    def predict(self, x: float) -> float:
        return self.mean_y + self.slope * (x - self.mean_x)

    def prediction_margin(self, x: float, t: float) -> float:
        """Half-width of the prediction interval at `x`, for Student quantile `t`."""
        leverage = 1 + 1 / self.n + (x - self.mean_x) ** 2 / self.sxx
        return t * self.residual_std * math.sqrt(leverage)


def fit_line(xs: list[int], ys: list[int]) -> LinearFit:
    """Least-squares line through (xs, ys); at least three distinct xs."""
    if len(xs) != len(ys) or len(set(xs)) < MIN_YEARS:
        raise ValueError(f"A linear fit with an interval needs at least {MIN_YEARS} distinct years.")
    n = len(xs)
    mean_x, mean_y = sum(xs) / n, sum(ys) / n
    sxx = sum((x - mean_x) ** 2 for x in xs)
    sxy = sum((x - mean_x) * (y - mean_y) for x, y in zip(xs, ys, strict=True))
    slope = sxy / sxx
    ssr = sum((y - (mean_y + slope * (x - mean_x))) ** 2 for x, y in zip(xs, ys, strict=True))
    sst = sum((y - mean_y) ** 2 for y in ys)
    return LinearFit(n=n, mean_x=mean_x, mean_y=mean_y, slope=slope, sxx=sxx, ssr=ssr, sst=sst)


def t_quantile(confidence: float, degrees_of_freedom: int) -> float:
    """The two-sided Student t critical value: P(|T| ≤ t) = confidence."""
    from scipy import stats  # imported here: scipy.stats takes ~0.5 s to load; web never needs it

    return float(stats.t.ppf((1 + confidence) / 2, degrees_of_freedom))


def _round(value: float) -> float:
    return float(round(value, DECIMALS)) + 0.0  # + 0.0 turns -0.0 into 0.0


class Forecast(Analysis):
    key = "forecast"
    # 2: window (`start_year`, `end_year`) and `cutoff` parameters, and their keys in the meta.
    version = 2
    title = label("analysis.forecast.title", "en")
    description = label("analysis.forecast.description", "en")
    params_model = ForecastParams

    def required_fields(self, params: Params) -> tuple[Field, ...]:
        assert isinstance(params, ForecastParams)
        return (DATE_FIELDS[params.date_basis], *cutoff_fields(params))

    def compute(self, data: CanonicalData, params: Params) -> ChartData:
        assert isinstance(params, ForecastParams)
        facet, counts = year_counts(data, params.date_basis)
        cutoff = resolve_cutoff(data, params.date_basis, params.cutoff)
        counted = counts if cutoff.year is None else counts.up_to(cutoff.year)
        low = MIN_YEAR if params.start_year is None else params.start_year
        high = MAX_YEAR if params.end_year is None else params.end_year
        years = [year for year in counted.by_year if low <= year <= high]
        if len(years) < MIN_YEARS:
            limits = " in the years asked for" if params.windowed or cutoff.year is not None else ""
            raise ValueError(
                f"A forecast needs documents in at least {MIN_YEARS} different years; the dataset's "
                f"{facet.field.label} have {len(years)}{limits}."
            )
        first, last = min(years), max(years)
        observed = counted.filled(first, last)
        fit_first = max(first, last - params.fit_years + 1)
        fit_rows = [(year, count) for year, count in observed if year >= fit_first]
        fit = fit_line([y for y, _ in fit_rows], [c for _, c in fit_rows])
        t = t_quantile(params.confidence, fit.degrees_of_freedom)

        rows: list[list[Any]] = [
            [year, count, _round(fit.predict(year)) if year >= fit_first else None, None, None, None]
            for year, count in observed
        ]
        clipped = False
        for year in range(last + 1, last + params.horizon + 1):
            point, margin = fit.predict(year), fit.prediction_margin(year, t)
            clipped = clipped or point - margin < 0
            rows.append(
                [
                    year,
                    None,
                    None,
                    _round(max(point, 0.0)),
                    _round(max(point - margin, 0.0)),
                    _round(max(point + margin, 0.0)),
                ]
            )

        meta = {
            "analysis": self.key,
            "version": self.version,
            "date_basis": params.date_basis,
            "method": "ols_linear_trend",
            "method_description": METHOD_DESCRIPTION,
            "interval": "prediction",
            "confidence": params.confidence,
            "t_quantile": _round(t),
            "degrees_of_freedom": fit.degrees_of_freedom,
            "fit_first_year": fit_first,
            "fit_last_year": last,
            "fit_years": fit.n,
            "slope_per_year": _round(fit.slope),
            "r_squared": None if fit.r_squared is None else _round(fit.r_squared),
            "residual_std_error": _round(fit.residual_std),
            "horizon": params.horizon,
            "first_observed_year": first,
            "last_observed_year": last,
            "first_forecast_year": last + 1,
            "last_forecast_year": last + params.horizon,
            "documents_total": sum(counts.by_year.values()),
            "documents_observed": sum(count for _, count in observed),
            "documents_without_year": counts.without_year,
            "window_start_year": params.start_year,
            "window_end_year": params.end_year,
            **cutoff.meta(),
            "documents_after_cutoff": 0 if cutoff.year is None else counts.after(cutoff.year),
            "clipped_at_zero": clipped,
            "caveat": RECENT_YEARS_CAVEAT,
            **source_meta(data, facet),
        }
        columns = ["year", "observed", "fitted", "forecast", "lower", "upper"]
        return ChartData(columns=columns, rows=rows, meta=meta)

    def render(self, chart: ChartData, style: Style) -> Figure:
        from matplotlib.patches import Patch

        from apps.charts import rendering as r

        language, meta, colors = style.language, chart.meta, style.colors
        years, observed, fitted, forecast, lower, upper = columns_of(
            chart, "year", "observed", "fitted", "forecast", "lower", "upper"
        )
        seen = [(y, v) for y, v in zip(years, observed, strict=True) if v is not None]
        # The fitted line over the fit window and the forecast after it are one straight line.
        trend = [(y, f if f is not None else p) for y, f, p in zip(years, fitted, forecast, strict=True)]
        trend = [(y, v) for y, v in trend if v is not None]
        ahead = [
            (y, p, lo, hi)
            for y, p, lo, hi in zip(years, forecast, lower, upper, strict=True)
            if p is not None
        ]
        confidence = format_percent(meta["confidence"], language)
        legend_labels = [
            label("legend.observed", language),
            label("legend.trend", language),
            label("legend.interval", language, confidence=confidence),
        ]
        canvas = r.cartesian_chart(
            style,
            title=label(f"analysis.{self.key}.title", language),
            subtitle=label(
                "subtitle.forecast",
                language,
                observed=year_range(meta["first_observed_year"], meta["last_observed_year"]),
                forecast=year_range(meta["first_forecast_year"], meta["last_forecast_year"]),
            ),
            notes=[
                label(
                    "note.forecast_method",
                    language,
                    fit_years=year_range(meta["fit_first_year"], meta["fit_last_year"]),
                    confidence=confidence,
                ),
                *window_notes(meta, language),
                *([] if meta.get("cutoff_year") is not None else [label("note.recent_years", language)]),
                *source_notes(meta, language),
            ],
            x_label=year_axis_label(meta, language),
            y_label=label("axis.documents", language),
            y_top=r.count_axis_top(max([v for _, v in seen] + [hi for *_, hi in ahead], default=0)),
            legend_labels=legend_labels,
        )
        ax = canvas.ax
        ahead_years = [y for y, *_ in ahead]
        ax.fill_between(
            ahead_years,
            [lo for *_, lo, _ in ahead],
            [hi for *_, hi in ahead],
            color=colors.accent,
            alpha=0.18,
            linewidth=0,
        )
        if len(ahead) == 1:  # a one-year band has no width: show it as an error bar
            year, _, lo, hi = ahead[0]
            ax.vlines(year, lo, hi, color=colors.accent, alpha=0.5, linewidth=6)
        (trend_line,) = ax.plot(
            [y for y, _ in trend], [v for _, v in trend], color=colors.accent, linewidth=1.6, linestyle="--"
        )
        ax.plot(
            ahead_years,
            [p for _, p, _, _ in ahead],
            linestyle="none",
            marker="o",
            markersize=4,
            markerfacecolor="white",
            markeredgecolor=colors.accent,
            zorder=4,
        )
        (seen_line,) = ax.plot(
            [y for y, _ in seen],
            [v for _, v in seen],
            color=colors.primary,
            linewidth=2,
            marker="o" if len(seen) <= 40 else None,  # beyond ~40 years markers only smear the line
            markersize=3.5,
        )
        r.setup_year_axis(ax, years[0], years[-1], pad=0.5)
        band = Patch(color=colors.accent, alpha=0.18, linewidth=0)
        r.legend_above(ax, style, [seen_line, trend_line, band], legend_labels)
        return canvas.fig
