"""Import pages: upload, progress, preview, confirmation and history (HTMX)."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from claims import tasks
from claims.forms import ImportUploadForm
from claims.imports.selectors import (
    import_batch_get,
    import_batch_summary,
    import_format_label,
    import_history,
)
from claims.imports.services import (
    ImportRefused,
    import_batch_cancel,
    import_batch_confirm,
    import_batch_create,
    import_batch_release,
    import_file_release,
)
from claims.imports.storage import import_file_store
from claims.models import ImportBatch
from pharmacies.access import pharmacy_view
from pharmacies.models import Pharmacy


@require_http_methods(["GET", "POST"])
@pharmacy_view
def imports(request: HttpRequest, pharmacy: Pharmacy) -> HttpResponse:
    form = ImportUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        path, sha256, size = import_file_store(pharmacy_id=pharmacy.pk, chunks=upload.chunks())
        try:
            batch = import_batch_create(
                pharmacy=pharmacy, path=path, file_name=upload.name, sha256=sha256, size=size,
                user=request.user,
            )
        except ImportRefused as refused:
            import_file_release(pharmacy_id=pharmacy.pk, sha256=sha256)
            form.add_error("file", refused.message)
        else:
            # Inline without a broker; else a worker parses it and the page polls the progress.
            tasks.import_analyse.delay_on_commit(batch.pharmacy_id, batch.pk)
            return redirect("claims:batch", pharmacy_id=pharmacy.pk, batch_id=batch.pk)
    return TemplateResponse(
        request,
        "claims/imports.html",
        {"pharmacy": pharmacy, "form": form, "batches": import_history(pharmacy=pharmacy)},
        status=400 if form.errors else 200,
    )


@require_GET
@pharmacy_view
def batch(request: HttpRequest, pharmacy: Pharmacy, batch_id: int) -> HttpResponse:
    batch = import_batch_get(user=request.user, pharmacy=pharmacy, batch_id=batch_id)
    context = {
        "pharmacy": pharmacy,
        "batch": batch,
        "summary": import_batch_summary(batch=batch),
        "format_label": import_format_label(batch=batch),
        "open": batch.status in (ImportBatch.Status.PENDING, ImportBatch.Status.PREVIEW),
    }
    template = "claims/batch.html#status" if request.htmx else "claims/batch.html"
    return TemplateResponse(request, template, context)


@require_POST
@pharmacy_view
def confirm(request: HttpRequest, pharmacy: Pharmacy, batch_id: int) -> HttpResponse:
    batch = import_batch_get(user=request.user, pharmacy=pharmacy, batch_id=batch_id)
    if import_batch_confirm(batch=batch, accounts=request.POST.getlist("create_account")):
        tasks.import_commit.delay_on_commit(batch.pharmacy_id, batch.pk)
    else:
        messages.warning(request, "Cet import n'attend plus de confirmation.")
    return redirect("claims:batch", pharmacy_id=pharmacy.pk, batch_id=batch.pk)


@require_POST
@pharmacy_view
def cancel(request: HttpRequest, pharmacy: Pharmacy, batch_id: int) -> HttpResponse:
    batch = import_batch_get(user=request.user, pharmacy=pharmacy, batch_id=batch_id)
    if import_batch_cancel(batch=batch):
        import_batch_release(batch=batch)
        messages.success(request, f"Import de « {batch.file_name} » annulé : rien n'a été enregistré.")
    else:
        messages.warning(request, "Cet import ne peut plus être annulé.")
    return redirect("claims:imports", pharmacy_id=pharmacy.pk)
