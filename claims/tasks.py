"""Import tasks: thin, by id, idempotent (a batch past the step is left alone).

Without a broker (CELERY_TASK_ALWAYS_EAGER) they run inline in the request.
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


@shared_task(acks_late=True, reject_on_worker_lost=True)
def import_analyse(batch_id: int) -> str:
    batch = ImportBatch.objects.select_related("pharmacy").get(pk=batch_id)
    batch = import_batch_analyse(batch=batch, path=import_batch_file(batch=batch))
    import_batch_release(batch=batch)
    return batch.status


@shared_task(acks_late=True, reject_on_worker_lost=True)
def import_commit(batch_id: int) -> str:
    batch = ImportBatch.objects.select_related("pharmacy").get(pk=batch_id)
    batch = import_batch_commit(batch=batch, path=import_batch_file(batch=batch))
    import_batch_release(batch=batch)
    return batch.status
