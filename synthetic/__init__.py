"""Synthetic tiers-payant data: pharmacies, claims, returns, bank statements, truth.

Pure Python (no Django, no ORM). One generator feeds the README's demo, the
tests and the benchmarks:

    python -m synthetic --seed 1 --pharmacies 3 --months 12 --out /tmp/demo
    python manage.py generate_data --seed 1 --pharmacies 3 --months 12 --out /tmp/demo

Output layout (others depend on it)::

    DIR/pharmacies.json                    list of pharmacies (see Pharmacy.as_json)
    DIR/<finess>/<YYYY-MM>/factures.csv    claims, formats.md columns, ';', decimal comma
    DIR/<finess>/<YYYY-MM>/retours.csv     payer returns (PAYE, PARTIEL, REJETE, INDU)
    DIR/<finess>/<YYYY-MM>/releve.cfonb    CFONB 120, CRLF          } one or the other for
    DIR/<finess>/<YYYY-MM>/releve.camt.xml camt.053.001.02          } every pharmacy
    DIR/<finess>/<YYYY-MM>/releve.ofx      OFX 1.02 SGML, for ~10 % of pharmacies (in
                                           addition to their CFONB or CAMT statement, with
                                           the same movements and bank references)
    DIR/<finess>/<YYYY-MM>/truth.json      what was generated, for tests to compare against

Rules:

- Determinism: each pharmacy has its own `random.Random` seeded from (seed, index),
  so pharmacy k is the same whatever the number of pharmacies; same seed, same bytes.
- Streaming: pharmacies one after the other (or in worker processes), months one
  after the other; only what spills into later months (returns, re-invoices,
  recoveries) is kept. `pharmacies.json` is written incrementally.
- factures.csv of month M holds the claims of the dispensations dated in M (their
  transmission may be the next day) and the re-invoices transmitted in M. Claims
  files are Windows-1252 (CRLF), UTF-8 or UTF-8 with BOM, per pharmacy ("encoding").
- retours.csv of month M holds the returns dated in M, whatever month the claim
  came from: the returns of claims sent late in a month come in the next month's
  file. Returns dated after the last generated month are not written.
- A rejected claim is often corrected and re-sent under a new invoice number a few
  days after its rejection; the re-invoice is paid. A recovery (INDU) is a negative
  line of a later bordereau of the same payer, netted in its transfer.
- Bordereaux: all paid lines of one payer on one day, in one or a few bordereaux
  (refs unique per payer and pharmacy); one bank transfer per payer and day pays
  all of that day's bordereaux. Bank movements only on bank days (no weekends,
  no French public holidays, Easter Monday, Ascension and Whit Monday included).
- truth.json of month M describes the claims of factures.csv of M as they stand at
  the end of the last generated month: `rejected`, `partial` (return dated before
  the end), `silent_unpaid` (never answered and older than the payer's usual delay
  + 30 days at the end), `pending_at_end` (answer after the end, or silent but too
  recent to tell), `reinvoiced` (rows of M that are re-invoices), and the INDU
  lines (`indus`) and `transfers` dated in M, the money paid on re-invoices dated in M
  (`recovered`: rejected invoice, re-invoice, payer kind, payer, PAYE/PARTIEL/INDU,
  amount, date: the money recovered on rejections, partial payments and recoveries
  included), and `bank`: every line of M's bank
  statement as [bank reference, kind, signed amount], the kind being insurer (a
  payer's transfer, as in `transfers`), card, debit, fee or other_debit (salaries).
  Amounts are strings ("123.45").
"""

from __future__ import annotations

from .run import DEFAULT_END_MONTH, generate

__all__ = ["DEFAULT_END_MONTH", "generate"]
