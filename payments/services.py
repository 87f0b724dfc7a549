"""Reconciliation by hand: link, split, unlink, accept or dismiss a proposal.

A person's decision is final for the nightly run: manual links are rows the run
never deletes, and an unlink or dismissal leaves a `ManualDecision` the run
honours (see `payments.matching`).
"""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from core.money import format_euros
from payments.classification import bank_lines_classify
from payments.matching import reconciliation_totals_refresh
from payments.models import (
    BankLine,
    BankRule,
    ManualDecision,
    MatchProposal,
    PaymentSlip,
    Reconciliation,
)
from pharmacies.models import Pharmacy, User


def _refresh(pharmacy: Pharmacy, slip_ids: list[int], bank_line_ids: list[int]) -> None:
    with connection.cursor() as cursor:
        reconciliation_totals_refresh(cursor, pharmacy_id=pharmacy.pk, slip_ids=slip_ids,
                                      bank_line_ids=bank_line_ids)
    # Proposals about what is now fully settled are moot.
    MatchProposal.objects.filter(pharmacy=pharmacy, status=MatchProposal.Status.OPEN).filter(
        bank_line__status=BankLine.Status.MATCHED, bank_line_id__in=bank_line_ids
    ).delete()
    settled = list(PaymentSlip.objects.filter(
        pharmacy=pharmacy, pk__in=slip_ids, status=PaymentSlip.Status.MATCHED
    ).values_list("pk", flat=True))
    if settled:
        MatchProposal.objects.filter(pharmacy=pharmacy, status=MatchProposal.Status.OPEN,
                                     slip_ids__overlap=settled).delete()


@transaction.atomic
def reconciliation_link(
    *, pharmacy: Pharmacy, bank_line: BankLine, allocations: list[tuple[PaymentSlip, Decimal]],
    user: User | None,
) -> list[Reconciliation]:
    """Link one bank line to slips, each for an amount (a split when less than the slip)."""
    line = BankLine.objects.select_for_update().get(pharmacy=pharmacy, pk=bank_line.pk)
    slips = {s.pk: s for s in PaymentSlip.objects.select_for_update().filter(
        pharmacy=pharmacy, pk__in=[s.pk for s, _ in allocations])}
    total = sum((amount for _, amount in allocations), Decimal("0"))
    if not allocations or any(amount <= 0 for _, amount in allocations):
        raise ValidationError("Chaque montant rapproché doit être positif.")
    if total > line.amount - line.matched_amount:
        raise ValidationError("Le total dépasse le reste à rapprocher du virement.")
    links = []
    for slip, amount in allocations:
        current = slips[slip.pk]
        if amount > current.total - current.matched_amount:
            raise ValidationError(f"Le bordereau {current.reference} n'a plus que "
                                  f"{format_euros(current.total - current.matched_amount)} à rapprocher.")
        link, created = Reconciliation.objects.get_or_create(
            pharmacy=pharmacy, slip=current, bank_line=line,
            defaults={"amount": amount, "source": Reconciliation.Source.MANUAL, "created_by": user},
        )
        if not created:
            Reconciliation.objects.filter(pk=link.pk).update(
                amount=F("amount") + amount, source=Reconciliation.Source.MANUAL)
        links.append(link)
    ManualDecision.objects.filter(pharmacy=pharmacy, bank_line=line, slip_id__in=slips).delete()
    _refresh(pharmacy, list(slips), [line.pk])
    return links


@transaction.atomic
def reconciliation_unlink(*, pharmacy: Pharmacy, reconciliation: Reconciliation,
                          user: User | None) -> None:
    """Remove a link; the nightly run will never make it again."""
    link = Reconciliation.objects.select_for_update().get(pharmacy=pharmacy, pk=reconciliation.pk)
    ManualDecision.objects.get_or_create(
        pharmacy=pharmacy, slip_id=link.slip_id, bank_line_id=link.bank_line_id,
        defaults={"kind": ManualDecision.Kind.UNLINKED, "created_by": user},
    )
    slip_id, line_id = link.slip_id, link.bank_line_id
    link.delete()
    _refresh(pharmacy, [slip_id], [line_id])


@transaction.atomic
def proposal_accept(*, pharmacy: Pharmacy, proposal: MatchProposal, user: User | None) -> None:
    proposal = MatchProposal.objects.select_for_update().get(
        pharmacy=pharmacy, pk=proposal.pk, status=MatchProposal.Status.OPEN)
    slips = list(PaymentSlip.objects.filter(pharmacy=pharmacy, pk__in=proposal.slip_ids))
    reconciliation_link(pharmacy=pharmacy, bank_line=proposal.bank_line, user=user,
                        allocations=[(s, s.total - s.matched_amount) for s in slips])
    MatchProposal.objects.filter(pk=proposal.pk).update(
        status=MatchProposal.Status.ACCEPTED, decided_at=timezone.now())


@transaction.atomic
def proposal_dismiss(*, pharmacy: Pharmacy, proposal: MatchProposal, user: User | None) -> None:
    proposal = MatchProposal.objects.select_for_update().get(
        pharmacy=pharmacy, pk=proposal.pk, status=MatchProposal.Status.OPEN)
    ManualDecision.objects.bulk_create(
        [ManualDecision(pharmacy=pharmacy, slip_id=slip_id, bank_line_id=proposal.bank_line_id,
                        kind=ManualDecision.Kind.DISMISSED, created_by=user)
         for slip_id in proposal.slip_ids],
        ignore_conflicts=True,
    )
    MatchProposal.objects.filter(pk=proposal.pk).update(
        status=MatchProposal.Status.DISMISSED, decided_at=timezone.now())


# --- tiers-payant or not -----------------------------------------------------------

@transaction.atomic
def bank_line_tiers_payant_set(*, pharmacy: Pharmacy, bank_line: BankLine, tiers_payant: bool,
                               user: User | None) -> BankLine:
    """A person puts a line in or out of tiers-payant; the night's sort never overrides it.

    Out of tiers-payant, a line becomes another credit (or debit): what it is exactly
    is a rule's job ("ce libellé est toujours une remise carte"). The change is in
    the line's audit trail, with the person (pghistory's request context).
    """
    if tiers_payant:
        kind = BankLine.Kind.INSURER
    else:
        kind = BankLine.Kind.OTHER_CREDIT if bank_line.amount > 0 else BankLine.Kind.OTHER_DEBIT
    BankLine.objects.filter(pharmacy=pharmacy, pk=bank_line.pk).update(
        kind=kind, kind_source=BankLine.KindSource.MANUAL)
    if not tiers_payant:
        # Out of tiers-payant, it pays no slip: its proposals leave the review queue now
        # (the night would drop them too, the line being no candidate any more).
        MatchProposal.objects.filter(pharmacy=pharmacy, bank_line=bank_line,
                                     status=MatchProposal.Status.OPEN).delete()
    bank_line.kind, bank_line.kind_source = kind, BankLine.KindSource.MANUAL
    return bank_line


@transaction.atomic
def bank_rule_create(*, pharmacy: Pharmacy, pattern: str, kind: str, user: User | None) -> BankRule:
    """Add a pharmacy's rule and sort its lines again (one statement)."""
    pattern = " ".join(pattern.split())
    if BankRule.objects.filter(pharmacy=pharmacy, pattern__iexact=pattern).exists():
        raise ValidationError("Une règle existe déjà pour ce libellé.")
    rule = BankRule.objects.create(pharmacy=pharmacy, pattern=pattern, kind=kind, created_by=user)
    bank_lines_classify(pharmacy_id=pharmacy.pk, everything=False, touching=pattern)
    return rule


@transaction.atomic
def bank_rule_delete(*, pharmacy: Pharmacy, rule: BankRule) -> None:
    """Remove a pharmacy's rule: its lines go back to the automatic sort."""
    BankRule.objects.filter(pharmacy=pharmacy, pk=rule.pk).delete()
    bank_lines_classify(pharmacy_id=pharmacy.pk, everything=False, touching=rule.pattern)


# The slips of a returns file, asked by the returns import (claims.imports.returns_sql)
# in its transaction, from its staging table: registered in payments.apps.


def slips_create_from_returns(cursor, *, pharmacy_id: int, batch_id: int, staging: str) -> int:
    """One slip per (organism, reference) of the staged returns; returns how many are new.

    A bordereau's date is its lines' earliest payment date.
    """
    cursor.execute(
        f"""
        WITH inserted AS (
            INSERT INTO payments_paymentslip (
                pharmacy_id, organism_id, reference, payment_date, total, line_count,
                matched_amount, status, import_batch_id, created_at
            )
            SELECT %(pharmacy)s, o.id, s.slip_reference, min(coalesce(s.payment_date, s.return_date)),
                   0, 0, 0, %(unmatched)s, %(batch)s, now()
            FROM {staging} s
            JOIN claims_organism o ON o.kind = s.payer_kind AND o.code = s.organism_code
            WHERE s.slip_reference <> ''
            GROUP BY o.id, s.slip_reference
            ON CONFLICT (pharmacy_id, organism_id, reference) DO NOTHING
            RETURNING 1
        )
        SELECT count(*) FROM inserted
        """,
        {"pharmacy": pharmacy_id, "batch": batch_id, "unmatched": PaymentSlip.Status.UNMATCHED},
    )
    return cursor.fetchone()[0]


def slips_totals_from_returns(cursor, *, pharmacy_id: int, staging: str) -> int:
    """Totals and line counts, from their lines, of every slip the staged returns touch
    (their earlier lines included); returns how many changed."""
    cursor.execute(
        f"""
        WITH touched AS (
            SELECT DISTINCT ps.id
            FROM {staging} s
            JOIN claims_organism o ON o.kind = s.payer_kind AND o.code = s.organism_code
            JOIN payments_paymentslip ps
              ON ps.pharmacy_id = %(pharmacy)s AND ps.organism_id = o.id
             AND ps.reference = s.slip_reference
        ),
        totals AS (
            SELECT r.slip_id, coalesce(sum(r.amount_paid), 0) AS total, count(*) AS line_count
            FROM claims_returnline r
            WHERE r.pharmacy_id = %(pharmacy)s AND r.slip_id IN (SELECT id FROM touched)
            GROUP BY r.slip_id
        ),
        changed AS (
            UPDATE payments_paymentslip p
               SET total = t.total, line_count = t.line_count
              FROM totals t
             WHERE p.id = t.slip_id
               AND (p.total, p.line_count) IS DISTINCT FROM (t.total, t.line_count)
            RETURNING 1
        )
        SELECT count(*) FROM changed
        """,
        {"pharmacy": pharmacy_id},
    )
    return cursor.fetchone()[0]
