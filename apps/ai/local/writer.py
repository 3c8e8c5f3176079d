"""The chart table as the describers read it, and the writer that turns facts into sentences."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from apps.charts.labels import format_int, format_number, format_percent

from .phrases import PHRASES


@dataclass(frozen=True)
class Table:
    columns: list[str]
    rows: list[list[Any]]
    meta: dict[str, Any]

    @classmethod
    def of(cls, chart: dict[str, Any]) -> Table:
        return cls(
            columns=list(chart.get("columns") or []),
            rows=list(chart.get("rows") or []),
            meta=dict(chart.get("meta") or {}),
        )

    def column(self, name: str) -> list[Any]:
        index = self.columns.index(name)
        return [row[index] if index < len(row) else None for row in self.rows]


@dataclass
class LocalDescription:
    text: str
    facts: dict[str, Any]


@dataclass
class Writer:
    """Collects the sentences (each from `PHRASES`) and the facts they state."""

    language: str
    sentences: list[str] = field(default_factory=list)
    facts: dict[str, Any] = field(default_factory=dict)

    def phrase(self, key: str, **values: Any) -> str:
        en, es = PHRASES[key]
        template = es if self.language == "es" else en
        return template.format(**values) if values else template

    def say(self, key: str, **values: Any) -> None:
        self.sentences.append(self.phrase(key, **values))

    def fact(self, name: str, value: Any) -> None:
        self.facts[name] = value

    # Numbers, written the way a reader of the language writes them.
    def int(self, value: int) -> str:
        return format_int(int(value), self.language)

    def pct(self, fraction: float) -> str:
        return format_percent(fraction, self.language)

    def num(self, value: float, digits: int = 1) -> str:
        if isinstance(value, int) or float(value).is_integer():
            return self.int(int(value))
        return format_number(float(value), self.language, digits)

    def docs(self, value: float) -> str:
        """'12 documents', '1 document' (Spanish: '12 documentos')."""
        noun = self.phrase("doc") if value == 1 else self.phrase("docs")
        return f"{self.num(value)} {noun}"

    def join(self, items: Sequence[str]) -> str:
        items = list(items)
        if len(items) <= 1:
            return "".join(items)
        return f"{', '.join(items[:-1])} {self.phrase('and')} {items[-1]}"
