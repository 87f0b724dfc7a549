"""COPY a parser's stream into a TEMP staging table, and collect its problems.

The parsers yield a dataclass per valid row and a `Problem` per fault, in
file order. `copy_stream` sends the rows to PostgreSQL as they come (psycopg 3
`cursor.copy()`), keeps only the first problems for the report and counts the
rest: memory stays flat whatever the file's size.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from claims.parsers.errors import Problem

# The report shows this many problems; the count says how many there were.
MAX_REPORTED_PROBLEMS = 200


@dataclass(slots=True)
class StreamOutcome:
    rows: int = 0
    problem_count: int = 0
    problems: list[Problem] = field(default_factory=list)

    def add_problem(self, problem: Problem) -> None:
        self.problem_count += 1
        if len(self.problems) < MAX_REPORTED_PROBLEMS:
            self.problems.append(problem)


def create_staging_table(cursor, *, name: str, columns: Sequence[tuple[str, str]]) -> None:
    """A TEMP table dropped at the end of the transaction (never seen by others, no WAL).

    The transaction's work_mem is raised so that the checks' GROUP BY on a large
    file hashes in memory instead of spilling to disk.
    """
    cursor.execute("SET LOCAL work_mem = '64MB'")
    body = ", ".join(f"{column} {sql_type}" for column, sql_type in columns)
    cursor.execute(f"DROP TABLE IF EXISTS {name}")
    cursor.execute(f"CREATE TEMP TABLE {name} ({body}) ON COMMIT DROP")


def copy_stream(
    cursor,
    *,
    table: str,
    columns: Sequence[str],
    items: Iterable[object],
    to_tuple: Callable[[object], tuple],
    outcome: StreamOutcome | None = None,
) -> StreamOutcome:
    """COPY every non-`Problem` item of `items` (mapped by `to_tuple`) into `table`.

    Rows keep flowing after a problem, so the user sees every bad row at once;
    the caller rolls back when there was any.
    """
    outcome = outcome or StreamOutcome()
    rows = 0
    with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        write_row = copy.write_row
        for item in items:
            if isinstance(item, Problem):
                outcome.add_problem(item)
            else:
                write_row(to_tuple(item))
                rows += 1
    outcome.rows += rows
    return outcome


def duplicate_problems(
    cursor, *, table: str, key: Sequence[str], describe: Callable[[tuple], str], column: str
) -> list[Problem]:
    """Rows of the staging table sharing a natural key, as problems on their later lines.

    Done in SQL rather than in the parser so that memory stays flat on
    multi-million-row files.
    """
    key_sql = ", ".join(key)
    cursor.execute(
        f"""
        SELECT {key_sql}, lines FROM (
            SELECT {key_sql}, array_agg(line ORDER BY line) AS lines
            FROM {table} GROUP BY {key_sql} HAVING count(*) > 1
        ) d ORDER BY lines[1] LIMIT %s
        """,
        [MAX_REPORTED_PROBLEMS],
    )
    problems = []
    for *values, lines in cursor.fetchall():
        for line in lines[1:]:
            problems.append(
                Problem(line, column, f"{describe(tuple(values))} en double : déjà présente ligne {lines[0]}")
            )
    return problems


# NUMERIC(12,2): the largest amount a money column holds.
MONEY_LIMIT = 10**10


def value_problems(
    cursor, *, table: str, lengths: dict[str, tuple[str, int]], amounts: dict[str, str]
) -> list[Problem]:
    """Values the model's columns cannot hold, as problems (one scan of the staging table).

    `lengths`: {staging column: (file column, max length)}; `amounts`: {staging
    column: file column} for money. Checked here so that the user reads a line
    and a column, not a database error.
    """
    checks = [
        (f"length({column}) > {limit}", file_column,
         f"'valeur trop longue : ' || length({column}) || ' caractères, {limit} au plus'")
        for column, (file_column, limit) in lengths.items()
    ] + [
        (f"abs({column}) >= {MONEY_LIMIT}", file_column, "'montant hors limites (10 milliards ou plus)'")
        for column, file_column in amounts.items()
    ]
    if not checks:
        return []
    messages = ", ".join(f"CASE WHEN {condition} THEN {message} END" for condition, _, message in checks)
    where = " OR ".join(condition for condition, _, _ in checks)
    cursor.execute(
        f"SELECT line, {messages} FROM {table} WHERE {where} ORDER BY line LIMIT %s",
        [MAX_REPORTED_PROBLEMS],
    )
    problems: list[Problem] = []
    for line, *found in cursor.fetchall():
        for (_, file_column, _), message in zip(checks, found):
            if message is not None:
                problems.append(Problem(line, file_column, message))
    return problems
