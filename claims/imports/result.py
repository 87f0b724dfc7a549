"""What one run of an importer found: counts for the preview and the report, and problems."""

from __future__ import annotations

from dataclasses import dataclass, field

from claims.imports.staging import MAX_REPORTED_PROBLEMS
from core.problems import Problem


@dataclass(slots=True)
class ImportResult:
    counts: dict[str, int] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    problem_count: int = 0
    # Things the user should read but that do not stop the import (new payers, balances).
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.problem_count == 0

    def add_problems(self, problems: list[Problem]) -> None:
        self.problem_count += len(problems)
        room = MAX_REPORTED_PROBLEMS - len(self.problems)
        self.problems.extend(problems[: max(room, 0)])

    def sort_problems(self) -> None:
        self.problems.sort(key=lambda p: (p.line is None, p.line or 0))
