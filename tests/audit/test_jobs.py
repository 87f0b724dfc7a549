"""Bulk changes of the nightly job and the importer: recorded, with the job that made them."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from django.db import connection, transaction
from django.db.models import F

from audit.context import audit_job
from audit.tracking import event_model_for
from claims.models import Claim
from claims.retention import patient_identity_purge
from payments.models import PaymentSlip, Reconciliation
from rejections.models import Rejection
from rejections.selectors import rejection_file_history
from synthetic.run import generate
from tests.factories import PharmacyFactory
from tests.generated import generated_months, import_generated_month
from tiers_payant.night import nightly_run

ClaimHistory = event_model_for(Claim)
RejectionHistory = event_model_for(Rejection)
ReconciliationHistory = event_model_for(Reconciliation)
EVENT_MODELS = [ClaimHistory, RejectionHistory, ReconciliationHistory, event_model_for(PaymentSlip)]


@pytest.fixture(scope="module")
def generated(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("generated")
    generate(seed=5, pharmacies=1, months=3, out=str(out), scale=0.1)
    return out


@pytest.fixture
def imported(generated, db):
    entry = json.loads((generated / "pharmacies.json").read_text())[0]
    pharmacy = PharmacyFactory(finess=entry["finess"], name=entry["name"])
    months = generated_months(generated, entry["finess"])
    for month in months:
        import_generated_month(pharmacy, month)
    last = dt.date.fromisoformat(months[-1].name + "-01")
    return {"pharmacy": pharmacy, "day": last + dt.timedelta(days=45)}


def _counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in EVENT_MODELS}


def test_importing_claims_writes_no_claim_event(imported):
    # Their creation is the ImportBatch's (who, when, which file): see docs/decisions.md.
    assert Claim.objects.filter(pharmacy=imported["pharmacy"]).exists()
    assert not ClaimHistory.objects.exists()


def test_the_nightly_job_records_its_bulk_updates_with_its_context(imported):
    pharmacy = imported["pharmacy"]
    assert nightly_run(pharmacy_id=pharmacy.pk, day=imported["day"]) == "done"

    claim_events = ClaimHistory.objects.filter(pharmacy_id=pharmacy.pk)
    returned = Claim.objects.filter(pharmacy=pharmacy, last_return_date__isnull=False).count()
    unpaid = Claim.objects.filter(pharmacy=pharmacy, status="unpaid", last_return_date__isnull=True).count()
    assert returned and unpaid
    # Every claim the night changed has its event, each saying which job and step did it.
    assert claim_events.filter(pgh_context__step="returns_apply").values("pgh_obj_id").distinct().count() >= returned
    assert claim_events.filter(pgh_context__step="unpaid_flag", status="transmitted").count() == unpaid
    assert set(claim_events.values_list("pgh_context__job", "pgh_context__pharmacy").distinct()) == {
        ("nightly", pharmacy.pk)
    }
    links = Reconciliation.objects.filter(pharmacy=pharmacy)
    assert links.exists()
    assert set(ReconciliationHistory.objects.filter(pgh_label="insert").values_list("pgh_obj_id", flat=True)) == set(
        links.values_list("pk", flat=True))
    assert set(ReconciliationHistory.objects.values_list("pgh_context__step", flat=True)) == {"slips_match"}

    rejection = Rejection.objects.filter(pharmacy=pharmacy).first()
    entries = rejection_file_history(pharmacy=pharmacy, rejection=rejection)
    # Oldest last: the return updated the claim, then opened the rejection.
    assert [(e.action, e.subject.split()[0]) for e in entries[-2:]] == [
        ("Création", "Rejet"), ("Modification", "Facture")]
    assert {e.who for e in entries[-2:]} == {"Traitement de nuit — application des retours"}


def test_a_second_night_writes_no_event(imported):
    pharmacy = imported["pharmacy"]
    nightly_run(pharmacy_id=pharmacy.pk, day=imported["day"])
    before = _counts()
    assert nightly_run(pharmacy_id=pharmacy.pk, day=imported["day"], force=True) == "done"
    assert _counts() == before


def test_a_no_op_update_writes_nothing_and_a_real_one_writes_one_event(imported):
    claim = Claim.objects.filter(pharmacy=imported["pharmacy"]).first()
    Claim.objects.filter(pk=claim.pk).update(status=F("status"), amount_paid=F("amount_paid"))
    claim.save()  # only `updated_at` moves
    assert not ClaimHistory.objects.filter(pgh_obj_id=claim.pk).exists()

    Claim.objects.filter(pk=claim.pk).update(status="written_off")
    event = ClaimHistory.objects.get(pgh_obj_id=claim.pk)
    assert (event.pgh_label, event.status) == ("update", "transmitted")


def test_patient_identity_never_enters_the_history(imported):
    pharmacy = imported["pharmacy"]
    assert patient_identity_purge(pharmacy_ids=[pharmacy.pk], cutoff=dt.date(2100, 1, 1)) > 0
    assert not ClaimHistory.objects.exists()
    columns = {f.name for f in ClaimHistory._meta.fields}
    assert not columns & {"patient_name", "nir", "nir_key", "birth_rank"}


def test_a_deletion_is_recorded_with_the_job_that_made_it(pharmacy_n):
    from tests.factories import BankAccountFactory, BankLineFactory, PaymentSlipFactory

    slip = PaymentSlipFactory(pharmacy=pharmacy_n)
    line = BankLineFactory(account=BankAccountFactory(pharmacy=pharmacy_n))
    link = Reconciliation.objects.create(pharmacy=pharmacy_n, slip=slip, bank_line=line,
                                         amount=slip.total, source="auto")
    with audit_job("cleanup", pharmacy_id=pharmacy_n.pk):
        Reconciliation.objects.filter(pk=link.pk).delete()
    event = ReconciliationHistory.objects.get(pgh_obj_id=link.pk, pgh_label="delete")
    assert event.pgh_context == {"job": "cleanup", "pharmacy": pharmacy_n.pk}
    assert event.amount == slip.total


def test_a_nested_job_is_a_step_and_the_outer_context_comes_back(db):
    with audit_job("nightly", pharmacy_id=1), transaction.atomic():
        with audit_job("slips_match", pharmacy_id=1):
            inner = _current_metadata()
        outer = _current_metadata()
    assert inner == {"job": "nightly", "step": "slips_match", "pharmacy": 1}
    assert outer == {"job": "nightly", "pharmacy": 1}


def _current_metadata() -> dict:
    with connection.cursor() as cursor:
        # A statement pghistory injects its context into (a SELECT would be skipped).
        cursor.execute("WITH x AS (SELECT current_setting('pghistory.context_metadata', true) AS m) SELECT m FROM x")
        return json.loads(cursor.fetchone()[0])


def test_the_event_tables_are_append_only(pharmacy_n, db):
    from django.db import ProgrammingError

    from tests.factories import PaymentSlipFactory

    PaymentSlipFactory(pharmacy=pharmacy_n)
    events = event_model_for(PaymentSlip).objects.all()
    assert events.count() == 1
    with pytest.raises(ProgrammingError, match="Cannot update or delete"), transaction.atomic():
        events.update(total=0)
    with pytest.raises(ProgrammingError, match="Cannot update or delete"), transaction.atomic():
        events.delete()
