"""Reminder letters (relances) to payers: one letter per payer listing the claims.

The letter text comes from an editable `LetterTemplate` whose placeholders
({organisme}, {pharmacie}, {date}, {nombre}, {total}) are filled here; the PDF
is rendered by the shared `render_pdf`, stored, and each claim is recorded as
reminded through `ReminderClaim`.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import QuerySet, Sum
from django.utils import timezone

from backoffice.models import ContactLog, LetterTemplate, Reminder, ReminderClaim
from backoffice.selectors import remindable_claims, reminder_claims
from claims import due
from claims.models import Claim
from core.money import format_euros
from pharmacies.models import Pharmacy, User
from rejections.models import UnpaidFollowUp
from rejections.services import unpaid_reminders_mark_sent
from reports.pdf import render_pdf

NEXT_REMINDER_DAYS = 15
# Up to this many claims the letter is rendered while the manager waits (about 1 s at 30
# claims); a bigger one (a main scheme's hundreds: about 20 s at 900) goes to the PDF
# worker and its page says so until it is ready (docs/benchmarks.md, reminders).
LETTER_INLINE_MAX = 150
PLACEHOLDER = re.compile(r"\{(\w+)\}")
PLACEHOLDERS = ("organisme", "pharmacie", "date", "nombre", "total")


def letter_fill(text: str, values: dict[str, str]) -> str:
    """Replace the known {placeholders}; anything else stays as typed (no str.format surprises)."""
    return PLACEHOLDER.sub(lambda m: values.get(m.group(1), m.group(0)), text)


@dataclass(frozen=True)
class Letter:
    subject: str
    paragraphs: list[str]


def letter_compose(*, template: LetterTemplate, values: dict[str, str]) -> Letter:
    body = letter_fill(template.body, values)
    return Letter(
        subject=letter_fill(template.subject, values),
        paragraphs=[p.strip() for p in re.split(r"\n\s*\n", body) if p.strip()],
    )


def default_letter_template() -> LetterTemplate:
    template = LetterTemplate.objects.order_by("pk").first()
    if template is None:
        raise ValidationError("Aucun modèle de lettre : créez-en un avant de relancer.")
    return template


def reminder_letter_render(*, reminder: Reminder, claims: list[Claim] | None = None) -> None:
    """Render the letter's PDF from what the reminder recorded, and store it."""
    if claims is None:
        claims = list(reminder_claims(reminder=reminder))
    template = reminder.template or default_letter_template()
    values = {
        "organisme": reminder.organism.name or reminder.organism.code,
        "pharmacie": reminder.pharmacy.name,
        "date": reminder.sent_on.strftime("%d/%m/%Y"),
        "nombre": str(len(claims)),
        "total": format_euros(reminder.total),
    }
    pdf = render_pdf(
        "backoffice/reminder_letter.html",
        {
            "pharmacy": reminder.pharmacy,
            "organism": reminder.organism,
            "reminder": reminder,
            "letter": letter_compose(template=template, values=values),
            "claims": claims,
            "total": reminder.total,
            "author": reminder.created_by,
        },
    )
    reminder.pdf.save(f"relance-{reminder.pk}-{reminder.organism.code}.pdf", ContentFile(pdf), save=True)


@transaction.atomic
def reminder_create(
    *,
    pharmacy: Pharmacy,
    claims: QuerySet[Claim],
    actor: User,
    template: LetterTemplate | None = None,
    sent_on: dt.date | None = None,
    next_in_days: int = NEXT_REMINDER_DAYS,
) -> Reminder:
    """Generate the letter for the selected claims of one payer, record it as sent on
    each claim (and answer the pharmacy's open reminder requests), log the letter in
    the payer's contact log and schedule the next reminder."""
    if not actor.is_backoffice:
        raise ValidationError("Les relances sont envoyées par le Backoffice.")
    claims = remindable_claims(pharmacy=pharmacy, today=sent_on).filter(pk__in=claims.values("pk")).select_related("organism")
    selected = list(
        claims.annotate(outstanding=due.outstanding()).order_by(
            "transmission_date", "invoice_number"
        )
    )
    if not selected:
        raise ValidationError(
            "Sélectionnez au moins une facture à réclamer à l'organisme (sans réponse ou payée en partie)."
        )
    organism_ids = {claim.organism_id for claim in selected}
    if len(organism_ids) != 1:
        raise ValidationError("Une lettre de relance s'adresse à un seul organisme : sélectionnez les factures d'un même payeur.")
    organism = selected[0].organism
    total = claims.aggregate(
        total=Sum(due.outstanding())
    )["total"]
    sent_on = sent_on or timezone.localdate()
    template = template or default_letter_template()
    reminder = Reminder.objects.create(
        pharmacy=pharmacy,
        organism=organism,
        template=template,
        sent_on=sent_on,
        next_on=sent_on + dt.timedelta(days=next_in_days),
        total=total,
        created_by=actor,
    )
    ReminderClaim.objects.bulk_create(
        [ReminderClaim(pharmacy=pharmacy, reminder=reminder, claim=claim) for claim in selected]
    )
    if len(selected) <= LETTER_INLINE_MAX:
        reminder_letter_render(reminder=reminder, claims=selected)
    else:
        # Imported here: the task's module imports this one.
        from backoffice.tasks import render_reminder_letter

        render_reminder_letter.delay_on_commit(pharmacy.pk, reminder.pk)
    # The pharmacy's own requests for these claims are now answered.
    unpaid_reminders_mark_sent(
        follow_ups=UnpaidFollowUp.objects.filter(pharmacy=pharmacy, claim__in=claims.values("pk")),
        actor=actor,
        sent_on=sent_on,
    )
    ContactLog.objects.create(
        pharmacy=pharmacy,
        organism=organism,
        channel=ContactLog.Channel.LETTER,
        day=sent_on,
        notes=f"Lettre de relance : {len(selected)} facture(s), {format_euros(total)}.",
        reminder=reminder,
        created_by=actor,
    )
    return reminder
