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

Texts are compared once normalised by the SQL function `match_normalize`
(payments/migrations/0009): a bank line carries its normalised label and
complements in `match_text`, written by the database with the line.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import connection, transaction

from audit.context import audit_job
from claims.returns import night_transaction

DAYS_BEFORE = 3  # a credit booked a little before the slip's date (value dates)
DAYS_AFTER = 10  # transfers arrive a few bank days after the slip
GROUP_SPAN_DAYS = 4

@dataclass
class MatchingResult:
    candidates: int = 0
    auto_linked: int = 0
    proposals: int = 0


def slips_match(*, pharmacy_id: int) -> MatchingResult:
    """Link the unambiguous slip/bank-line pairs of one pharmacy, propose the rest.

    Every join is on equality (amount, organism, ids), so the work grows linearly
    with the number of unmatched rows; arrays are unnested before joining.
    """
    result = MatchingResult()
    params = {
        "p": pharmacy_id, "before": DAYS_BEFORE, "after": DAYS_AFTER, "span": GROUP_SPAN_DAYS,
    }
    with audit_job("slips_match", pharmacy_id=pharmacy_id), transaction.atomic(), \
            connection.cursor() as cursor:
        night_transaction(cursor)
        cursor.execute(
            """
            -- Inside an outer transaction (tests, a caller's atomic) ON COMMIT has not fired.
            DROP TABLE IF EXISTS match_line, match_slip, match_cand, match_cand_slip,
                                 match_auto;
            CREATE TEMP TABLE match_line ON COMMIT DROP AS
            SELECT bl.id, bl.amount, bl.booking_date, bl.match_text AS text
            FROM payments_bankline bl
            WHERE bl.pharmacy_id = %(p)s AND bl.status = 'unmatched' AND bl.amount > 0
              -- A card remittance or a line a person or a rule put outside tiers-payant
              -- pays no slip (payments/classification.py); an unnamed credit still may.
              AND (bl.kind = 'insurer' OR (bl.kind IN ('other_credit', '')
                                           AND bl.kind_source IN ('sign', '')));

            -- A payer's name is normalised once, not once per slip (MATERIALIZED:
            -- otherwise the planner evaluates it for each joined row).
            CREATE TEMP TABLE match_slip ON COMMIT DROP AS
            WITH payer AS MATERIALIZED (
                SELECT o.id, ' ' || match_normalize(o.name) || ' ' AS payer_name,
                       -- a bare numeric label carries the payer's code digits (9 at most)
                       right(regexp_replace(o.code, '[^0-9]', '', 'g'), 9) AS payer_code
                FROM claims_organism o
                WHERE o.id IN (SELECT organism_id FROM payments_paymentslip
                               WHERE pharmacy_id = %(p)s AND status = 'unmatched')
            )
            SELECT s.id, s.organism_id, s.total, s.payment_date,
                   match_normalize(s.reference) AS reference,
                   o.payer_name, o.payer_code
            FROM payments_paymentslip s JOIN payer o ON o.id = s.organism_id
            -- A slip totalling zero has nothing for a transfer to pay.
            WHERE s.pharmacy_id = %(p)s AND s.status = 'unmatched' AND s.total <> 0;
            -- Temporary tables have no statistics until analysed: without them the
            -- planner picks nested loops.
            ANALYZE match_line;
            ANALYZE match_slip;

            CREATE TEMP TABLE match_cand (
                id serial, bank_line_id bigint, slip_ids bigint[], amount numeric(12, 2),
                payer_named boolean, reference_found boolean, date_gap int
            ) ON COMMIT DROP;

            INSERT INTO match_cand
                (bank_line_id, slip_ids, amount, payer_named, reference_found, date_gap)
            SELECT l.id, ARRAY[s.id], s.total,
                   position(s.payer_name IN l.text) > 0
                     OR (length(s.payer_code) >= 9 AND position(s.payer_code IN l.text) > 0),
                   length(s.reference) >= 4 AND position(s.reference IN l.text) > 0,
                   l.booking_date - s.payment_date
            FROM match_line l
            JOIN match_slip s ON s.total = l.amount
            WHERE l.booking_date - s.payment_date BETWEEN -%(before)s AND %(after)s;

            -- Several slips of one payer in one transfer: the slips of a run of up to
            -- five consecutive payment days. The next four days of each day (lead(),
            -- one sort of the days, no join of the days with themselves) give each
            -- run's last day and total; the payer's names join only the runs whose
            -- total is a credit's amount.
            WITH days AS (
                SELECT organism_id, payment_date, sum(total) AS total, count(*) AS n
                FROM match_slip GROUP BY organism_id, payment_date
            ), leads AS (
                SELECT organism_id, payment_date AS first_day, n, total AS t0,
                       lead(payment_date, 1) OVER w AS d1, lead(total, 1) OVER w AS t1,
                       lead(payment_date, 2) OVER w AS d2, lead(total, 2) OVER w AS t2,
                       lead(payment_date, 3) OVER w AS d3, lead(total, 3) OVER w AS t3,
                       lead(payment_date, 4) OVER w AS d4, lead(total, 4) OVER w AS t4
                FROM days
                WINDOW w AS (PARTITION BY organism_id ORDER BY payment_date)
            ), groups AS MATERIALIZED (  -- computed once, not once per joined row
                SELECT r.organism_id, r.first_day, g.last_day, g.total
                FROM leads r CROSS JOIN LATERAL (VALUES
                    (1, r.first_day, r.t0), (2, r.d1, r.t0 + r.t1),
                    (3, r.d2, r.t0 + r.t1 + r.t2), (4, r.d3, r.t0 + r.t1 + r.t2 + r.t3),
                    (5, r.d4, r.t0 + r.t1 + r.t2 + r.t3 + r.t4)) g (days, last_day, total)
                WHERE g.last_day IS NOT NULL  -- a run of `days` payment days (not cut short)
                  AND g.last_day <= r.first_day + %(span)s
                  AND (g.days >= 2 OR r.n >= 2)  -- one day alone: of several slips
            ), payer AS (
                SELECT DISTINCT organism_id, payer_name, payer_code FROM match_slip
            ), hits AS MATERIALIZED (  -- a few rows: their slips are joined after
                SELECT l.id AS bank_line_id, l.booking_date - g.last_day AS date_gap, g.*
                FROM groups g JOIN match_line l ON l.amount = g.total
                JOIN payer p ON p.organism_id = g.organism_id
                WHERE l.booking_date - g.last_day BETWEEN -%(before)s AND %(after)s
                  AND (position(p.payer_name IN l.text) > 0
                       OR (length(p.payer_code) >= 9 AND position(p.payer_code IN l.text) > 0))
            )
            INSERT INTO match_cand
                (bank_line_id, slip_ids, amount, payer_named, reference_found, date_gap)
            SELECT h.bank_line_id, array_agg(s.id ORDER BY s.id), h.total, true, false,
                   h.date_gap
            FROM hits h
            JOIN match_slip s ON s.organism_id = h.organism_id
             AND s.payment_date BETWEEN h.first_day AND h.last_day
            GROUP BY h.bank_line_id, h.organism_id, h.first_day, h.last_day, h.total,
                     h.date_gap;

            -- A weak candidate (neither payer named nor reference found) whose credit
            -- names another of the payers we wait for is no candidate.
            DELETE FROM match_cand c
            USING match_line l
            WHERE l.id = c.bank_line_id AND NOT c.payer_named AND NOT c.reference_found
              AND EXISTS (
                SELECT 1 FROM (SELECT DISTINCT payer_name, payer_code FROM match_slip) o
                WHERE position(o.payer_name IN l.text) > 0
                   OR (length(o.payer_code) >= 9 AND position(o.payer_code IN l.text) > 0));

            -- What a person unlinked or dismissed is never offered again.
            CREATE TEMP TABLE match_cand_slip ON COMMIT DROP AS
            SELECT c.id AS cand_id, c.bank_line_id, x.slip_id
            FROM match_cand c, unnest(c.slip_ids) x (slip_id);
            ANALYZE match_cand;
            ANALYZE match_cand_slip;

            DELETE FROM match_cand c WHERE c.id IN (
                SELECT cs.cand_id FROM match_cand_slip cs
                JOIN payments_manualdecision d
                  ON d.pharmacy_id = %(p)s AND d.bank_line_id = cs.bank_line_id
                 AND d.slip_id = cs.slip_id);

            -- Evidence decides between candidates: a weak one is dropped when its credit
            -- or one of its slips has a strong one.
            WITH strong AS (SELECT id, bank_line_id FROM match_cand
                            WHERE payer_named OR reference_found)
            DELETE FROM match_cand c
            WHERE NOT (c.payer_named OR c.reference_found)
              AND (c.bank_line_id IN (SELECT bank_line_id FROM strong)
                   OR c.id IN (SELECT cs.cand_id FROM match_cand_slip cs
                               JOIN match_cand_slip ss ON ss.slip_id = cs.slip_id
                               WHERE ss.cand_id IN (SELECT id FROM strong)));
            DELETE FROM match_cand_slip WHERE cand_id NOT IN (SELECT id FROM match_cand);
            """,
            params,
        )
        cursor.execute("SELECT count(*) FROM match_cand")
        result.candidates = cursor.fetchone()[0]
        cursor.execute(
            """
            -- Exactly one candidate for the credit, and for each of its slips.
            CREATE TEMP TABLE match_auto ON COMMIT DROP AS
            SELECT c.id, c.bank_line_id, c.slip_ids
            FROM match_cand c
            WHERE c.bank_line_id IN (SELECT bank_line_id FROM match_cand
                                     GROUP BY bank_line_id HAVING count(*) = 1)
              AND c.id NOT IN (
                SELECT cs.cand_id FROM match_cand_slip cs
                WHERE cs.slip_id IN (SELECT slip_id FROM match_cand_slip
                                     GROUP BY slip_id HAVING count(*) > 1));

            INSERT INTO payments_reconciliation
                (pharmacy_id, slip_id, bank_line_id, amount, source, created_at)
            SELECT %(p)s, s.id, a.bank_line_id, s.total, 'auto', now()
            FROM match_auto a
            JOIN match_cand_slip cs ON cs.cand_id = a.id
            JOIN payments_paymentslip s ON s.id = cs.slip_id
            ON CONFLICT (pharmacy_id, slip_id, bank_line_id) DO NOTHING;
            """,
            params,
        )
        cursor.execute("SELECT count(*) FROM match_auto")
        result.auto_linked = cursor.fetchone()[0]
        cursor.execute(
            """
            -- An automatic link settles its slips and its credit in full (they were
            -- unmatched and the amounts are equal): no need to re-add the links.
            UPDATE payments_paymentslip s
            SET matched_amount = s.total, status = 'matched'
            FROM match_cand_slip cs JOIN match_auto a ON a.id = cs.cand_id
            WHERE s.id = cs.slip_id AND s.pharmacy_id = %(p)s AND s.status = 'unmatched';

            UPDATE payments_bankline b
            SET matched_amount = b.amount, status = 'matched'
            FROM match_auto a
            WHERE b.id = a.bank_line_id AND b.pharmacy_id = %(p)s AND b.status = 'unmatched';
            """,
            params,
        )
        cursor.execute(
            """
            -- Candidates touching what was just linked are moot.
            DELETE FROM match_cand c
            WHERE c.bank_line_id IN (SELECT bank_line_id FROM match_auto)
               OR c.id IN (SELECT cs.cand_id FROM match_cand_slip cs
                           WHERE cs.slip_id IN (
                               SELECT slip_id FROM match_cand_slip
                               WHERE cand_id IN (SELECT id FROM match_auto)));

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
              FROM unnest(%(slips)s::bigint[]) t (id)
              JOIN payments_paymentslip s2 ON s2.id = t.id
              LEFT JOIN payments_reconciliation r
                ON r.pharmacy_id = s2.pharmacy_id AND r.slip_id = s2.id
              WHERE s2.pharmacy_id = %(p)s
              GROUP BY s2.id) x
        WHERE s.id = x.id;

        UPDATE payments_bankline b
        SET matched_amount = x.matched,
            status = CASE WHEN b.status = 'ignored' THEN 'ignored'
                          WHEN x.matched = 0 THEN 'unmatched'
                          WHEN x.matched >= b.amount THEN 'matched' ELSE 'partial' END
        FROM (SELECT b2.id, coalesce(sum(r.amount), 0) AS matched
              FROM unnest(%(lines)s::bigint[]) t (id)
              JOIN payments_bankline b2 ON b2.id = t.id
              LEFT JOIN payments_reconciliation r
                ON r.pharmacy_id = b2.pharmacy_id AND r.bank_line_id = b2.id
              WHERE b2.pharmacy_id = %(p)s
              GROUP BY b2.id) x
        WHERE b.id = x.id;
        """,
        {"p": pharmacy_id, "slips": list(slip_ids), "lines": list(bank_line_ids)},
    )
