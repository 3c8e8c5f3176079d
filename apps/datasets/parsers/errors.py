"""The one error a parser raises for a file it cannot read.

An upload that is not what Intelli expects is the user's everyday mistake, not a bug: the
dataset ends FAILED with this message on it, shown as is in the UI. So the message is written for
a patent analyst — what is wrong with the file and what to do about it — never a traceback or a
library's wording. The `code` is a short stable key for the frontend (translations, help links)
and for tests; the English message stays the source of truth.
"""

from __future__ import annotations


class ParseError(Exception):
    """A file that cannot be read, with a message for the person who uploaded it."""

    def __init__(self, message: str, *, code: str = "invalid") -> None:
        super().__init__(message)
        self.message = message
        self.code = code

    def __str__(self) -> str:
        return self.message


def describe(filename: str) -> str:
    """How messages name the file: by the name the user knows it by, when there is one."""
    return f"'{filename}'" if filename else "This file"
