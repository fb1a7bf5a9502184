"""A problem found in a content file, with the file and line a SENDCO should look at."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class FileProblem:
    """Something wrong in a file (an error stops it being loaded) or worth a look (a warning)."""

    file: str
    line: int | None
    message: str
    is_error: bool = True

    @property
    def kind(self) -> str:
        """'error' or 'warning', as the person reading the report would say it."""
        return "error" if self.is_error else "warning"

    def __str__(self) -> str:
        where = self.file if self.line is None else f"{self.file}, line {self.line}"
        return f"{where}: {self.message}"


def in_reading_order(problems: Iterable[FileProblem]) -> list[FileProblem]:
    """Errors before warnings, then by file and line, so the report reads top to bottom."""
    return sorted(problems, key=lambda p: (not p.is_error, p.file, p.line or 0))


def has_errors(problems: Iterable[FileProblem]) -> bool:
    """True when any problem would stop the content being loaded."""
    return any(p.is_error for p in problems)
