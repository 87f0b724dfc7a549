"""COPY a parser's stream into a TEMP staging table, and collect its problems.

The parsers yield a dataclass per valid row and a `Problem` per fault, in
file order. `copy_stream` sends the rows to PostgreSQL as they come (psycopg 3
`cursor.copy()`), keeps only the first problems for the report and counts the
rest: memory stays flat whatever the file's size. Every staging table is
ANALYZEd once filled (`analyze_table`).

`pipelined` + `iter_chunks` + `copy_chunk` do the same in chunks, the parser
running in a thread ahead of the database: the claims import writes each chunk
into `claims_claim` while the next one is parsed.
"""

from __future__ import annotations

import contextlib
import queue
import re
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field

from claims.imports.result import MAX_REPORTED_PROBLEMS, ImportResult
from core.problems import Problem


@dataclass(slots=True)
class StreamOutcome:
    """The valid rows COPYed, and the parser's problems, recorded in `result`."""

    rows: int = 0
    result: ImportResult = field(default_factory=ImportResult)

    def add_problem(self, problem: Problem) -> None:
        self.result.add_problems([problem], from_parser=True)


def create_staging_table(cursor, *, name: str, columns: Sequence[tuple[str, str]]) -> None:
    """A TEMP table dropped at the end of the transaction (never seen by others, no WAL).

    The transaction's work_mem is raised so that the checks' GROUP BY on a large
    file hashes in memory instead of spilling to disk.
    """
    cursor.execute("SET LOCAL work_mem = '64MB'")
    body = ", ".join(f"{column} {sql_type}" for column, sql_type in columns)
    cursor.execute(f"DROP TABLE IF EXISTS {name}")
    cursor.execute(f"CREATE TEMP TABLE {name} ({body}) ON COMMIT DROP")


def analyze_table(cursor, *, table: str) -> None:
    """Give the planner the statistics of a table just filled.

    Autovacuum never analyses TEMP tables: without this, every statement joining
    or grouping the staging table is planned on default guesses (200 distinct
    values, a third of rows matching), which on a large file can choose a plan
    that runs for minutes. The matching's temporary tables are analysed the same way.
    """
    cursor.execute(f"ANALYZE {table}")


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
    analyze_table(cursor, table=table)
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
        for (_, file_column, _), message in zip(checks, found, strict=True):
            if message is not None:
                problems.append(Problem(line, file_column, message))
    return problems


# --- pipelined staging: parse in a thread while PostgreSQL writes ------------

# COPY text format: backslash, tab, newline and carriage return are escaped.
_NEEDS_COPY_ESCAPE = re.compile(r"[\\\t\n\r]")


def needs_copy_escape(text: str) -> bool:
    """Whether `text` holds a character COPY's text format escapes (rare: one search per row)."""
    return _NEEDS_COPY_ESCAPE.search(text) is not None


def copy_text(value: str) -> str:
    """A free-text value as a field of COPY's text format.

    (str.replace, not str.translate: with a dict table translate costs a
    Python-level lookup per character, 4× slower on a million rows.)
    """
    return (
        value.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")
    )


@dataclass(slots=True)
class Chunk:
    """A run of consecutive rows of the file, as COPY text, and their problems."""

    data: bytes
    rows: int
    problems: list[Problem]


def iter_chunks(
    items: Iterable[object], *, to_copy_line: Callable[[object], str], chunk_rows: int
) -> Iterator[Chunk]:
    """Group a parser's stream into chunks of `chunk_rows` valid rows, encoded for COPY."""
    lines: list[str] = []
    problems: list[Problem] = []
    append = lines.append
    for item in items:
        if isinstance(item, Problem):
            problems.append(item)
            continue
        append(to_copy_line(item))
        if len(lines) >= chunk_rows:
            yield Chunk("".join(lines).encode(), len(lines), problems)
            lines, problems = [], []
            append = lines.append
    if lines or problems:
        yield Chunk("".join(lines).encode(), len(lines), problems)


_DONE = object()


def pipelined(chunks: Iterator[Chunk], *, depth: int = 2) -> Iterator[Chunk]:
    """Run `chunks` (the parser) in a thread, `depth` chunks ahead of the consumer.

    The consumer's SQL releases the GIL while PostgreSQL works, so parsing the
    next chunk overlaps the database's work on this one. Memory stays flat:
    at most `depth` + 2 chunks exist at once, whatever the file's size. An
    exception of the parser (ImportFileError…) is raised in the consumer.
    Use it under `contextlib.closing`, so that a consumer that stops early
    (a database error) stops and joins the thread before the file is closed.
    """
    handoff: queue.Queue = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def hand_over(item: object) -> bool:
        while not stop.is_set():
            try:
                handoff.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False  # the consumer has gone

    def produce() -> None:
        try:
            for chunk in chunks:
                if not hand_over(chunk):
                    return
            hand_over(_DONE)
        except BaseException as error:  # handed to the consumer, raised there
            hand_over(error)

    producer = threading.Thread(target=produce, name="import-parser", daemon=True)
    producer.start()
    try:
        while True:
            item = handoff.get()
            if item is _DONE:
                return
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()
        while producer.is_alive():  # unblock a producer waiting on a full queue
            with contextlib.suppress(queue.Empty):
                handoff.get(timeout=0.1)
        producer.join()


def copy_chunk(cursor, *, table: str, columns: Sequence[str], chunk: Chunk, analyze: bool) -> None:
    """COPY one chunk's text into `table` (emptied first: it holds one chunk at a time).

    `analyze` for the first chunk only: the next ones are the same file in the same
    size, and TRUNCATE of a table created in this transaction empties it in place,
    keeping its statistics. (Analysing every chunk cost ~20 % more database CPU on
    the import bench, for the same plans.)
    """
    cursor.execute(f"TRUNCATE {table}")
    if chunk.rows:
        with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
            copy.write(chunk.data)
    if analyze:
        analyze_table(cursor, table=table)
