"""The rejection workflow, in one place: who may move a rejection where, and the trace.

Every write records a RejectionEvent. Bulk versions do one UPDATE and one bulk
INSERT of events, never a save() per row.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import connection, models, transaction
from django.db.models import Case, Expression, F, Q, QuerySet, Value, When
from django.utils import timezone

from claims import due
from claims.models import Claim, ClaimStatus, PayerKind
from claims.returns import night_transaction
from claims.services import claims_status_decide
from core import statuses
from core.money import euros_sql
from core.statuses import sql_in, sql_literal
from pharmacies.access import visible_pharmacies
from pharmacies.models import DelegationMode, Pharmacy, User
from rejections.models import (
    OPEN_REJECTION_STATUSES,
    Attachment,
    HandledBy,
    Rejection,
    RejectionEvent,
    RejectionStatus,
    UnpaidFollowUp,
)

S = RejectionStatus

# from-status → the statuses it may go to. Anything else is refused.
TRANSITIONS: dict[str, tuple[str, ...]] = {
    S.TO_HANDLE: (S.IN_PROGRESS,),
    S.IN_PROGRESS: (S.TO_HANDLE, S.REINVOICED, S.CLAIMED, S.BILLED_TO_PATIENT, S.WRITTEN_OFF),
    S.REINVOICED: (S.IN_PROGRESS, S.CLOSED),
    S.CLAIMED: (S.IN_PROGRESS, S.CLOSED),
    # Paid in part (the night sets it): claim the rest, write it off, or close.
    S.PARTLY_RECOVERED: (S.IN_PROGRESS, S.CLAIMED, S.WRITTEN_OFF, S.CLOSED),
    S.BILLED_TO_PATIENT: (S.IN_PROGRESS, S.CLOSED),
    S.WRITTEN_OFF: (S.IN_PROGRESS, S.CLOSED),
    S.CLOSED: (),
}

# What the buttons say (the status names describe a state, not an action).
ACTION_LABELS: dict[str, str] = {
    S.TO_HANDLE: "Remettre à traiter",
    S.IN_PROGRESS: "Prendre en charge",
    S.REINVOICED: "Corrigé et refacturé",
    S.CLAIMED: "Réclamé à l'organisme",
    S.PARTLY_RECOVERED: "Partiellement recouvré",
    S.BILLED_TO_PATIENT: "Facturé au patient",
    S.WRITTEN_OFF: "Passer en perte",
    S.CLOSED: "Clore",
}

INVOICE_NUMBER = re.compile(r"^\d{9}$")
ATTACHMENT_MAX_BYTES = 5 * 1024 * 1024
# Magic bytes, not the extension: a renamed executable stays refused.
ATTACHMENT_SIGNATURES: tuple[tuple[bytes, str, str], ...] = (
    (b"%PDF-", "application/pdf", "pdf"),
    (b"\x89PNG\r\n\x1a\n", "image/png", "png"),
    (b"\xff\xd8\xff", "image/jpeg", "jpg"),
)


def action_label(*, from_status: str, to_status: str) -> str:
    if to_status == S.IN_PROGRESS and from_status != S.TO_HANDLE:
        return "Rouvrir"
    return ACTION_LABELS[to_status]


def allowed_transitions(status: str) -> tuple[str, ...]:
    return TRANSITIONS.get(status, ())


def sources_for(to_status: str) -> list[str]:
    return [source for source, targets in TRANSITIONS.items() if to_status in targets]


def user_can_work(*, user: User, pharmacy: Pharmacy) -> bool:
    """Under total delegation the Backoffice works the file; the pharmacy reads and comments."""
    if user.is_backoffice:
        return True
    return pharmacy.delegation_mode != DelegationMode.TOTAL


def _require_can_work(*, user: User, pharmacy: Pharmacy) -> None:
    if not user_can_work(user=user, pharmacy=pharmacy):
        raise ValidationError(
            "Cette pharmacie a délégué tout le traitement au Backoffice : "
            "vous pouvez consulter et commenter, pas modifier."
        )


def _check_transition(*, from_status: str, to_status: str) -> None:
    if to_status not in allowed_transitions(from_status):
        raise ValidationError(
            f"Passage impossible de « {S(from_status).label} » à « {S(to_status).label} »."
        )


def _status_fields(
    *, to_status: str, new_invoice_number: str | None, write_off_reason: str | None
) -> dict:
    fields: dict = {"status": to_status}
    if to_status == S.REINVOICED:
        number = (new_invoice_number or "").strip()
        if not INVOICE_NUMBER.match(number):
            raise ValidationError("Indiquez le nouveau numéro de facture (9 chiffres).")
        fields["new_invoice_number"] = number
    if to_status == S.WRITTEN_OFF:
        reason = (write_off_reason or "").strip()
        if not reason:
            raise ValidationError("Indiquez le motif de la perte.")
        fields["write_off_reason"] = reason
    if to_status == S.CLOSED:
        fields["closed_on"] = timezone.localdate()
    return fields


def _event_text(fields: dict) -> str:
    if "new_invoice_number" in fields:
        return f"Nouvelle facture n° {fields['new_invoice_number']}"
    if "write_off_reason" in fields:
        return f"Motif : {fields['write_off_reason']}"
    return ""


def _takes(*, from_status: str, to_status: str) -> bool:
    """"Prendre en charge": the person who takes a rejection becomes its assignee."""
    return from_status == S.TO_HANDLE and to_status == S.IN_PROGRESS


def _sync_claims(*, claim_ids: Iterable[int], to_status: str) -> None:
    # The claim follows its rejection: re-invoiced, or lost once the write-off is confirmed.
    if to_status == S.REINVOICED:
        claims_status_decide(claim_ids=claim_ids, status=ClaimStatus.REINVOICED)


@transaction.atomic
def rejection_transition(
    *,
    rejection: Rejection,
    to_status: str,
    actor: User,
    new_invoice_number: str | None = None,
    write_off_reason: str | None = None,
    note: str = "",
) -> Rejection:
    locked = Rejection.objects.select_for_update().select_related("pharmacy").get(pk=rejection.pk)
    _require_can_work(user=actor, pharmacy=locked.pharmacy)
    if to_status not in S.values:
        raise ValidationError("Statut inconnu.")
    _check_transition(from_status=locked.status, to_status=to_status)
    fields = _status_fields(
        to_status=to_status, new_invoice_number=new_invoice_number, write_off_reason=write_off_reason
    )
    if to_status == S.CLOSED and locked.status == S.WRITTEN_OFF:
        claims_status_decide(claim_ids=[locked.claim_id], status=ClaimStatus.WRITTEN_OFF)
    _sync_claims(claim_ids=[locked.claim_id], to_status=to_status)
    from_status = locked.status
    taken = _takes(from_status=from_status, to_status=to_status) and locked.assignee_id != actor.pk
    if taken:
        fields["assignee"] = actor
    for name, value in fields.items():
        setattr(locked, name, value)
    locked.save(update_fields=[*fields, "updated_at"])
    RejectionEvent.objects.create(
        pharmacy_id=locked.pharmacy_id,
        rejection=locked,
        kind=RejectionEvent.Kind.STATUS,
        actor=actor,
        from_status=from_status,
        to_status=to_status,
        text=" · ".join(t for t in (_event_text(fields), note.strip()) if t),
    )
    if taken:
        RejectionEvent.objects.create(
            pharmacy_id=locked.pharmacy_id, rejection=locked, kind=RejectionEvent.Kind.ASSIGN,
            actor=actor, text=_assignee_text(actor),
        )
    return locked


@transaction.atomic
def rejections_bulk_transition(
    *,
    rejections: QuerySet[Rejection],
    to_status: str,
    actor: User,
    write_off_reason: str | None = None,
) -> tuple[int, int]:
    """Move every selected rejection that may go to `to_status`; returns (moved, refused).

    A re-invoice needs one new number per claim, so it is refused in bulk.
    """
    if to_status not in S.values:
        raise ValidationError("Statut inconnu.")
    if to_status == S.REINVOICED:
        raise ValidationError("La refacturation se fait rejet par rejet (un nouveau numéro chacun).")
    fields = _status_fields(
        to_status=to_status, new_invoice_number=None, write_off_reason=write_off_reason
    )
    rows = list(
        rejections.select_for_update(of=("self",))
        .order_by()
        .values_list(
            "pk", "status", "pharmacy_id", "claim_id", "pharmacy__delegation_mode", "assignee_id"
        )
    )
    if not actor.is_backoffice and any(r[4] == DelegationMode.TOTAL for r in rows):
        _require_can_work(user=actor, pharmacy=Pharmacy(delegation_mode=DelegationMode.TOTAL))
    sources = set(sources_for(to_status))
    movable = [r for r in rows if r[1] in sources]
    # Taking several at once assigns them all to the person, as one at a time does
    # (in the same UPDATE and the same INSERT of events).
    taken = [r for r in movable if _takes(from_status=r[1], to_status=to_status) and r[5] != actor.pk]
    update = dict(fields)
    if taken:
        update["assignee_id"] = Case(
            When(pk__in=[r[0] for r in taken], then=Value(actor.pk)), default=F("assignee_id"),
            output_field=Rejection._meta.get_field("assignee").target_field,
        )
    Rejection.objects.filter(pk__in=[r[0] for r in movable]).update(
        **update, updated_at=timezone.now()
    )
    _sync_claims(claim_ids=[r[3] for r in movable], to_status=to_status)
    if to_status == S.CLOSED:
        claims_status_decide(
            claim_ids=[r[3] for r in movable if r[1] == S.WRITTEN_OFF],
            status=ClaimStatus.WRITTEN_OFF,
        )
    text = _event_text(fields)
    RejectionEvent.objects.bulk_create([
        RejectionEvent(
            pharmacy_id=r[2], rejection_id=r[0], kind=RejectionEvent.Kind.STATUS, actor=actor,
            from_status=r[1], to_status=to_status, text=text,
        )
        for r in movable
    ] + [
        RejectionEvent(
            pharmacy_id=r[2], rejection_id=r[0], kind=RejectionEvent.Kind.ASSIGN, actor=actor,
            text=_assignee_text(actor),
        )
        for r in taken
    ])
    return len(movable), len(rows) - len(movable)


class Outcome(models.TextChoices):
    """The common ends of a rejection, each taken in one action from the worklist or the file."""

    REINVOICED = "refacture", "Refacturé sous un nouveau numéro"
    LOST = "perte", "Passé en perte et clos"
    OTHER_PAYER = "autre_payeur", "Envoyé à l'autre payeur"


# Where each outcome leaves the rejection, by the ordinary transitions (each one in
# the history). A re-invoice stays open: the night closes it, with the money
# recovered, when the new invoice is paid; a loss is closed at once.
OUTCOME_PATHS: dict[str, tuple[str, ...]] = {
    Outcome.REINVOICED: (S.REINVOICED,),
    Outcome.LOST: (S.WRITTEN_OFF, S.CLOSED),
    Outcome.OTHER_PAYER: (S.CLAIMED,),
}
RESOLVABLE_STATUSES = (S.TO_HANDLE, S.IN_PROGRESS)
# The steps a one-action end replaces on the file (same input, same result). "Réclamé à
# l'organisme" (a claim to the same payer) is not "envoyé à l'autre payeur": it stays.
RESOLVE_COVERS = (S.REINVOICED, S.WRITTEN_OFF)


def other_payer_kind(payer_kind: str) -> str:
    """The payer of the dispensation's other part: the mandatory scheme or the mutuelle."""
    return PayerKind.AMC if payer_kind == PayerKind.AMO else PayerKind.AMO


@transaction.atomic
def rejection_resolve(
    *,
    rejection: Rejection,
    outcome: str,
    actor: User,
    new_invoice_number: str | None = None,
    write_off_reason: str | None = None,
) -> Rejection:
    """Take the rejection (it becomes the actor's) and bring it to `outcome` in one go.

    Goes through `rejection_transition` step by step, so the rules, the claim's
    status and the history are those of the one-button-at-a-time workflow.
    """
    if outcome not in OUTCOME_PATHS:
        raise ValidationError("Action inconnue.")
    locked = Rejection.objects.select_for_update().select_related("claim").get(pk=rejection.pk)
    if locked.status not in RESOLVABLE_STATUSES:
        raise ValidationError(f"Ce rejet est déjà traité (« {S(locked.status).label} »).")
    # The typed value is checked before anything moves: a wrong number changes nothing.
    _status_fields(
        to_status=OUTCOME_PATHS[outcome][0],
        new_invoice_number=new_invoice_number,
        write_off_reason=write_off_reason,
    )
    if locked.status == S.TO_HANDLE:
        locked = rejection_transition(rejection=locked, to_status=S.IN_PROGRESS, actor=actor)
    elif locked.assignee_id != actor.pk:
        locked = rejection_assign(rejection=locked, assignee=actor, actor=actor)
    note = ""
    if outcome == Outcome.OTHER_PAYER:
        note = f"Envoyé à l'autre payeur ({other_payer_kind(locked.claim.payer_kind)})"
    for to_status in OUTCOME_PATHS[outcome]:
        locked = rejection_transition(
            rejection=locked, to_status=to_status, actor=actor,
            new_invoice_number=new_invoice_number, write_off_reason=write_off_reason,
            note=note if to_status == S.CLAIMED else "",
        )
    return locked


def assignable_users(*, pharmacies: QuerySet[Pharmacy]) -> QuerySet[User]:
    """People who may be given a rejection: active staff with a login, and their managers."""
    staff = Q(
        kind=User.Kind.PHARMACY, staff_member__pharmacy__in=pharmacies, staff_member__active=True
    )
    managers = Q(kind=User.Kind.MANAGER, assignments__pharmacy__in=pharmacies.delegated())
    return (
        User.objects.filter(is_active=True)
        .filter(staff | managers)
        .distinct()
        .order_by("last_name", "first_name", "username")
    )


def _check_assignee(*, assignee: User | None, pharmacy_ids: set[int]) -> None:
    if assignee is None:
        return
    seen = set(visible_pharmacies(assignee).filter(pk__in=pharmacy_ids).values_list("pk", flat=True))
    if seen != pharmacy_ids:
        raise ValidationError(f"{assignee.get_full_name() or assignee.username} ne travaille pas pour cette pharmacie.")


def _assignee_text(assignee: User | None) -> str:
    if assignee is None:
        return "Attribution retirée"
    return f"Attribué à {assignee.get_full_name() or assignee.username}"


@transaction.atomic
def rejection_assign(*, rejection: Rejection, assignee: User | None, actor: User) -> Rejection:
    _require_can_work(user=actor, pharmacy=rejection.pharmacy)
    _check_assignee(assignee=assignee, pharmacy_ids={rejection.pharmacy_id})
    rejection.assignee = assignee
    rejection.save(update_fields=["assignee", "updated_at"])
    RejectionEvent.objects.create(
        pharmacy_id=rejection.pharmacy_id, rejection=rejection, kind=RejectionEvent.Kind.ASSIGN,
        actor=actor, text=_assignee_text(assignee),
    )
    return rejection


@transaction.atomic
def rejections_bulk_assign(
    *, rejections: QuerySet[Rejection], assignee: User | None, actor: User
) -> int:
    rows = list(
        rejections.select_for_update(of=("self",))
        .order_by()
        .values_list("pk", "pharmacy_id", "pharmacy__delegation_mode")
    )
    if not actor.is_backoffice and any(r[2] == DelegationMode.TOTAL for r in rows):
        _require_can_work(user=actor, pharmacy=Pharmacy(delegation_mode=DelegationMode.TOTAL))
    _check_assignee(assignee=assignee, pharmacy_ids={r[1] for r in rows})
    Rejection.objects.filter(pk__in=[r[0] for r in rows]).update(
        assignee=assignee, updated_at=timezone.now()
    )
    text = _assignee_text(assignee)
    RejectionEvent.objects.bulk_create(
        RejectionEvent(
            pharmacy_id=r[1], rejection_id=r[0], kind=RejectionEvent.Kind.ASSIGN, actor=actor,
            text=text,
        )
        for r in rows
    )
    return len(rows)


@transaction.atomic
def rejection_set_handler(*, rejection: Rejection, handled_by: str, actor: User) -> Rejection:
    """Partial delegation: who works this rejection, the pharmacy or the Backoffice."""
    if not actor.is_backoffice:
        raise ValidationError("Seul le Backoffice répartit le travail avec la pharmacie.")
    if rejection.pharmacy.delegation_mode != DelegationMode.PARTIAL:
        raise ValidationError("La répartition ne concerne que les pharmacies en délégation partielle.")
    if handled_by not in HandledBy.values:
        raise ValidationError("Valeur inconnue.")
    rejection.handled_by = handled_by
    rejection.handled_by_overridden = True
    rejection.save(update_fields=["handled_by", "handled_by_overridden", "updated_at"])
    RejectionEvent.objects.create(
        pharmacy_id=rejection.pharmacy_id, rejection=rejection, kind=RejectionEvent.Kind.HANDLER,
        actor=actor, text=f"Traité par : {HandledBy(handled_by).label}",
    )
    return rejection


def rejection_comment(*, rejection: Rejection, actor: User, text: str) -> RejectionEvent:
    text = text.strip()
    if not text:
        raise ValidationError("Le commentaire est vide.")
    return RejectionEvent.objects.create(
        pharmacy_id=rejection.pharmacy_id, rejection=rejection, kind=RejectionEvent.Kind.COMMENT,
        actor=actor, text=text,
    )


def attachment_sniff(head: bytes) -> tuple[str, str]:
    """(content type, extension) from the first bytes, or a French ValidationError."""
    for signature, content_type, extension in ATTACHMENT_SIGNATURES:
        if head.startswith(signature):
            return content_type, extension
    raise ValidationError("Seuls les fichiers PDF, PNG ou JPEG sont acceptés.")


@transaction.atomic
def rejection_attach(*, rejection: Rejection, actor: User, uploaded_file: UploadedFile) -> Attachment:
    if uploaded_file.size > ATTACHMENT_MAX_BYTES:
        raise ValidationError("Le fichier dépasse 5 Mo.")
    uploaded_file.seek(0)
    content_type, extension = attachment_sniff(uploaded_file.read(8))
    uploaded_file.seek(0)
    original_name = (uploaded_file.name or "document").rsplit("/", 1)[-1][:255]
    attachment = Attachment(
        pharmacy_id=rejection.pharmacy_id,
        rejection=rejection,
        original_name=original_name,
        content_type=content_type,
        size_bytes=uploaded_file.size,
        uploaded_by=actor,
    )
    # Our own file name: the user's one never reaches the file system.
    attachment.file.save(f"{uuid.uuid4().hex}.{extension}", uploaded_file, save=False)
    attachment.save()
    RejectionEvent.objects.create(
        pharmacy_id=rejection.pharmacy_id, rejection=rejection,
        kind=RejectionEvent.Kind.ATTACHMENT, actor=actor, text=original_name,
    )
    return attachment


@transaction.atomic
def unpaid_reminders_request(*, claims: QuerySet[Claim], actor: User, note: str = "") -> int:
    """Ask for a reminder on each selected unpaid claim; one INSERT, already-open requests kept.

    Returns how many new requests were recorded.
    """
    rows = list(
        claims.filter(due.to_remind(timezone.localdate())).order_by().values_list("pk", "pharmacy_id")
    )
    open_requests = UnpaidFollowUp.objects.filter(
        claim_id__in=[pk for pk, _ in rows], status=UnpaidFollowUp.Status.REQUESTED
    )
    before = open_requests.count()
    UnpaidFollowUp.objects.bulk_create(
        [
            UnpaidFollowUp(pharmacy_id=pharmacy_id, claim_id=pk, requested_by=actor, note=note)
            for pk, pharmacy_id in rows
        ],
        ignore_conflicts=True,
    )
    return open_requests.count() - before


@transaction.atomic
def unpaid_reminders_mark_sent(
    *, follow_ups: QuerySet[UnpaidFollowUp], actor: User, sent_on: dt.date | None = None
) -> int:
    """For the Backoffice once the letters are out: one UPDATE of the open requests."""
    return follow_ups.filter(status=UnpaidFollowUp.Status.REQUESTED).update(
        status=UnpaidFollowUp.Status.SENT, sent_by=actor, sent_on=sent_on or timezone.localdate()
    )


# ---------------------------------------------------------------------------
# The night's and the imports' writes of rejections, asked by the apps below
# (claims returns and imports) through the orchestrator: set-based SQL, in the
# caller's transaction (the `cursor` it passes), never a row at a time.
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Handlers:
    """Who works a new rejection: the handler of its reason's category, else `default`.

    The Backoffice's delegation decides it (backoffice.selectors.delegation_handlers);
    the night passes it here as data, so a rejection is opened with its handler once.
    """

    default: str
    by_category: Mapping[str, str] = field(default_factory=dict)


def reasons_add_from_returns(cursor, *, pharmacy_id: int, batch_ids: list[int]) -> int:
    """A reject code missing from the catalogue is added "to classify", never dropped.

    The returns read are those of the import batches `batch_ids` and the lines
    still waiting for their claim.
    """
    cursor.execute(
        f"""
        INSERT INTO rejections_rejectionreason
            (code, payer_kind, label, category, fault, advice_fix, advice_prevent,
             avoidable_at_counter, to_classify)
        SELECT DISTINCT ON (r.payer_kind, r.reject_code)
               r.reject_code, r.payer_kind,
               COALESCE(NULLIF(r.reject_label, ''), 'CODE INCONNU ' || r.reject_code),
               'to_classify', 'unknown', '', '', false, true
        FROM (SELECT * FROM claims_returnline
              WHERE pharmacy_id = %(p)s AND import_batch_id = ANY(%(batches)s)
              UNION ALL  -- two index scans, never the whole table
              SELECT * FROM claims_returnline
              WHERE pharmacy_id = %(p)s AND claim_id IS NULL) r
        WHERE r.status = {sql_literal(statuses.RETURN_REJECTED)} AND r.reject_code <> ''
        ORDER BY r.payer_kind, r.reject_code, r.return_date
        ON CONFLICT (payer_kind, code) DO NOTHING
        """,
        {"p": pharmacy_id, "batches": batch_ids},
    )
    return cursor.rowcount


def rejections_open_from_returns(
    cursor, *, pharmacy_id: int, line_ids: list[int], handlers: Handlers
) -> int:
    """One rejection (and its "opened" event) per rejecting line; a replay inserts nothing."""
    cursor.execute(
        f"""
        WITH opened AS (
            INSERT INTO rejections_rejection
                (pharmacy_id, claim_id, return_line_id, reason_id, status, amount, rejected_on,
                 claim_sent_on, handled_by, handled_by_overridden, new_invoice_number,
                 write_off_reason, recovered_amount, created_at, updated_at)
            SELECT r.pharmacy_id, r.claim_id, r.id, rr.id, {sql_literal(statuses.REJECTION_TO_HANDLE)},
                   c.amount_claimed - greatest(c.amount_paid, 0), r.return_date,
                   c.transmission_date,
                   COALESCE(%(by_category)s::jsonb ->> rr.category, %(default)s),
                   false, '', '', 0, now(), now()
            FROM claims_returnline r
            JOIN claims_claim c ON c.id = r.claim_id
            JOIN rejections_rejectionreason rr
              ON rr.payer_kind = r.payer_kind AND rr.code = r.reject_code
            WHERE r.pharmacy_id = %(p)s AND r.id = ANY(%(lines)s)
              AND r.status = {sql_literal(statuses.RETURN_REJECTED)} AND r.claim_id IS NOT NULL
            ON CONFLICT (pharmacy_id, return_line_id) DO NOTHING
            RETURNING id, pharmacy_id, reason_id
        )
        INSERT INTO rejections_rejectionevent
            (pharmacy_id, rejection_id, kind, from_status, to_status, text, created_at)
        SELECT opened.pharmacy_id, opened.id, 'opened', '', {sql_literal(statuses.REJECTION_TO_HANDLE)},
               'Rejet reçu : ' || rr.code || ' ' || rr.label, now()
        FROM opened JOIN rejections_rejectionreason rr ON rr.id = opened.reason_id
        """,
        {"p": pharmacy_id, "lines": line_ids, "default": handlers.default,
         "by_category": json.dumps(dict(handlers.by_category))},
    )
    return cursor.rowcount


# The claims of a pharmacy's open rejections, for the re-invoice link (claims.returns):
# (claim_id, first rejection date, the new invoice number staff typed on it).
REJECTED_CLAIMS_SQL = """
    SELECT rj.claim_id, min(rj.rejected_on) AS rejected_on,
           max(rj.new_invoice_number) AS new_invoice_number
    FROM rejections_rejection rj
    WHERE rj.pharmacy_id = %(p)s AND rj.status = ANY(%(open_rejections)s)
    GROUP BY rj.claim_id
"""
REJECTED_CLAIMS_PARAMS = {"open_rejections": list(statuses.OPEN_REJECTION_STATUSES)}


def rejections_number_reinvoices(
    cursor, *, pharmacy_id: int, old_claim_ids: list[int], new_numbers: list[str]
) -> int:
    """Write on the rejections of each re-invoiced claim the number of the invoice that corrects it."""
    cursor.execute(
        """
        UPDATE rejections_rejection rj
        SET new_invoice_number = linked.invoice_number, updated_at = now()
        FROM unnest(%(olds)s::bigint[], %(numbers)s::text[]) AS linked(old_id, invoice_number)
        WHERE rj.pharmacy_id = %(p)s AND rj.claim_id = linked.old_id
          AND rj.new_invoice_number = ''
        """,
        {"p": pharmacy_id, "olds": old_claim_ids, "numbers": new_numbers},
    )
    return cursor.rowcount


def recovered_on_claim_sql(*, paid: str, claimed: str, rejected: str) -> str:
    """What of `paid` on a rejected claim itself is recovered money: only what came above the
    part not rejected (`claimed - rejected`), never below 0. The one rule of the rejection's
    recovered amount and of the month's recovered figure (reports.figures.recovered)."""
    return f"GREATEST({paid} - ({claimed} - {rejected}), 0)"


def rejections_close_recovered(*, pharmacy_id: int) -> int:
    """Count the money paid on each open rejection's re-invoice (or on its claim itself).

    Every euro counts: what was paid (net of any recovery) becomes its recovered
    amount. Paid in full, the rejection is closed on the day of its last payment;
    paid in part, it is "partiellement recouvré", its remainder still to claim.
    (The month's recovered money is counted from the payments themselves:
    reports.figures.recovered.) Returns how many rejections changed.
    """
    with transaction.atomic(), connection.cursor() as cursor:
        night_transaction(cursor)
        cursor.execute(
            f"""
            WITH found AS (
                SELECT rj.id, rj.status AS from_status, rj.recovered_amount AS before,
                       coalesce(new.id, old.id) AS paying_id,
                       -- on the claim itself, only what came after the part rejected
                       CASE WHEN new.id IS NOT NULL THEN new.amount_paid
                            ELSE {recovered_on_claim_sql(paid="old.amount_paid",
                                                         claimed="old.amount_claimed",
                                                         rejected="rj.amount")}
                       END AS recovered,
                       coalesce(new.status, old.status) = {sql_literal(statuses.CLAIM_PAID)}
                           AS in_full,
                       coalesce(new.invoice_number, old.invoice_number) AS invoice
                FROM rejections_rejection rj
                JOIN claims_claim old ON old.id = rj.claim_id
                LEFT JOIN claims_claim new
                  ON new.pharmacy_id = old.pharmacy_id AND new.reinvoice_of_id = old.id
                WHERE rj.pharmacy_id = %(p)s AND rj.status = ANY(%(open)s)
            ), paid AS (
                SELECT found.*,
                       (SELECT max(coalesce(r.payment_date, r.return_date))
                        FROM claims_returnline r
                        WHERE r.pharmacy_id = %(p)s AND r.claim_id = found.paying_id
                          AND r.status IN {sql_in(statuses.PAYMENT_RETURN_STATUSES)}) AS paid_on,
                       CASE WHEN found.in_full THEN {sql_literal(statuses.REJECTION_CLOSED)}
                            ELSE {sql_literal(statuses.REJECTION_PARTLY_RECOVERED)} END AS to_status
                FROM found
                WHERE found.recovered > 0
                  AND (found.in_full
                       OR found.from_status <> {sql_literal(statuses.REJECTION_PARTLY_RECOVERED)}
                       OR found.recovered <> found.before)
            ), changed AS (
                UPDATE rejections_rejection rj
                SET status = paid.to_status, recovered_amount = paid.recovered,
                    closed_on = CASE WHEN paid.in_full THEN paid.paid_on END,
                    updated_at = now()
                FROM paid WHERE rj.id = paid.id
                RETURNING rj.id, rj.pharmacy_id, paid.from_status, paid.to_status, paid.invoice,
                          paid.recovered, rj.amount
            )
            INSERT INTO rejections_rejectionevent
                (pharmacy_id, rejection_id, kind, from_status, to_status, text, created_at)
            SELECT pharmacy_id, id, 'status', from_status, to_status,
                   CASE WHEN to_status = {sql_literal(statuses.REJECTION_CLOSED)}
                        THEN 'Recouvré : facture ' || invoice || ' payée ('
                             || {euros_sql("recovered")} || ')'
                        ELSE 'Partiellement recouvré : facture ' || invoice || ' payée en partie ('
                             || {euros_sql("recovered")} || ' ; reste '
                             || {euros_sql("greatest(amount - recovered, 0)")} || ' à réclamer)'
                   END, now()
            FROM changed
            """,
            {"p": pharmacy_id, "open": [str(s) for s in OPEN_REJECTION_STATUSES]},
        )
        return cursor.rowcount


def rejections_claim_dates_follow(cursor, *, pharmacy_id: int, import_batch_id: int) -> int:
    """A corrected claims file that moves a claim's transmission date moves it on the
    claim's rejections too (their copy, for the monthly rates).

    Called by the claims import after its upsert, in its transaction: the claims
    it changed carry its batch. Driven by the pharmacy's rejections (few), each
    looking its claim up by key.
    """
    cursor.execute(
        """
        UPDATE rejections_rejection r SET claim_sent_on = c.transmission_date
        FROM claims_claim c
        WHERE r.pharmacy_id = %(p)s AND c.id = r.claim_id AND c.import_batch_id = %(batch)s
          AND r.claim_sent_on <> c.transmission_date
        """,
        {"p": pharmacy_id, "batch": import_batch_id},
    )
    return cursor.rowcount


def rejections_handlers_assign(
    *, pharmacy_ids: list[int], handler: Expression, only_changed: bool = False
) -> int:
    """Set who works each open rejection of these pharmacies, in one UPDATE.

    `handler` is the rule as an expression over the rejection's row (the Backoffice's
    delegation builds it); a handler chosen by hand (`handled_by_overridden`) is kept.
    `only_changed` writes only the rows whose handler moves.
    """
    rows = Rejection.objects.filter(
        pharmacy_id__in=pharmacy_ids, handled_by_overridden=False,
        status__in=OPEN_REJECTION_STATUSES,
    )
    if only_changed:
        rows = rows.alias(rule=handler).exclude(handled_by=F("rule"))
    return rows.update(handled_by=handler)
