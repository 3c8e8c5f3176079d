"""Filter fields shared by the apps' list endpoints."""

from __future__ import annotations

import datetime as dt

import django_filters
from django.core.exceptions import ValidationError
from django_filters.fields import IsoDateTimeField


class UtcIsoDateTimeField(IsoDateTimeField):
    """An ISO 8601 date and time, converted to UTC before it reaches the query.

    Python accepts UTC offsets up to ±23:59 and PostgreSQL only up to ±15:59: unconverted,
    `?created_before=0581-12-23T10:04:10+23:16` was a database error (a 500 found by Schemathesis).
    A value that leaves the calendar once converted (year 1 at +23:00) is invalid input.
    """

    def to_python(self, value):
        value = super().to_python(value)
        if value is None:
            return None
        try:
            return value.astimezone(dt.UTC)
        except (OverflowError, ValueError) as exc:
            raise ValidationError("This date and time is out of range.", code="invalid") from exc


class UtcIsoDateTimeFilter(django_filters.IsoDateTimeFilter):
    field_class = UtcIsoDateTimeField
