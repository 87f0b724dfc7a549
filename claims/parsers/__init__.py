"""Pure parsers for the files a pharmacy uploads (no ORM: they return dataclasses).

- `errors`: `Problem`, `ParseResult`, `ImportFileError`, the size limit;
- `text`: decoding, CSV sniffing, French numbers and dates, shared by every CSV;
- `fields`: FINESS, invoice number, payer kind, organism code, NIR, RPPS checks;
- `claims_csv`: the `factures` export; `returns_csv`: the `retours` file.

Bank statements are in `payments.parsers`; `payments.parsers.detect` picks the
parser from a file's content.
"""
