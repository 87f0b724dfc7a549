"""The machines' deposit: `POST /api/pharmacies/<id>/depots/` with a token (issue 21).

The token is checked from the headers before the body is read (`pharmacies.api_tokens`):
a token of another pharmacy answers 404, an unknown or revoked one 401, and neither reads
a byte of the file. Then the file goes through the page's pipeline
(`claims.imports.deposits.import_deposit`) in the pharmacy's row-level scope, and the
answer is JSON a script reads: `status` (importé, déjà importé, refusé, à confirmer),
`message`, `counts`, `problems` (line, column, message), `notes` and `link` (the import's page).
No session, no CSRF: only the token authenticates, and a browser cannot forge its header.
"""

from __future__ import annotations

from django.http import HttpRequest, JsonResponse
from django.http.multipartparser import MultiPartParserError
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from audit.context import audit_job
from claims.forms import DepositForm
from claims.imports.deposits import (
    ALREADY_IMPORTED,
    IMPORTED,
    REFUSED,
    TO_CONFIRM,
    Deposit,
    import_deposit,
)
from claims.imports.selectors import import_format_label
from claims.models import ImportBatch
from pharmacies.api_tokens import ApiTokenRefused, api_token_authenticate, api_token_use_record
from pharmacies.row_security import database_scope

HTTP_STATUS = {IMPORTED: 201, ALREADY_IMPORTED: 200, TO_CONFIRM: 202, REFUSED: 422}
# Internal steps of a batch's counts, not figures a script needs.
INTERNAL_COUNTS = {"step", "accounts_confirmed", "notes", "new_accounts"}


@csrf_exempt
@require_POST
def deposit(request: HttpRequest, pharmacy_id: int) -> JsonResponse:
    try:
        token = api_token_authenticate(
            authorization=request.headers.get("Authorization", ""), pharmacy_id=pharmacy_id
        )
    except ApiTokenRefused as refused:
        response = JsonResponse({"status": REFUSED, "message": refused.message}, status=refused.status,
                                json_dumps_params={"ensure_ascii": False})
        if refused.status == 401:
            response["WWW-Authenticate"] = 'Bearer realm="depots"'
        response["Connection"] = "close"  # the body was not read
        return response
    pharmacy = token.pharmacy
    with database_scope([pharmacy.pk]), audit_job("depot", pharmacy_id=pharmacy.pk, token=token.pk):
        try:
            form = DepositForm(request.POST, request.FILES)  # the body is read here, not before
        except MultiPartParserError:
            form = None
        if form is None:
            outcome = Deposit(REFUSED, "Envoi illisible : envoyez le fichier en multipart/form-data, "
                                       "dans le champ « fichier » (curl -F \"fichier=@…\").")
            file_name = ""
        elif not form.is_valid():
            message = " ".join(" ".join(errors) for errors in form.errors.values())
            outcome = Deposit(REFUSED, f"Fichier refusé : {message}")
            file_name = ""
        else:
            upload = form.cleaned_data["fichier"]
            file_name = upload.name
            outcome = import_deposit(
                pharmacy=pharmacy, api_token=token, file_name=upload.name, chunks=upload.chunks()
            )
        api_token_use_record(
            token=token, file_name=file_name, status=outcome.status,
            import_batch=outcome.batch.pk if outcome.batch else None,
        )
        return JsonResponse(_answer(request, pharmacy.pk, outcome), status=HTTP_STATUS[outcome.status],
                            json_dumps_params={"ensure_ascii": False})


def _answer(request: HttpRequest, pharmacy_id: int, outcome: Deposit) -> dict:
    batch = outcome.batch
    if batch is None:
        return {
            "status": outcome.status, "message": outcome.message, "counts": {}, "problems": [], "notes": [],
            "link": request.build_absolute_uri(reverse("claims:imports", args=[pharmacy_id])),
        }
    counts = {key: value for key, value in batch.counts.items() if key not in INTERNAL_COUNTS}
    return {
        "status": outcome.status,
        "message": outcome.message,
        "import": {
            "id": batch.pk, "file": batch.file_name, "kind": batch.get_kind_display(),
            "format": import_format_label(batch=batch),
            "state": batch.get_status_display(),
        },
        "counts": counts,
        "problems": batch.errors if batch.status == ImportBatch.Status.FAILED else [],
        "notes": batch.counts.get("notes", []),
        "new_accounts": batch.counts.get("new_accounts", []) if outcome.status == TO_CONFIRM else [],
        "link": request.build_absolute_uri(reverse("claims:batch", args=[pharmacy_id, batch.pk])),
    }
