"""The errors whose text is written for school staff, and so is safe to show as it is."""

from __future__ import annotations

from collections.abc import Iterable


class UserError(Exception):
    """A problem the person can put right; its text names the place and says what is allowed."""


class FileProblems(UserError):
    """A file that cannot be imported: every problem is listed, one a line, and nothing was
    stored. A problem is anything whose text names its line and column."""

    def __init__(self, problems: Iterable[object]) -> None:
        self.problems = tuple(problems)
        count = len(self.problems)
        heading = f"Nothing was imported: {count} problem{'s' if count != 1 else ''} to put right."
        super().__init__("\n".join([heading, *(f"  {p}" for p in self.problems)]))
