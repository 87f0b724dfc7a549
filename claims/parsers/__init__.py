"""Pure parsers for the files a pharmacy uploads (no ORM: they return dataclasses).

They import only `core` (and stdnum): the error model (`core.problems`), the
CSV text rules (`core.text`), French amounts (`core.money`), statuses (`core.statuses`).

- `fields`: FINESS, invoice number, payer kind, organism code, NIR, RPPS checks;
- `claims_csv`: the `factures` export; `returns_csv`: the `retours` file.

Bank statements are in `payments.parsers`; `core.formats.detect_format` tells the
kind of a file from its content.
"""
