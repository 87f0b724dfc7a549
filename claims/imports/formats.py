"""Which importer a file goes to, from its content (`core.formats.detect_format`)."""

from __future__ import annotations

from core.formats import FORMAT_KIND, detect_format


def detect_kind(head: bytes) -> tuple[str, str]:
    """(ImportBatch.Kind value, file format) from a file's first 64 KB; ImportFileError if unknown."""
    file_format = detect_format(head)
    return FORMAT_KIND[file_format], file_format
