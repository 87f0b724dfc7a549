"""`audit_job`: a job says who it is, so its bulk changes are not anonymous in the history.

A web request is described by pghistory's middleware (`user`, `url`). A
background job, a command or a service run outside a request wraps its work in
`audit_job("nightly", pharmacy_id=…)`: every event its statements write carries
`{"job": "nightly", "pharmacy": …}` in `pgh_context`.

Nesting: pghistory merges nested contexts into the outermost one. Here the
outermost `job` stays, an inner job is recorded as its `step` (the nightly run's
`slips_match` says `{"job": "nightly", "step": "slips_match"}`), and the
metadata is restored when the inner block ends, so a step never leaks into what
follows it. Inside a web request the user and URL stay beside the job.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pghistory

# What the history page says for each job or step (French UI).
JOB_LABELS = {
    "nightly": "Traitement de nuit",
    "returns_apply": "application des retours",
    "slips_match": "rapprochement des bordereaux",
    "bank_lines_classify": "tri des lignes bancaires",
    "unpaid_flag": "repérage des impayés",
    "delegation_rules": "répartition des rejets",
    "import": "Import de fichier",
    "depot": "Dépôt automatique (jeton)",
}


@contextmanager
def audit_job(job: str, *, pharmacy_id: int | None = None, **details) -> Iterator[None]:
    with pghistory.context() as current:
        saved = dict(current.metadata)
        key = "step" if saved.get("job") and saved.get("job") != job else "job"
        current.metadata[key] = job
        if pharmacy_id is not None:
            current.metadata["pharmacy"] = pharmacy_id
        for name, value in details.items():  # never overrides the request's user
            current.metadata.setdefault(name, value)
        try:
            yield
        finally:
            current.metadata.clear()
            current.metadata.update(saved)
