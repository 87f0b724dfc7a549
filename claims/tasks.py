"""Import tasks: thin, by id, idempotent (a batch past the step is left alone).

Each takes its pharmacy first and sees only that pharmacy's rows (row-level
security). Without a broker (CELERY_TASK_ALWAYS_EAGER) they run inline in the request.
"""

from __future__ import annotations

from celery import shared_task

from claims.imports.services import (
    import_batch_analyse,
    import_batch_commit,
    import_batch_file,
    import_batch_release,
)
from claims.models import ImportBatch
from pharmacies.row_security import pharmacy_task


@shared_task(acks_late=True, reject_on_worker_lost=True)
@pharmacy_task
def import_analyse(pharmacy_id: int, batch_id: int) -> str:
    batch = ImportBatch.objects.select_related("pharmacy").get(pk=batch_id, pharmacy_id=pharmacy_id)
    batch = import_batch_analyse(batch=batch, path=import_batch_file(batch=batch))
    import_batch_release(batch=batch)
    return batch.status


@shared_task(acks_late=True, reject_on_worker_lost=True)
@pharmacy_task
def import_commit(pharmacy_id: int, batch_id: int) -> str:
    batch = ImportBatch.objects.select_related("pharmacy").get(pk=batch_id, pharmacy_id=pharmacy_id)
    batch = import_batch_commit(batch=batch, path=import_batch_file(batch=batch))
    import_batch_release(batch=batch)
    return batch.status
