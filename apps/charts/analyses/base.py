"""What an analysis is.

An analysis is a versioned pure function from the canonical data and its parameters to chart
data, plus a renderer from chart data and a style to a matplotlib figure. It declares the fields
it needs (which may depend on its parameters), so a job asking for it on a dataset that lacks them
is refused before anything is queued.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

from pydantic import BaseModel, ConfigDict

from apps.datasets.canonical import CanonicalData, Field

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from apps.charts.style import Style

Cell = str | int | float | None

# Spreadsheet applications execute cells that start with these as formulas; a CSV we write must
# never let a patent title like "=HYPERLINK(...)" run in the analyst's Excel.
_FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def neutralise_formula(value: Cell) -> Cell:
    if isinstance(value, str) and value.startswith(_FORMULA_PREFIXES):
        return "'" + value
    return value


class Params(BaseModel):
    """Base for analysis parameters: unknown keys are errors, not silently ignored."""

    model_config = ConfigDict(extra="forbid", frozen=True)


@dataclass
class ChartData:
    """The data behind one chart: a table (saved as CSV and JSON) and what the renderer needs.

    Values are plain Python numbers and strings, never numpy scalars, so they fit JSON fields.
    """

    columns: list[str]
    rows: list[list[Cell]]
    meta: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {"columns": self.columns, "rows": self.rows, "meta": self.meta}

    def to_csv(self) -> bytes:
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow([neutralise_formula(c) for c in self.columns])
        writer.writerows([[neutralise_formula(v) for v in row] for row in self.rows])
        return buffer.getvalue().encode("utf-8")


class Analysis:
    key: ClassVar[str]
    version: ClassVar[int]
    title: ClassVar[str]
    description: ClassVar[str]
    params_model: ClassVar[type[Params]]

    def required_fields(self, params: Params) -> tuple[Field, ...]:
        raise NotImplementedError

    def compute(self, data: CanonicalData, params: Params) -> ChartData:
        raise NotImplementedError

    def render(self, chart: ChartData, style: Style) -> Figure:
        raise NotImplementedError
