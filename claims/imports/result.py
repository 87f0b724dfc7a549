"""What one run of an importer found: counts for the preview and the report, and problems.

Counts mean what their label says: `rows` ("Lignes lues") is every data row read,
good or bad (an importer adds the rows its parser refused: `parser_lines`);
`refused` ("Lignes refusées") is how many distinct lines had a problem, wherever it
was found (parser or SQL checks). A problem that hits many lines with the very same
words (another pharmacy's FINESS, a wrong separator) is reported once, with its
first line numbers (`report`), not 3,338 times.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from core.money import format_decimal
from core.problems import Problem

# The report shows this many problems; the count says how many there were.
MAX_REPORTED_PROBLEMS = 200
# A message repeated on more lines than this is grouped into one.
GROUP_FROM = 5
_FIRST_LINES = 5
_MAX_GROUPS = 10_000  # distinct messages tallied (memory stays flat on a huge bad file)


@dataclass(slots=True)
class ImportResult:
    counts: dict[str, Any] = field(default_factory=dict)  # JSON: numbers, amounts as text, lists
    problems: list[Problem] = field(default_factory=list)
    problem_count: int = 0
    # Things the user should read but that do not stop the import (new payers, balances).
    notes: list[str] = field(default_factory=list)
    parser_lines: int = 0  # distinct lines the parser refused (not among the rows it gave)
    refused_lines: int = 0  # distinct lines with any problem
    _lines: bytearray = field(default_factory=bytearray)  # a bit per line seen refused
    _last_parser_line: int | None = None
    # (column, message) → [count, first lines]
    _groups: dict[tuple, list] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.problem_count == 0

    def add_problems(self, problems: list[Problem], *, from_parser: bool = False) -> None:
        """Record problems; `from_parser`: they come from the parser's stream (their rows
        were not staged), in file order, so a new line is a row the parser refused."""
        self.problem_count += len(problems)
        room = MAX_REPORTED_PROBLEMS - len(self.problems)
        self.problems.extend(problems[: max(room, 0)])
        for problem in problems:
            line = problem.line
            if from_parser and line != self._last_parser_line:
                self._last_parser_line = line
                self.parser_lines += 1
            if line is not None:
                self._mark(line)
            key = (problem.column, problem.message)
            group = self._groups.get(key)
            if group is None:
                if len(self._groups) < _MAX_GROUPS:
                    self._groups[key] = [1, [line]]
            else:
                group[0] += 1
                if len(group[1]) < _FIRST_LINES:
                    group[1].append(line)

    def _mark(self, line: int) -> None:
        byte, bit = divmod(line, 8)
        if byte >= len(self._lines):
            self._lines.extend(bytes(byte - len(self._lines) + 4096))
        if not self._lines[byte] >> bit & 1:
            self._lines[byte] |= 1 << bit
            self.refused_lines += 1

    def sort_problems(self) -> None:
        self.problems.sort(key=lambda p: (p.line is None, p.line or 0))

    def report(self) -> tuple[list[Problem], int]:
        """(problems to show, how many problems they leave out).

        A message on more than `GROUP_FROM` lines is shown once, at its first line, saying
        on how many lines (all of them, when it is every row read) and the first ones.
        """
        rows = self.counts.get("rows")
        grouped = {key: g for key, g in self._groups.items() if g[0] > GROUP_FROM}
        shown = [p for p in self.problems if (p.column, p.message) not in grouped]
        for (column, message), (count, lines) in grouped.items():
            first = ", ".join(str(n) for n in lines if n is not None)
            where = (
                f"toutes les lignes du fichier ({format_decimal(count, 0)})"
                if isinstance(rows, int) and count >= rows
                else f"{format_decimal(count, 0)} lignes"
            )
            shown.append(
                Problem(lines[0], column, f"{message} — sur {where}, dont les lignes {first} …")
            )
        shown.sort(key=lambda p: (p.line is None, p.line or 0))
        represented = sum(g[0] for g in grouped.values()) + len(shown) - len(grouped)
        return shown, max(self.problem_count - represented, 0)
