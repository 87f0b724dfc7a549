"""Match payment slips (bordereaux) to bank credits: set-based SQL, idempotent.

Candidates are computed in one statement per kind into a temporary table:
- one slip whose total equals the credit, paid a few days before it;
- several slips of one payer (paid within `GROUP_SPAN_DAYS` of each other)
  whose sum equals the credit, when the credit names that payer.
Evidence per candidate: same amount (always), payer named in the label or the
05 complements, slip reference found in them, date gap.

A credit that names another payer is no candidate. A candidate with neither
the payer named nor the reference found is *weak*, and is dropped when its
credit or one of its slips has a strong one. Then a candidate is linked
automatically only when it is the only one for its credit and for each of its
slips; everything else becomes a proposal in the review queue. The run only inserts links (ON CONFLICT DO NOTHING) and
only looks at unmatched rows, so it never undoes a person's link; a pair a
person unlinked or dismissed (`ManualDecision`) is never proposed again.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import connection, transaction

DAYS_BEFORE = 3  # a credit booked a little before the slip's date (value dates)
DAYS_AFTER = 10  # transfers arrive a few bank days after the slip
GROUP_SPAN_DAYS = 4

# Upper-case, accents off, anything but letters and digits turned into one space.
# (Accents are translated before upper(): a database in the C locale does not upper-case them.)
_NORMALIZE = (
    "regexp_replace(upper(translate({0}, 'àâäçéèêëîïôöùûüÿÀÂÄÇÉÈÊËÎÏÔÖÙÛÜŸ',"
    " 'aaaceeeeiioouuuyAAACEEEEIIOOUUUY')), '[^A-Z0-9]+', ' ', 'g')"
)


@dataclass
class MatchingResult:
    candidates: int = 0
    auto_linked: int = 0
    proposals: int = 0


def slips_match(*, pharmacy_id: int) -> MatchingResult:
    """Link the unambiguous slip/bank-line pairs of one pharmacy, propose the rest."""
    result = MatchingResult()
    params = {
        "p": pharmacy_id, "before": DAYS_BEFORE, "after": DAYS_AFTER, "span": GROUP_SPAN_DAYS,
    }
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            f"""
            -- Inside an outer transaction (tests, a caller's atomic) ON COMMIT has not fired.
            DROP TABLE IF EXISTS match_line, match_slip, match_cand, match_auto;
            CREATE TEMP TABLE match_line ON COMMIT DROP AS
            SELECT bl.id, bl.amount, bl.booking_date,
                   ' ' || {_NORMALIZE.format("bl.label || ' ' || coalesce(bl.details::text, '')")}
                   || ' ' AS text
            FROM payments_bankline bl
            WHERE bl.pharmacy_id = %(p)s AND bl.status = 'unmatched' AND bl.amount > 0;

            CREATE TEMP TABLE match_slip ON COMMIT DROP AS
            SELECT s.id, s.organism_id, s.total, s.payment_date,
                   {_NORMALIZE.format("s.reference")} AS reference,
                   ' ' || {_NORMALIZE.format("o.name")} || ' ' AS payer_name,
                   -- a bare numeric label carries the payer's code digits (9 at most)
                   right(regexp_replace(o.code, '[^0-9]', '', 'g'), 9) AS payer_code
            FROM payments_paymentslip s JOIN claims_organism o ON o.id = s.organism_id
            WHERE s.pharmacy_id = %(p)s AND s.status = 'unmatched';

            -- Does the credit name one of the payers we wait for? Then it cannot pay another.
            ALTER TABLE match_line ADD COLUMN names_payer boolean;
            UPDATE match_line l SET names_payer = EXISTS (
                SELECT 1 FROM (SELECT DISTINCT payer_name, payer_code FROM match_slip) o
                WHERE position(o.payer_name IN l.text) > 0
                   OR (length(o.payer_code) >= 9 AND position(o.payer_code IN l.text) > 0));

            CREATE TEMP TABLE match_cand (
                bank_line_id bigint, slip_ids bigint[], amount numeric(12, 2),
                payer_named boolean, reference_found boolean, date_gap int
            ) ON COMMIT DROP;

            INSERT INTO match_cand
            SELECT bank_line_id, slip_ids, amount, payer_named, reference_found, date_gap FROM (
                SELECT l.id, ARRAY[s.id], s.total,
                       position(s.payer_name IN l.text) > 0
                         OR (length(s.payer_code) >= 9 AND position(s.payer_code IN l.text) > 0)
                         AS payer_named,
                       length(s.reference) >= 4 AND position(s.reference IN l.text) > 0,
                       l.booking_date - s.payment_date, l.names_payer
                FROM match_line l
                JOIN match_slip s
                  ON s.total = l.amount
                 AND l.booking_date - s.payment_date BETWEEN -%(before)s AND %(after)s
            ) single (bank_line_id, slip_ids, amount, payer_named, reference_found, date_gap,
                      names_payer)
            -- (a credit naming another payer is no candidate)
            WHERE payer_named OR reference_found OR NOT names_payer;

            -- Several slips of one payer in one transfer: runs of consecutive days.
            WITH days AS (
                SELECT organism_id, payment_date, min(payer_name) AS payer_name,
                       min(payer_code) AS payer_code
                FROM match_slip GROUP BY organism_id, payment_date
            ), groups AS (
                SELECT a.organism_id, a.payer_name, a.payer_code, b.payment_date AS last_day,
                       array_agg(s.id ORDER BY s.id) AS slip_ids, sum(s.total) AS total
                FROM days a
                JOIN days b ON b.organism_id = a.organism_id
                 AND b.payment_date BETWEEN a.payment_date AND a.payment_date + %(span)s
                JOIN match_slip s ON s.organism_id = a.organism_id
                 AND s.payment_date BETWEEN a.payment_date AND b.payment_date
                GROUP BY a.organism_id, a.payer_name, a.payer_code,
                         a.payment_date, b.payment_date
                HAVING count(*) >= 2
            )
            INSERT INTO match_cand
            SELECT l.id, g.slip_ids, g.total, true, false, l.booking_date - g.last_day
            FROM groups g
            JOIN match_line l ON l.amount = g.total
             AND l.booking_date - g.last_day BETWEEN -%(before)s AND %(after)s
             AND (position(g.payer_name IN l.text) > 0
                  OR (length(g.payer_code) >= 9 AND position(g.payer_code IN l.text) > 0));

            -- What a person unlinked or dismissed is never offered again.
            DELETE FROM match_cand c
            USING payments_manualdecision d
            WHERE d.pharmacy_id = %(p)s AND d.bank_line_id = c.bank_line_id
              AND d.slip_id = ANY(c.slip_ids);
            """,
            params,
        )
        cursor.execute("SELECT count(*) FROM match_cand")
        result.candidates = cursor.fetchone()[0]
        cursor.execute(
            """
            -- Evidence decides between candidates: a weak one (neither payer named nor
            -- reference found) is dropped when its credit or a slip has a strong one.
            WITH strong_slips AS (
                SELECT DISTINCT unnest(slip_ids) AS slip_id FROM match_cand
                WHERE payer_named OR reference_found
            ), strong_lines AS (
                SELECT DISTINCT bank_line_id FROM match_cand WHERE payer_named OR reference_found
            )
            DELETE FROM match_cand c
            WHERE NOT (c.payer_named OR c.reference_found)
              AND (c.bank_line_id IN (SELECT bank_line_id FROM strong_lines)
                   OR EXISTS (SELECT 1 FROM strong_slips ss WHERE ss.slip_id = ANY(c.slip_ids)));

            -- Exactly one candidate for the credit, and for each of its slips.
            CREATE TEMP TABLE match_auto ON COMMIT DROP AS
            WITH slip_counts AS (
                SELECT slip_id, count(*) AS n
                FROM (SELECT unnest(slip_ids) AS slip_id FROM match_cand) x GROUP BY slip_id
            ), line_counts AS (
                SELECT bank_line_id, count(*) AS n FROM match_cand GROUP BY bank_line_id
            )
            SELECT c.bank_line_id, c.slip_ids
            FROM match_cand c
            JOIN line_counts lc ON lc.bank_line_id = c.bank_line_id AND lc.n = 1
            WHERE NOT EXISTS (
                SELECT 1 FROM slip_counts sc
                WHERE sc.slip_id = ANY(c.slip_ids) AND sc.n > 1);

            INSERT INTO payments_reconciliation
                (pharmacy_id, slip_id, bank_line_id, amount, source, created_at)
            SELECT %(p)s, s.id, a.bank_line_id, s.total, 'auto', now()
            FROM match_auto a
            JOIN payments_paymentslip s ON s.id = ANY(a.slip_ids)
            ON CONFLICT (pharmacy_id, slip_id, bank_line_id) DO NOTHING;
            """,
            params,
        )
        cursor.execute("SELECT count(*) FROM match_auto")
        result.auto_linked = cursor.fetchone()[0]
        cursor.execute(
            """
            SELECT coalesce(array_agg(DISTINCT bank_line_id), '{}'),
                   coalesce((SELECT array_agg(DISTINCT x) FROM match_auto, unnest(slip_ids) x), '{}')
            FROM match_auto
            """
        )
        line_ids, slip_ids = cursor.fetchone()
        reconciliation_totals_refresh(cursor, pharmacy_id=pharmacy_id,
                                      slip_ids=slip_ids, bank_line_ids=line_ids)
        cursor.execute(
            """
            -- Candidates touching what was just linked are moot.
            DELETE FROM match_cand c
            USING match_auto a
            WHERE c.bank_line_id = a.bank_line_id OR c.slip_ids && a.slip_ids;

            INSERT INTO payments_matchproposal
                (pharmacy_id, bank_line_id, slip_ids, amount, same_amount, payer_named,
                 reference_found, date_gap_days, candidate_count, status, created_at)
            SELECT %(p)s, c.bank_line_id, c.slip_ids, c.amount, true, c.payer_named,
                   c.reference_found, c.date_gap,
                   count(*) OVER (PARTITION BY c.bank_line_id), 'open', now()
            FROM match_cand c
            ON CONFLICT (pharmacy_id, bank_line_id, slip_ids) DO UPDATE
            SET payer_named = EXCLUDED.payer_named, reference_found = EXCLUDED.reference_found,
                date_gap_days = EXCLUDED.date_gap_days, candidate_count = EXCLUDED.candidate_count
            WHERE payments_matchproposal.status = 'open'
              AND (payments_matchproposal.payer_named, payments_matchproposal.reference_found,
                   payments_matchproposal.date_gap_days, payments_matchproposal.candidate_count)
                  IS DISTINCT FROM
                  (EXCLUDED.payer_named, EXCLUDED.reference_found,
                   EXCLUDED.date_gap_days, EXCLUDED.candidate_count);

            -- An open proposal no longer a candidate (linked since, by hand or not) goes away.
            DELETE FROM payments_matchproposal mp
            WHERE mp.pharmacy_id = %(p)s AND mp.status = 'open'
              AND NOT EXISTS (SELECT 1 FROM match_cand c
                              WHERE c.bank_line_id = mp.bank_line_id AND c.slip_ids = mp.slip_ids);
            """,
            params,
        )
        cursor.execute(
            "SELECT count(*) FROM payments_matchproposal WHERE pharmacy_id = %s AND status = 'open'",
            [pharmacy_id],
        )
        result.proposals = cursor.fetchone()[0]
    return result


def reconciliation_totals_refresh(
    cursor, *, pharmacy_id: int, slip_ids: list[int], bank_line_ids: list[int]
) -> None:
    """Matched amount and status of these slips and bank lines, recomputed from their links."""
    cursor.execute(
        """
        UPDATE payments_paymentslip s
        SET matched_amount = x.matched,
            status = CASE WHEN x.matched = 0 THEN 'unmatched'
                          WHEN x.matched >= s.total THEN 'matched' ELSE 'partial' END
        FROM (SELECT s2.id, coalesce(sum(r.amount), 0) AS matched
              FROM payments_paymentslip s2
              LEFT JOIN payments_reconciliation r
                ON r.pharmacy_id = s2.pharmacy_id AND r.slip_id = s2.id
              WHERE s2.pharmacy_id = %(p)s AND s2.id = ANY(%(slips)s)
              GROUP BY s2.id) x
        WHERE s.id = x.id;

        UPDATE payments_bankline b
        SET matched_amount = x.matched,
            status = CASE WHEN b.status = 'ignored' THEN 'ignored'
                          WHEN x.matched = 0 THEN 'unmatched'
                          WHEN x.matched >= b.amount THEN 'matched' ELSE 'partial' END
        FROM (SELECT b2.id, coalesce(sum(r.amount), 0) AS matched
              FROM payments_bankline b2
              LEFT JOIN payments_reconciliation r
                ON r.pharmacy_id = b2.pharmacy_id AND r.bank_line_id = b2.id
              WHERE b2.pharmacy_id = %(p)s AND b2.id = ANY(%(lines)s)
              GROUP BY b2.id) x
        WHERE b.id = x.id;
        """,
        {"p": pharmacy_id, "slips": list(slip_ids), "lines": list(bank_line_ids)},
    )
