"""Text rules shared by every CSV import (claims, returns, bank CSV): one place for each.

- encoding: UTF-8 with or without BOM, else Windows-1252 (LGO exports often are),
  sniffed on the first 64 KB; then the whole file is read in that one encoding,
  line by line: a later line that is not (a UTF-8 line in a Windows-1252 file, a
  Windows-1252 byte in a UTF-8 file) refuses the file at that line, with the hint
  to re-export in UTF-8 (before, it was stored garbled: `DUPONT HÃ©lÃ¨ne`);
- every row has as many fields as the header (an unquoted `23,40` in a
  comma-separated file is one field too many: refused, never read as 23.00);
- separator: `;`, `,` or tab, sniffed on the header line;
- header names: case, accents, `_` `-` and spaces do not matter;
- dates (`JJ/MM/AAAA`, `JJ/MM/AA`, `AAAA-MM-JJ`); amounts are read by
  `core.money.parse_decimal`, the one French amount parser.

`CsvFile` reads a source as a stream (constant memory) and yields
`(line_number, fields)`, or a `Problem` for a row of the wrong width; value parsers raise `ValueError` with a French message
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
# Every UTF-8 multi-byte character starts with such a pair (a cheap first filter).
_UTF8_SEQUENCE = re.compile(rb"[\xc2-\xf4][\x80-\xbf]")
_LONE_CR = re.compile(r"(?<=\r)(?!\n)")
_NAMES = {"utf-8-sig": "UTF-8", "utf-8": "UTF-8", "cp1252": "Windows-1252"}
_REEXPORT = "ré-exportez le fichier en UTF-8 depuis votre logiciel"


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


def decode_line(raw: bytes, encoding: str, line: int) -> str:
    """One line of a file whose encoding was sniffed as `encoding`, or `ImportFileError`
    naming the line: a file is read in one encoding or not at all."""
    try:
        text = raw.decode(encoding)
    except UnicodeDecodeError:
        raise ImportFileError(
            Problem(
                line,
                None,
                f"caractères illisibles en {_NAMES[encoding]} (l'encodage du début du "
                f"fichier) : le fichier mélange deux encodages, {_REEXPORT}",
            )
        ) from None
    if encoding == "cp1252" and not raw.isascii() and _UTF8_SEQUENCE.search(raw):
        # Windows-1252 reads any byte: a UTF-8 line would come out as `HÃ©lÃ¨ne`.
        # Accented text that is also valid UTF-8 is UTF-8 (never meant as `Ã©`). The
        # regex first: a real Windows-1252 line (`é` then a letter) has no such pair,
        # and is not decoded twice.
        try:
            raw.decode("utf-8")
        except UnicodeDecodeError:
            return text
        raise ImportFileError(
            Problem(
                line,
                None,
                "texte en UTF-8 alors que le début du fichier est en Windows-1252 : le "
                f"fichier mélange deux encodages, {_REEXPORT}",
            )
        )
    return text


def decode_bytes(data: bytes) -> str:
    """Whole-file decoding for small formats (bank statements), in one encoding."""
    return "".join(iter_lines(data))


def iter_lines(source: bytes | BinaryIO) -> Iterator[str]:
    """The lines of `source` (with their line breaks), decoded in the encoding sniffed on
    its first 64 KB; `ImportFileError` at the first line that is not in it.

    `source` is bytes or a binary file object (an uploaded file); a file is read as a
    stream, line by line, never loaded whole. Lines split on `\n` (the same byte in both
    encodings); a `\r` stays at the end of its line (the csv module reads it).
    """
    stream: BinaryIO = io.BytesIO(source) if isinstance(source, (bytes, bytearray)) else source
    if stream.seekable():
        start = stream.tell()
        head = stream.read(_SNIFF_BYTES)
        stream.seek(start)
        lines: Iterator[bytes] = iter(stream)
    else:  # a pipe: keep what was read in front of the rest
        head = stream.read(_SNIFF_BYTES)
        lines = iter(io.BufferedReader(_Prefixed(head, stream)))
    encoding = sniff_encoding(head)
    line_encoding = "utf-8" if encoding == "utf-8-sig" else encoding
    for number, raw in enumerate(lines, start=1):
        if number == 1 and raw.startswith(UTF8_BOM):
            raw = raw[len(UTF8_BOM) :]
        text = decode_line(raw, line_encoding, number)
        if "\r" in text:  # old Mac line breaks (a lone \r) end lines too
            yield from filter(None, _LONE_CR.split(text))
        else:
            yield text


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
        self._lines = iter_lines(source)
        header_line = next(self._lines, "")
        self.header_line_number = 1
        while header_line and not header_line.strip():
            header_line = next(self._lines, "")
            self.header_line_number += 1
        if not header_line.strip():
            raise ImportFileError("Le fichier est vide.")
        self.separator = sniff_separator(header_line)
        header = next(csv.reader([header_line], delimiter=self.separator))
        self.header_width = len(header)
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

    def rows(self) -> Iterator[tuple[int, list[str]] | Problem]:
        """(physical line number, fields) per data row, blank rows skipped; a row with
        more or fewer fields than the header is a `Problem` on its line instead.

        Raises `ImportFileError` at the end when the file had no data row.
        """
        reader = csv.reader(self._lines, delimiter=self.separator)
        width, offset, separator = self.header_width, self.header_line_number, self.separator
        seen = False
        for fields in reader:
            if not any(fields):
                continue
            seen = True
            # line_num does not count the header lines already consumed.
            line = reader.line_num + offset
            if len(fields) != width:
                yield Problem(line, None, _width_message(len(fields), width, separator, fields))
                continue
            yield line, fields
        if not seen:
            raise ImportFileError("Le fichier ne contient que l'en-tête : aucune ligne à importer.")


def _width_message(count: int, width: int, separator: str, fields: list[str]) -> str:
    """Why a row has the wrong number of fields, worded the same for every such row
    (so that a file where it is every row gets one message)."""
    name = {";": "« ; »", ",": "« , »", "\t": "tabulation"}[separator]
    message = (
        f"{count} champ{'s' if count > 1 else ''} au lieu de {width} (les colonnes de l'en-tête)"
    )
    if count == 1 and any(other in fields[0] for other in SEPARATORS if other != separator):
        return f"{message} : les lignes n'utilisent pas le séparateur de l'en-tête ({name})"
    if count > width and separator == ",":
        return f"{message} : une valeur contient-elle une virgule sans guillemets (un montant « 23,40 ») ?"
    if count > width:
        return f"{message} : une valeur contient-elle le séparateur {name} sans guillemets ?"
    return message


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
