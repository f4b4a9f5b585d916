"""The exceptions nkecon raises: one hierarchy rooted at :class:`NkeconError`.

The command line turns any :class:`NkeconError` into one readable line and a non-zero exit
status; library users can catch the class that concerns them.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "NkeconError",
    "DataError",
    "Problem",
    "UnknownDatasetError",
    "ParameterError",
    "ReportError",
    "FetchError",
]


class NkeconError(Exception):
    """Base class of every error raised on purpose by nkecon."""


@dataclass(frozen=True)
class Problem:
    """One thing wrong with one data file.

    ``line`` is the 1-based physical line of the file (the header is line 1), or ``None``
    when the problem concerns the whole file. ``column`` is the column name, or ``None``.
    """

    file: str
    message: str
    line: int | None = None
    column: str | None = None
    value: str | None = None

    def __str__(self) -> str:
        where = self.file
        if self.line is not None:
            where += f", line {self.line}"
        if self.column is not None:
            where += f", column {self.column!r}"
        if self.value is not None:
            return f"{where}: value {self.value!r}: {self.message}"
        return f"{where}: {self.message}"


class DataError(NkeconError, ValueError):
    """A data file is malformed: its message names the file, line, column and value.

    ``problems`` holds every problem found in the file, the first of which is the message.
    """

    def __init__(self, problems: list[Problem] | Problem):
        if isinstance(problems, Problem):
            problems = [problems]
        self.problems = list(problems)
        message = str(self.problems[0])
        if len(self.problems) > 1:
            message += (
                f" (and {len(self.problems) - 1} more problem(s); "
                "`nkecon data validate DIR` lists them all)"
            )
        super().__init__(message)


class UnknownDatasetError(NkeconError, KeyError):
    """A dataset name that nkecon does not ship."""

    def __str__(self) -> str:  # KeyError would quote the message again
        return str(self.args[0])


class ParameterError(NkeconError, ValueError):
    """A report or helper parameter has the wrong name, type or value."""


class ReportError(NkeconError):
    """A report failed to build; the message names the notebook, cell and partial output."""


class FetchError(NkeconError):
    """A fetch failed (no network, timeout, HTTP error, rate limit, key, malformed payload).

    The message is one line naming the source and the problem; nothing has been written.
    """

    def __init__(self, source: str, problem: str):
        self.source = source
        self.problem = problem
        super().__init__(f"{source}: {problem}")
