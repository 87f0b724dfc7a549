"""Text rules shared by every CSV import (claims, returns, bank CSV): one place for each.

- encoding: UTF-8 with or without BOM, else Windows-1252 (LGO exports often are);
- separator: `;`, `,` or tab, sniffed on the header line;
- header names: case, accents, `_` `-` and spaces do not matter;
- dates (`JJ/MM/AAAA`, `JJ/MM/AA`, `AAAA-MM-JJ`); amounts are read by
  `core.money.parse_decimal`, the one French amount parser.

`CsvFile` reads a source as a stream (constant memory) and yields
`(line_number, fields)`; value parsers raise `ValueError` with a French message
that the caller turns into a `Problem` for the line and column.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import unicodedata
from collections.abc import Iterator, Mapping
from datetime import date
from functools import lru_cache
from typing import BinaryIO

from core.problems import ImportFileError, Problem

UTF8_BOM = codecs.BOM_UTF8
SEPARATORS = (";", ",", "\t")
_SNIFF_BYTES = 64 * 1024
_FALLBACK_ERRORS = "bo-cp1252-fallback"


def _cp1252_fallback(exc: UnicodeError) -> tuple[str | bytes, int]:
    # A UTF-8 file with a stray Windows-1252 byte further down (hand-edited
    # exports) stays readable instead of failing at row 900,000.
    if not isinstance(exc, UnicodeDecodeError):  # registered for decoding only
        raise exc
    bad = exc.object[exc.start : exc.end]
    return bad.decode("cp1252", errors="replace"), exc.end


codecs.register_error(_FALLBACK_ERRORS, _cp1252_fallback)


def sniff_encoding(head: bytes) -> str:
    """The codec to read a file whose first bytes are `head` (`utf-8-sig` or `cp1252`)."""
    if b"\x00" in head:
        raise ImportFileError("Le fichier n'est pas un fichier texte (contenu binaire).")
    try:
        # final=False: a multi-byte character cut at the end of `head` is not an error.
        codecs.getincrementaldecoder("utf-8")().decode(head.removeprefix(UTF8_BOM), final=False)
        return "utf-8-sig"
    except UnicodeDecodeError:
        pass
    try:
        head.decode("cp1252")
    except UnicodeDecodeError:
        raise ImportFileError(
            "Encodage non reconnu : enregistrez le fichier en UTF-8 ou en Windows-1252."
        ) from None
    return "cp1252"


def decode_bytes(data: bytes) -> str:
    """Whole-file decoding for small formats (bank statements)."""
    encoding = sniff_encoding(data[:_SNIFF_BYTES])
    if encoding == "cp1252":
        try:
            return data.decode("cp1252")
        except UnicodeDecodeError:
            raise ImportFileError(
                "Encodage non reconnu : enregistrez le fichier en UTF-8 ou en Windows-1252."
            ) from None
    return data.decode("utf-8-sig", errors=_FALLBACK_ERRORS)


def open_text(source: bytes | BinaryIO) -> io.TextIOWrapper:
    """A text stream over `source`, its encoding sniffed from the first 64 KB.

    `source` is bytes or a binary file object (an uploaded file); a seekable
    file is read as a stream, never loaded whole.
    """
    stream: BinaryIO = io.BytesIO(source) if isinstance(source, (bytes, bytearray)) else source
    buffer: BinaryIO | io.BufferedReader = stream
    if stream.seekable():
        start = stream.tell()
        head = stream.read(_SNIFF_BYTES)
        stream.seek(start)
    else:  # a pipe: keep what was read in front of the rest
        head = stream.read(_SNIFF_BYTES)
        buffer = io.BufferedReader(_Prefixed(head, stream))
    encoding = sniff_encoding(head)
    errors = _FALLBACK_ERRORS if encoding == "utf-8-sig" else "strict"
    return io.TextIOWrapper(buffer, encoding=encoding, errors=errors, newline="")


class _Prefixed(io.RawIOBase):
    def __init__(self, head: bytes, rest: BinaryIO):
        self._head, self._rest = head, rest

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        if self._head:
            n = min(len(buffer), len(self._head))
            buffer[:n], self._head = self._head[:n], self._head[n:]
            return n
        data = self._rest.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)


def sniff_separator(header_line: str) -> str:
    """The separator used by a header line: the most frequent of `;`, `,`, tab."""
    counts = {sep: header_line.count(sep) for sep in SEPARATORS}
    best = max(counts, key=counts.__getitem__)
    if counts[best] == 0:
        raise ImportFileError(
            Problem(
                None,
                None,
                "séparateur de colonnes non reconnu (attendu « ; », « , » ou tabulation)",
            )
        )
    return best


_HEADER_SEPARATORS = re.compile(r"[\s_\-]+")


def normalize_header(name: str) -> str:
    """`Date-Soins `, `DATE SOINS`, `date_soins` → `date_soins`."""
    name = unicodedata.normalize("NFKD", name.strip().lstrip("\ufeff"))
    name = "".join(c for c in name if not unicodedata.combining(c)).lower()
    return _HEADER_SEPARATORS.sub("_", name).strip("_")


def normalize_word(value: str) -> str:
    """Upper case without accents: `Payé` → `PAYE` (status and kind values)."""
    value = unicodedata.normalize("NFKD", value.strip())
    return "".join(c for c in value if not unicodedata.combining(c)).upper()


class CsvFile:
    """A CSV import file opened as a stream, its header checked.

    `columns` maps each known column (normalised name) to whether it is
    required. `index[name]` is the field position, or None when an optional
    column is absent. A missing required column raises `ImportFileError`
    naming it.
    """

    def __init__(self, source: bytes | BinaryIO, *, columns: Mapping[str, bool]):
        self._text = open_text(source)
        header_line = self._text.readline()
        self.header_line_number = 1
        while header_line and not header_line.strip():
            header_line = self._text.readline()
            self.header_line_number += 1
        if not header_line.strip():
            raise ImportFileError("Le fichier est vide.")
        self.separator = sniff_separator(header_line)
        header = next(csv.reader([header_line], delimiter=self.separator))
        positions = {normalize_header(h): i for i, h in reversed(list(enumerate(header)))}
        missing = [name for name, required in columns.items() if required and name not in positions]
        if missing:
            line = self.header_line_number
            raise ImportFileError(
                [
                    Problem(line, name, "colonne obligatoire absente de l'en-tête")
                    for name in missing
                ]
            )
        self.index: dict[str, int | None] = {name: positions.get(name) for name in columns}
        self.width = max(i for i in self.index.values() if i is not None) + 1

    def rows(self) -> Iterator[tuple[int, list[str]]]:
        """(physical line number, fields padded to the known columns); blank rows skipped.

        Raises `ImportFileError` at the end when the file had no data row.
        """
        reader = csv.reader(self._text, delimiter=self.separator)
        width, offset = self.width, self.header_line_number
        seen = False
        for fields in reader:
            if not any(fields):
                continue
            if len(fields) < width:
                fields += [""] * (width - len(fields))
            seen = True
            # line_num does not count the header lines already consumed by readline().
            yield reader.line_num + offset, fields
        if not seen:
            raise ImportFileError("Le fichier ne contient que l'en-tête : aucune ligne à importer.")


# --- values ------------------------------------------------------------------

@lru_cache(maxsize=4096)  # a file holds few distinct dates: parse each once
def parse_date(text: str) -> date:
    """`JJ/MM/AAAA`, `JJ/MM/AA`, `AAAA-MM-JJ` (a time after them is ignored) → date."""
    value = text.strip().split(" ", 1)[0].split("T", 1)[0]
    try:
        if len(value) == 10 and value[4] == "-":
            return date(int(value[:4]), int(value[5:7]), int(value[8:10]))
        parts = value.replace("-", "/").replace(".", "/").split("/")
        if (
            len(parts) == 3
            and len(parts[2]) in (2, 4)
            and len(parts[0]) <= 2
            and len(parts[1]) <= 2
        ):
            year = int(parts[2])
            if len(parts[2]) == 2:
                year += 2000  # JJ/MM/AA is only used for recent dates (care, transmission, payment)
            return date(year, int(parts[1]), int(parts[0]))
    except ValueError:
        pass
    raise ValueError(f"date invalide « {text.strip()} » (attendu JJ/MM/AAAA)")
