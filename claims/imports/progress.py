"""The progress bar of a running import, measured in bytes read.

The import runs in one transaction, whose writes nobody sees before the
commit: the progress is therefore written on a second connection, in
autocommit, and with `SKIP LOCKED` so that it never waits for (or deadlocks
with) the import's own transaction when that one holds the batch row.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import BinaryIO

from django.db import connections

from pharmacies.row_security import current_scope, scope_share

ProgressCallback = Callable[[int], None]


class ProgressReader(io.RawIOBase):
    """A binary file that reports how far it has been read, in percent of `size`."""

    def __init__(self, raw: BinaryIO, *, size: int, report: ProgressCallback, start: int = 0, end: int = 100):
        self._raw, self._size, self._report = raw, max(size, 1), report
        self._start, self._span = start, end - start
        self._last = -1

    def readable(self) -> bool:
        return True

    def close(self) -> None:
        self._raw.close()
        super().close()

    def seekable(self) -> bool:
        return self._raw.seekable()

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        return self._raw.seek(offset, whence)

    def tell(self) -> int:
        return self._raw.tell()

    def readinto(self, buffer) -> int:
        n = self._raw.readinto(buffer)
        percent = self._start + self._span * min(self._raw.tell(), self._size) // self._size
        if percent != self._last:
            self._last = percent
            self._report(percent)
        return n


class BatchProgress:
    """`report(percent)` writes ImportBatch.progress on its own connection; `close()` after."""

    def __init__(self, batch_id: int):
        self._batch_id = batch_id
        self._connection = None
        self._scope = current_scope()  # taken here, in the import's thread

    def report(self, percent: int) -> None:
        if self._connection is None:
            self._connection = connections.create_connection("default")
            # The parser (which reads the file, hence reports) may run in a thread of
            # its own (claims_sql); `close()` is called by the thread that made us.
            self._connection.inc_thread_sharing()
            scope_share(self._connection, self._scope)  # row-level security: the import's pharmacy
        with self._connection.cursor() as cursor:
            cursor.execute(
                """
                UPDATE claims_importbatch SET progress = %s
                WHERE id = (SELECT id FROM claims_importbatch WHERE id = %s FOR UPDATE SKIP LOCKED)
                """,
                [percent, self._batch_id],
            )

    def close(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None


def open_with_progress(path: str, *, size: int, report: ProgressCallback) -> BinaryIO:
    """The file at `path`, buffered, reporting its progress from 0 to 95 % (the SQL takes the rest)."""
    return io.BufferedReader(
        ProgressReader(open(path, "rb"), size=size, report=report, start=0, end=95),
        buffer_size=1024 * 1024,
    )
