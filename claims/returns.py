"""Apply payer returns to claims: set-based SQL, in batches, idempotent by construction.

A claim's state is *recomputed* from all its return lines (linked to it by the
natural key pharmacy + invoice + payer kind + organism), never incremented:
replaying a batch, or the whole night after a crash, gives the same row. Each chunk of
lines is one short transaction that links them if needed, recomputes their
claims and opens the rejections, so a crash leaves every chunk either fully
done or untouched. A return line is not rewritten to mark it applied: its
import batch is (docs/decisions.md, "The night").

Claims writes only its own tables. What the apps above do with the returns (the
rejections a rejecting line opens, the catalogue's unknown codes, the number of a
re-invoice on its rejection) they write themselves, in the same transactions:
the night (tiers_payant.night) passes their services in `ReturnsFollowers`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.db import connection, transaction

from audit.context import audit_job
from core import statuses
from core.statuses import sql_in, sql_literal

BATCH_LINES = 50_000

# Claims whose status a person decided: returns still update the amounts, not the status.
_HUMAN_STATUSES = list(statuses.HUMAN_CLAIM_STATUSES)


@dataclass(frozen=True)
class ReturnsFollowers:
    """The writes of the apps above claims that follow the returns, in claims' transactions.

    - `reasons_add(cursor, pharmacy_id=, batch_ids=)`: reject codes missing from the
      catalogue, before the lines are applied;
    - `rejections_open(cursor, pharmacy_id=, line_ids=)`: in each chunk's transaction,
      a rejection per rejecting line of the chunk;
    - `rejected_claims`: SQL of (claim_id, rejected_on, new_invoice_number) of the
      pharmacy's open rejections (`%(p)s` and `rejected_claims_params`), the
      candidates of the re-invoice link;
    - `reinvoices_number(cursor, pharmacy_id=, old_claim_ids=, new_numbers=)`: in the
      link's transaction, the new invoice's number on the old claim's rejections.
    """

    reasons_add: Callable[..., int]
    rejections_open: Callable[..., int]
    rejected_claims: str
    rejected_claims_params: dict
    reinvoices_number: Callable[..., int]


@dataclass
class ReturnsResult:
    lines_applied: int = 0
    claims_updated: int = 0
    rejections_opened: int = 0
    reasons_added: int = 0
    reinvoices_linked: int = 0
    rejections_recovered: int = 0  # the rejections' step, counted by the night


def returns_apply(
    *, pharmacy_id: int, followers: ReturnsFollowers, batch_size: int = BATCH_LINES
) -> ReturnsResult:
    """Bring the claims up to date with every return line not yet applied."""
    with audit_job("returns_apply", pharmacy_id=pharmacy_id):
        return _returns_apply(pharmacy_id=pharmacy_id, followers=followers,
                              batch_size=batch_size)


# What the night has still to apply, without rewriting a return line to say so:
# - the lines of a committed returns import the night has not applied yet (the
#   import linked them to their claim when it existed: they are applied by
#   recomputing those claims, and the import batch is then marked applied);
# - the lines still waiting for their claim (no claim when imported), linked as
#   soon as it exists. Lines and their batch's status commit together, so a
#   batch committed while the night runs is simply the next night's.
_WAITING = "r.pharmacy_id = %(p)s AND r.claim_id IS NULL"
_IN_BATCH = (
    "r.pharmacy_id = %(p)s AND r.import_batch_id = %(batch)s AND r.claim_id IS NOT NULL"
    " AND r.id >= %(start)s AND r.id < %(stop)s"
)


def _returns_apply(*, pharmacy_id: int, followers: ReturnsFollowers,
                   batch_size: int) -> ReturnsResult:
    result = ReturnsResult()
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT b.id, min(r.id), max(r.id)
            FROM claims_importbatch b
            LEFT JOIN claims_returnline r
                   ON r.import_batch_id = b.id AND r.pharmacy_id = b.pharmacy_id
            WHERE b.pharmacy_id = %s AND b.kind = 'returns' AND b.status = 'committed'
              AND b.applied_at IS NULL
            GROUP BY b.id ORDER BY b.id
            """,
            [pharmacy_id],
        )
        batches = cursor.fetchall()
        # Waiting lines are few and scattered among the pharmacy's ids: chunks of
        # `batch_size` lines each (every batch_size-th id starts one), not of ids.
        cursor.execute(
            """
            SELECT id FROM (
                SELECT id, row_number() OVER (ORDER BY id) - 1 AS n
                FROM claims_returnline WHERE pharmacy_id = %s AND claim_id IS NULL
            ) waiting WHERE n %% %s = 0 ORDER BY id
            """,
            [pharmacy_id, batch_size],
        )
        waiting_starts = [start for (start,) in cursor.fetchall()]
    if batches or waiting_starts:
        with transaction.atomic(), connection.cursor() as cursor:
            night_transaction(cursor)
            result.reasons_added = followers.reasons_add(
                cursor, pharmacy_id=pharmacy_id, batch_ids=[batch for batch, _, _ in batches]
            )
    # Each start with the next one (None after the last); no start, no chunk.
    for start, stop in zip(waiting_starts, [*waiting_starts[1:], None], strict=False):
        _apply_chunk(pharmacy_id=pharmacy_id, waiting=True, into=result,
                     params={"start": start, "stop": stop}, followers=followers)
    for batch, low, high in batches:
        # An import whose lines were all already known has none of its own: one
        # empty chunk still closes it.
        starts = range(low, high + 1, batch_size) if low is not None else range(1)
        for start in starts:
            _apply_chunk(pharmacy_id=pharmacy_id, waiting=False, into=result,
                         params={"batch": batch, "start": start, "stop": start + batch_size},
                         last=start == starts[-1], followers=followers)
    result.reinvoices_linked = reinvoices_link(pharmacy_id=pharmacy_id, followers=followers)
    return result


def night_transaction(cursor) -> None:
    """Settings of one of the night's short transactions (SET LOCAL: they end with it).

    - `synchronous_commit = off`: a commit does not wait for its WAL flush. A
      crash can lose the last fraction of a second of committed night
      transactions, never part of one, and never a later one without the
      earlier ones (the WAL is replayed in order): every step recomputes from
      the source rows, so the next run redoes exactly what was lost, and the
      run row is marked done only after all of them.
    - `work_mem = 64MB`: the per-batch aggregates and the matching's hash joins
      stay in memory instead of spilling to disk.
    """
    cursor.execute("SET LOCAL synchronous_commit = off; SET LOCAL work_mem = '64MB'")


def _apply_chunk(*, pharmacy_id: int, waiting: bool, params: dict, into: ReturnsResult,
                 followers: ReturnsFollowers, last: bool = False) -> None:
    """Apply one chunk of lines (an id range) in one short transaction.

    Waiting lines are linked to their claim first (a statement of its own, so
    that the recompute's snapshot sees the link); a batch's lines were linked
    by their import. The chunk's claims are then recomputed from all their
    lines, its rejecting lines open their rejections, and the last chunk of a
    batch marks it applied.
    """
    params = {**params, "p": pharmacy_id, "human": _HUMAN_STATUSES}
    with transaction.atomic(), connection.cursor() as cursor:
        night_transaction(cursor)
        if waiting:
            cursor.execute(
                f"""
                UPDATE claims_returnline r SET claim_id = c.id
                FROM claims_claim c
                WHERE {_WAITING} AND r.id >= %(start)s
                  AND (r.id < %(stop)s OR %(stop)s::bigint IS NULL)
                  AND c.pharmacy_id = r.pharmacy_id AND c.invoice_number = r.invoice_number
                  AND c.payer_kind = r.payer_kind AND c.organism_id = r.organism_id
                RETURNING r.id
                """,
                params,
            )
            params["linked"] = [line_id for (line_id,) in cursor.fetchall()]
            lines = ("SELECT r.id, r.claim_id FROM claims_returnline r"
                     " WHERE r.pharmacy_id = %(p)s AND r.id = ANY(%(linked)s)")
        else:
            lines = f"SELECT r.id, r.claim_id FROM claims_returnline r WHERE {_IN_BATCH}"
        cursor.execute(
            f"""
            WITH lines AS ({lines}),
            """
            + _RECOMPUTE.format(claims="SELECT claim_id FROM lines")
            + """
            SELECT (SELECT array_agg(id) FROM lines), (SELECT count(*) FROM recomputed)
            """,
            params,
        )
        line_ids, claims = cursor.fetchone()
        if line_ids:
            into.lines_applied += len(line_ids)
            into.claims_updated += claims
            into.rejections_opened += followers.rejections_open(
                cursor, pharmacy_id=pharmacy_id, line_ids=line_ids
            )
        if last:
            cursor.execute(
                "UPDATE claims_importbatch SET applied_at = now() WHERE id = %s", [params["batch"]]
            )


# A claim's status from the aggregates of its return lines (`agg`) and its amount.
_PAID = sql_literal(statuses.CLAIM_PAID)
_TAKEN_BACK = sql_literal(statuses.CLAIM_TAKEN_BACK)
_NEW_STATUS = f"""
    CASE
      WHEN agg.any_payment AND agg.paid >= c.amount_claimed THEN {_PAID}
      -- (part of) what was paid was taken back: owed again, with its own label
      WHEN agg.any_recovery AND agg.last_status <> {sql_literal(statuses.RETURN_REJECTED)}
        THEN {_TAKEN_BACK}
      WHEN agg.paid > 0 THEN {sql_literal(statuses.CLAIM_PARTIAL)}
      ELSE {sql_literal(statuses.CLAIM_REJECTED)}
    END"""
# Lines that move money, lines that pay, recoveries (core.statuses).
_MONEY_LINE = f"r.status IN {sql_in(statuses.MONEY_RETURN_STATUSES)}"
_PAYMENT_LINE = f"r.status IN {sql_in(statuses.PAYMENT_RETURN_STATUSES)}"
_RECOVERY_LINE = f"r.status = {sql_literal(statuses.RETURN_RECOVERY)}"

# Amount paid, status and dates of the claims `{claims}` selects, from all the
# return lines linked to them (their aggregates, then the UPDATE … RETURNING of
# those claims): WITH clauses ending in `recomputed`. The aggregates are read
# by the lines' link (`claim_id`), without a look-up of the claims of their own.
_RECOMPUTE = f"""
    agg AS (
        SELECT r.claim_id AS id,
               COALESCE(sum(r.amount_paid) FILTER (WHERE {_MONEY_LINE}), 0) AS paid,
               bool_or({_PAYMENT_LINE}) AS any_payment,
               bool_or({_RECOVERY_LINE}) AS any_recovery,
               max(r.payment_date) FILTER (WHERE {_PAYMENT_LINE}) AS paid_on,
               max(r.return_date) AS last_return,
               max(r.return_date) FILTER (WHERE {_RECOVERY_LINE}) AS recovered_on,
               (array_agg(r.status ORDER BY r.return_date DESC, r.id DESC))[1] AS last_status
        FROM claims_returnline r
        WHERE r.pharmacy_id = %(p)s AND r.claim_id IN ({{claims}})
        GROUP BY r.claim_id
    ), recomputed AS (
    UPDATE claims_claim c
    SET amount_paid = agg.paid,
        last_return_date = agg.last_return,
        paid_date = CASE WHEN {_NEW_STATUS} = {_PAID} THEN agg.paid_on END,
        status = CASE WHEN c.status = ANY(%(human)s) THEN c.status ELSE {_NEW_STATUS} END,
        unpaid_since = CASE WHEN {_NEW_STATUS} = {_TAKEN_BACK} THEN agg.recovered_on END,
        updated_at = now()
    FROM agg
    WHERE c.id = agg.id AND c.pharmacy_id = %(p)s
    RETURNING c.id
    )
"""


def reinvoices_link(*, pharmacy_id: int, followers: ReturnsFollowers) -> int:
    """Link a new invoice to the rejected claim it corrects.

    Same patient (NIR and birth rank), date of care, payer and amount, transmitted
    on or after the rejection; or the number staff typed on the rejection. Only a
    pair that is unique on both sides is linked: two look-alike claims stay apart.
    """
    with transaction.atomic(), connection.cursor() as cursor:
        night_transaction(cursor)
        cursor.execute(
            f"""
            WITH rejected AS ({followers.rejected_claims}
            ), olds AS (
                SELECT old.id, old.pharmacy_id, old.invoice_number, old.payer_kind,
                       old.organism_id, old.nir, old.birth_rank, old.care_date,
                       old.amount_claimed, rj.rejected_on, rj.new_invoice_number
                FROM claims_claim old
                JOIN rejected rj ON rj.claim_id = old.id
                WHERE old.pharmacy_id = %(p)s
                  AND old.status IN {sql_in((statuses.CLAIM_REJECTED, statuses.CLAIM_REINVOICED))}
                  AND NOT EXISTS (SELECT 1 FROM claims_claim x
                                  WHERE x.pharmacy_id = old.pharmacy_id
                                    AND x.reinvoice_of_id = old.id)
            ), pairs AS (
                -- the number staff typed on the rejection
                SELECT new.id AS new_id, olds.id AS old_id
                FROM olds JOIN claims_claim new
                  ON new.pharmacy_id = olds.pharmacy_id
                 AND new.invoice_number = olds.new_invoice_number
                 AND new.payer_kind = olds.payer_kind AND new.organism_id = olds.organism_id
                WHERE new.reinvoice_of_id IS NULL
                UNION
                -- same patient, date of care, payer and amount, sent after the rejection
                SELECT new.id, olds.id
                FROM olds JOIN claims_claim new
                  ON new.pharmacy_id = olds.pharmacy_id AND new.nir = olds.nir
                 AND new.care_date = olds.care_date
                 AND new.birth_rank IS NOT DISTINCT FROM olds.birth_rank
                 AND new.payer_kind = olds.payer_kind AND new.organism_id = olds.organism_id
                 AND new.amount_claimed = olds.amount_claimed
                 AND new.transmission_date >= olds.rejected_on
                WHERE olds.nir <> '' AND new.reinvoice_of_id IS NULL
                  AND new.invoice_number <> olds.invoice_number
            ), unique_pairs AS (
                SELECT new_id, old_id FROM (
                    SELECT new_id, old_id,
                           count(*) OVER (PARTITION BY new_id) AS n_old,
                           count(*) OVER (PARTITION BY old_id) AS n_new
                    FROM pairs) counted
                WHERE n_old = 1 AND n_new = 1
            ), linked AS (
                UPDATE claims_claim new SET reinvoice_of_id = u.old_id, updated_at = now()
                FROM unique_pairs u WHERE new.id = u.new_id
                RETURNING new.id AS new_id, new.invoice_number, u.old_id
            ), old_marked AS (
                UPDATE claims_claim old
                SET status = {sql_literal(statuses.CLAIM_REINVOICED)}, updated_at = now()
                FROM linked
                WHERE old.id = linked.old_id AND old.status = {sql_literal(statuses.CLAIM_REJECTED)}
                RETURNING old.id
            )
            SELECT coalesce(array_agg(old_id), '{{}}'), coalesce(array_agg(invoice_number), '{{}}')
            FROM linked
            """,
            {"p": pharmacy_id, **followers.rejected_claims_params},
        )
        old_ids, new_numbers = cursor.fetchone()
        if old_ids:
            followers.reinvoices_number(cursor, pharmacy_id=pharmacy_id, old_claim_ids=old_ids,
                                        new_numbers=new_numbers)
        return len(old_ids)
