"""Reads for the rejection and unpaid-claim worklists, for one pharmacy or many.

Every function takes the set of pharmacies the user may see (from
`visible_pharmacies(user)`, or narrowed to one); a `state.pharmacie` filter can
only narrow it further. Totals are SQL aggregates; rows come with their
relations joined (no query per row).
"""

from __future__ import annotations

import datetime as dt

from django.core.paginator import Page, Paginator
from django.db import connection
from django.db.models import (
    Count,
    DecimalField,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.expressions import RawSQL
from django.db.models.functions import Coalesce
from django.utils import timezone

from audit.history import HistoryEntry, Subject, object_history
from claims import due
from claims.ageing import age_bucket_expression, age_filter
from claims.models import MONEY_FIELD, OPEN_CLAIM_STATUSES, Claim, ClaimStatus, Organism
from core.statuses import ACTIONABLE_REJECTION_STATUSES, CLAIM_PAID, sql_literal
from pharmacies.models import Pharmacy, StaffMember, User
from rejections.models import (
    OPEN_REJECTION_STATUSES,
    Attachment,
    Rejection,
    RejectionEvent,
    RejectionReason,
    RejectionStatus,
    UnpaidFollowUp,
)
from rejections.worklist import REJECTION_SORTS, UNPAID_SORTS, WorklistState


def _order_fields(sort: str | tuple[str, ...]) -> tuple[str, ...]:
    return (sort,) if isinstance(sort, str) else sort


def _scoped(queryset: QuerySet, pharmacies: QuerySet[Pharmacy], state: WorklistState) -> QuerySet:
    queryset = queryset.filter(pharmacy__in=pharmacies)
    if state.pharmacie:
        queryset = queryset.filter(pharmacy_id=state.pharmacie)
    return queryset


def rejection_worklist(
    *, pharmacies: QuerySet[Pharmacy], state: WorklistState, user: User,
    today: dt.date | None = None,
) -> QuerySet[Rejection]:
    today = today or timezone.localdate()
    qs = _scoped(Rejection.objects.all(), pharmacies, state)
    if state.statut == "open":
        qs = qs.filter(status__in=OPEN_REJECTION_STATUSES)
    elif state.statut:
        qs = qs.filter(status=state.statut)
    if state.categorie:
        qs = qs.filter(reason__in=RejectionReason.objects.filter(category=state.categorie))
    if state.payeur:
        qs = qs.filter(claim__organism_id=state.payeur)
    if state.operateur:
        qs = qs.filter(claim__operator_code=state.operateur)
    if state.age:
        qs = qs.filter(age_filter("rejected_on", state.age, today))
    if state.montant_min is not None:
        qs = qs.filter(amount__gte=state.montant_min)
    if state.montant_max is not None:
        qs = qs.filter(amount__lte=state.montant_max)
    if state.moi:
        qs = qs.filter(assignee=user)
    if state.q:
        term = state.q.strip()
        qs = qs.filter(
            Q(claim__invoice_number__startswith=term)
            | Q(new_invoice_number__startswith=term)
            | Q(claim__patient_name__icontains=term)
        )
    order = _order_fields(REJECTION_SORTS.get(state.tri, "rejected_on"))
    # The page's rows get their claim, payer and reason by three look-ups of their
    # ids, not by joins: row-level security makes the planner expect a handful of
    # rows from each tenant table, so it joined the small payer and reason tables
    # row by row against thousands (docs/decisions.md, "Staff pages").
    return (
        qs.select_related("pharmacy", "assignee")
        .prefetch_related("claim__organism", "reason")
        .annotate(age_bucket=age_bucket_expression("rejected_on", today))
        .order_by(*order, "pk")
    )


def page_sorted_by_ids(rows: QuerySet, *, number, per_page: int) -> Page:
    """One page of `rows`: their ids filtered, sorted and sliced first, then the page's rows.

    PostgreSQL reads every row it sorts; the ids, amounts and dates of the
    claims not paid are all in their index, so sorting the ids alone reads no
    claim, and only the page's rows are then read (docs/decisions.md, "Staff pages").
    """
    page = Paginator(rows.values_list("pk", flat=True), per_page).get_page(number)
    page.object_list = rows.filter(pk__in=list(page.object_list))  # same order
    return page


def worklist_totals(queryset: QuerySet, amount: str) -> dict:
    """Count and sum of the whole filtered list (not just the page), in one query.

    COUNT(*), not of the ids: for the unpaid claims the index of the claims not
    paid, which carries their amounts, then answers without reading a claim.
    """
    return queryset.order_by().aggregate(
        count=Count("*"), amount=Coalesce(Sum(amount), Value(0), output_field=MONEY_FIELD)
    )


def unpaid_worklist(
    *, pharmacies: QuerySet[Pharmacy], state: WorklistState, user: User,
    today: dt.date | None = None,
) -> QuerySet[Claim]:
    """The claims to remind (claims/due.py: no answer, overdue); with `vue=ouvertes` every
    claim still owed, with `vue=repris` those whose payment a recovery took back."""
    today = today or timezone.localdate()
    qs = _scoped(Claim.objects.all(), pharmacies, state)
    if state.vue == "ouvertes":
        qs = qs.filter(status__in=OPEN_CLAIM_STATUSES)
    elif state.vue == "repris":
        qs = qs.filter(status=ClaimStatus.TAKEN_BACK)
    else:
        qs = qs.filter(due.to_remind(today))
    if state.payeur:
        qs = qs.filter(organism_id=state.payeur)
    if state.operateur:
        qs = qs.filter(operator_code=state.operateur)
    if state.age:
        qs = qs.filter(age_filter("transmission_date", state.age, today))
    qs = qs.annotate(
        outstanding=due.outstanding()
    )
    if state.montant_min is not None:
        qs = qs.filter(outstanding__gte=state.montant_min)
    if state.montant_max is not None:
        qs = qs.filter(outstanding__lte=state.montant_max)
    if state.moi:
        qs = qs.filter(follow_ups__requested_by=user).distinct()
    if state.q:
        term = state.q.strip()
        qs = qs.filter(Q(invoice_number__startswith=term) | Q(patient_name__icontains=term))
    last_follow_up = UnpaidFollowUp.objects.filter(claim=OuterRef("pk")).order_by("-requested_at")
    order = _order_fields(UNPAID_SORTS.get(state.tri, UNPAID_SORTS["-age"]))
    return (
        qs.select_related("pharmacy")
        .prefetch_related("organism")  # as the rejections' payer: a look-up of the page's ids
        .annotate(
            age_bucket=age_bucket_expression("transmission_date", today),
            due_on=due.due_on(),
            kind=due.kind_expression(today),
            follow_up_status=Subquery(last_follow_up.values("status")[:1]),
            follow_up_at=Subquery(last_follow_up.values("requested_at")[:1]),
        )
        .order_by(*order, "pk")
    )


# The distinct values of a claim column (the operators) among the claims not paid,
# one probe of the partial index (pharmacy_id, column) WHERE status <> 'paid' per
# value per pharmacy: a "loose index scan", which PostgreSQL does not plan by
# itself. A DISTINCT over the claims read every claim of the pharmacies, i.e. grew
# with their history (docs/decisions.md, "Staff pages").
_NOT_PAID = f"c.status <> {sql_literal(CLAIM_PAID)}"
_DISTINCT_CLAIM_VALUES = """
    SELECT DISTINCT found.value FROM pharmacies_pharmacy p CROSS JOIN LATERAL (
        WITH RECURSIVE walk(value) AS (
            (SELECT c.{column} FROM claims_claim c
             WHERE c.pharmacy_id = p.id AND {not_paid}
             ORDER BY c.{column} LIMIT 1)
            UNION ALL
            SELECT (SELECT c.{column} FROM claims_claim c
                    WHERE c.pharmacy_id = p.id AND {not_paid} AND c.{column} > walk.value
                    ORDER BY c.{column} LIMIT 1)
            FROM walk WHERE walk.value IS NOT NULL
        )
        SELECT value FROM walk WHERE value IS NOT NULL
    ) found WHERE p.id IN ({pharmacies})
"""


def _distinct_claim_values(column: str, pharmacies: QuerySet[Pharmacy]) -> RawSQL:
    ids_sql, params = pharmacies.order_by().values("pk").query.sql_with_params()
    return RawSQL(_DISTINCT_CLAIM_VALUES.format(column=column, pharmacies=ids_sql, not_paid=_NOT_PAID), params)


def worklist_filter_choices(*, pharmacies: QuerySet[Pharmacy]) -> dict:
    """The payers and operators of these pharmacies' claims not paid (two small queries).

    A payer or operator whose every claim is paid has nothing left in either
    worklist; the index of the claims not paid answers both.
    """
    # Payers: PostgreSQL probes the index of the claims not paid, (pharmacy, organism),
    # once per known payer (a few hundred), so the semi-join stays as it is.
    organisms = Organism.objects.filter(
        pk__in=Claim.objects.filter(pharmacy__in=pharmacies)
        .exclude(status=ClaimStatus.PAID).values("organism_id")
    ).order_by("kind", "name")
    operators = _distinct_claim_values("operator_code", pharmacies)
    with connection.cursor() as cursor:
        cursor.execute(operators.sql + " ORDER BY 1", operators.params)
        return {"organisms": list(organisms), "operators": [row[0] for row in cursor.fetchall()]}


def rejection_for_detail(*, pharmacies: QuerySet[Pharmacy], pk: int) -> Rejection:
    """One rejection with everything the detail page shows joined; DoesNotExist outside the set."""
    return Rejection.objects.select_related(
        "pharmacy", "claim", "claim__organism", "reason", "assignee", "return_line"
    ).get(pharmacy__in=pharmacies, pk=pk)


def rejection_history(*, rejection: Rejection) -> QuerySet[RejectionEvent]:
    return RejectionEvent.objects.filter(
        pharmacy_id=rejection.pharmacy_id, rejection=rejection
    ).select_related("actor").order_by("-created_at", "-id")


def rejection_attachments(*, rejection: Rejection) -> QuerySet[Attachment]:
    return Attachment.objects.filter(
        pharmacy_id=rejection.pharmacy_id, rejection=rejection
    ).select_related("uploaded_by").order_by("-uploaded_at")


def rejection_counts_by_status(*, pharmacies: QuerySet[Pharmacy]) -> dict:
    """Count and amount of rejections still to act on, in one query."""
    return Rejection.objects.filter(pharmacy__in=pharmacies).aggregate(
        to_handle=Count("pk", filter=Q(status=RejectionStatus.TO_HANDLE)),
        in_progress=Count("pk", filter=Q(status=RejectionStatus.IN_PROGRESS)),
        actionable_amount=Coalesce(
            Sum("amount", filter=Q(status__in=ACTIONABLE_REJECTION_STATUSES)),
            Value(0), output_field=MONEY_FIELD,
        ),
        open=Count("pk", filter=Q(status__in=OPEN_REJECTION_STATUSES)),
        # Paid in part: the rest is still to claim (or to write off).
        partly_recovered=Count("pk", filter=Q(status=RejectionStatus.PARTLY_RECOVERED)),
        partly_recovered_rest=Coalesce(
            Sum(F("amount") - F("recovered_amount"),
                filter=Q(status=RejectionStatus.PARTLY_RECOVERED)),
            Value(0), output_field=MONEY_FIELD,
        ),
    )


def staff_error_statistics(*, pharmacy: Pharmacy, since: dt.date) -> QuerySet:
    """Per operator code: claims transmitted since `since`, their rejections, and the
    rejections avoidable at the counter; the rate is computed in SQL."""
    staff_name = StaffMember.objects.filter(
        pharmacy=pharmacy, operator_code=OuterRef("operator_code")
    )
    return (
        Claim.objects.filter(pharmacy=pharmacy, transmission_date__gte=since)
        .values("operator_code")
        .annotate(
            claim_count=Count("pk", distinct=True),
            rejection_count=Count("rejections", distinct=True),
            counter_errors=Count(
                "rejections", filter=Q(rejections__reason__avoidable_at_counter=True), distinct=True
            ),
            first_name=Subquery(staff_name.values("first_name")[:1]),
            last_name=Subquery(staff_name.values("last_name")[:1]),
        )
        .annotate(
            rate=ExpressionWrapper(
                F("rejection_count") * 1.0 / F("claim_count"), output_field=DecimalField(max_digits=8, decimal_places=4)
            )
        )
        .order_by("-rejection_count", "operator_code")
    )


def rejection_file_history(*, pharmacy: Pharmacy, rejection: Rejection) -> list[HistoryEntry]:
    """The rejection file's history: the rejection and its claim."""
    return object_history(pharmacy=pharmacy, subjects=[
        Subject(Rejection, {"pgh_obj_id": rejection.pk}),
        Subject(Claim, {"pgh_obj_id": rejection.claim_id}),
    ])
