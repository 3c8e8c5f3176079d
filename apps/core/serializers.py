"""Serializer fields shared by the apps."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

# The largest id a row can have (a 64-bit primary key, SQLite and PostgreSQL alike). A larger
# number in a request is invalid input (400); unchecked, it overflowed in the query (a 500).
MAX_ID = 2**63 - 1


class IdField(serializers.IntegerField):
    """An object's id in a request body: 1 to MAX_ID."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_ID)
        super().__init__(**kwargs)
