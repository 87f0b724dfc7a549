"""Backoffice jobs: a big reminder letter is rendered by the PDF worker."""

from __future__ import annotations

from celery import shared_task

from backoffice.models import Reminder
from backoffice.reminders import reminder_letter_render
from pharmacies.row_security import pharmacy_task


@shared_task(acks_late=True)  # on the pdf queue (CELERY_TASK_ROUTES)
@pharmacy_task
def render_reminder_letter(pharmacy_id: int, reminder_id: int) -> bool:
    """Idempotent: a letter already rendered (a redelivery) is left as it is."""
    reminder = (
        Reminder.objects.filter(pharmacy_id=pharmacy_id, pk=reminder_id, pdf="")
        .select_related("pharmacy", "organism", "template", "created_by")
        .first()
    )
    if reminder is None:
        return False
    reminder_letter_render(reminder=reminder)
    return True
