"""The import pipeline: upload → preview → confirm → commit in one transaction.

- `services`: the batch life cycle (`import_batch_create`, `import_batch_analyse`,
  `import_batch_confirm`, `import_batch_commit`, `import_batch_cancel`), and
  `import_file_run` for a file on disk (command, demo, bench);
- `selectors`: the history of a pharmacy's imports;
- `claims_sql`, `returns_sql`: the set-based writers of claims and returns
  (COPY into a TEMP staging table, then `INSERT … ON CONFLICT … DO UPDATE …
  WHERE … IS DISTINCT FROM …`, so a second import changes nothing);
- `staging`: COPY from the parser's iterator (the file's rows are never held
  in a Python list);
- `organisms`: payers unknown to the table, created from the file;
- `progress`: the progress bar, written on its own connection;
- `storage`: where an uploaded file waits between preview and confirmation;
- `formats`: which importer a file goes to (`core.formats.detect_format`);
- `result`: `ImportResult`, the counts, problems and notes of one run.

Bank statements are written by `payments.statement_import`. Parsers
(`claims.parsers`, `payments.parsers`) are pure; everything here is the
database side. Decisions: `docs/decisions.md`, section "Imports".
"""
