"""The one error model of every import parser.

A parser reports row-level problems and goes on (the user sees every bad row
at once); it raises `ImportFileError` only when the file as a whole cannot be
read (empty, unknown format, undecodable, unsafe XML, too large).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

# Checked before anything is parsed; a bigger upload is refused outright.
MAX_IMPORT_BYTES = 50 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong in a file: where (1-based physical line, column name) and what, in French."""

    line: int | None
    column: str | None
    message: str

    def __str__(self) -> str:
        where = []
        if self.line is not None:
            where.append(f"ligne {self.line}")
        if self.column:
            where.append(f"colonne {self.column}")
        return f"{', '.join(where)} : {self.message}" if where else self.message


class ImportFileError(Exception):
    """The file cannot be imported at all; `problems` says why (at least one)."""

    def __init__(self, problems: str | Problem | list[Problem]):
        if isinstance(problems, str):
            problems = [Problem(None, None, problems)]
        elif isinstance(problems, Problem):
            problems = [problems]
        self.problems: list[Problem] = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


@dataclass(slots=True)
class ParseResult[T]:
    """Everything a parser read: the good rows and the problems, both in file order."""

    rows: list[T] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def collect[T](items: Iterable[T | Problem]) -> ParseResult[T]:
    """Sort a parser's stream of rows and problems into one result (whole-file use)."""
    result: ParseResult[T] = ParseResult()
    for item in items:
        if isinstance(item, Problem):
            result.problems.append(item)
        else:
            result.rows.append(item)
    return result


def check_size(size: int, *, max_bytes: int = MAX_IMPORT_BYTES) -> None:
    """Refuse a file by its size alone, before reading it."""
    if size > max_bytes:
        raise ImportFileError(
            f"Fichier trop volumineux : {_human(size)}, la limite est de {_human(max_bytes)}."
        )


def _human(size: int) -> str:
    # Rounded up, so a file one byte over the limit never reads as equal to it.
    unit, name = (1024 * 1024, "Mo") if size >= 1024 * 1024 else (1024, "Ko")
    tenths = -(-size * 10 // unit)
    text = f"{tenths // 10}" if tenths % 10 == 0 else f"{tenths // 10},{tenths % 10}"
    return f"{text} {name}"
