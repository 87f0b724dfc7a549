"""What the nightly run may change, as plain tuples: two snapshots compare equal or not."""

from __future__ import annotations

from django.db import connection

QUERIES = {
    "claims": "SELECT id, status, amount_paid, paid_date, unpaid_since, last_return_date,"
              " reinvoice_of_id FROM claims_claim ORDER BY id",
    "return_lines": "SELECT id, claim_id FROM claims_returnline ORDER BY id",
    "returns_imports": "SELECT id, applied_at IS NOT NULL FROM claims_importbatch ORDER BY id",
    "rejections": "SELECT id, claim_id, return_line_id, reason_id, status, amount, rejected_on,"
                  " new_invoice_number, recovered_amount, closed_on FROM rejections_rejection"
                  " ORDER BY id",
    "events": "SELECT rejection_id, kind, from_status, to_status FROM rejections_rejectionevent"
              " ORDER BY id",
    "reasons": "SELECT id, code, payer_kind, to_classify FROM rejections_rejectionreason ORDER BY id",
    "reconciliations": "SELECT slip_id, bank_line_id, amount, source FROM payments_reconciliation"
                       " ORDER BY slip_id, bank_line_id",
    "slips": "SELECT id, status, matched_amount FROM payments_paymentslip ORDER BY id",
    "bank_lines": "SELECT id, status, matched_amount FROM payments_bankline ORDER BY id",
    "proposals": "SELECT bank_line_id, slip_ids, status, payer_named, reference_found,"
                 " date_gap_days, candidate_count FROM payments_matchproposal"
                 " ORDER BY bank_line_id, slip_ids",
}


def database_snapshot() -> dict[str, list[tuple]]:
    out = {}
    with connection.cursor() as cursor:
        for name, sql in QUERIES.items():
            cursor.execute(sql)
            out[name] = cursor.fetchall()
    return out
