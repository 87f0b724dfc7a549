"""Imports and the nightly matching on the same pharmacy at the same time.

A generated quarter is first imported and matched serially: that is the
reference. Then the database is emptied and the same files arrive at once on
several connections — claims, returns, bank statements (one of them twice, as
a double upload would), an overlapping re-send of a claims file — while the
nightly steps run over and over on another connection. Afterwards one more
night, and the database must be the serial one: no deadlock, no error, no row
lost, none doubled, every payment applied once.
"""

from __future__ import annotations

import datetime as dt
import json
import threading
from collections.abc import Callable
from pathlib import Path

import pytest
from django.db import connection, connections

from claims.imports.services import ImportRefused, import_file_run
from claims.models import ImportBatch
from pharmacies.row_security import database_scope, tenant_tables
from synthetic.run import generate
from tests.factories import PharmacyFactory
from tests.generated import bank_statement_of, generated_months
from tiers_payant.night import nightly_steps

# Natural keys only: ids differ between the two runs, the business state must not.
STATE = {
    "claims": """SELECT c.invoice_number, c.payer_kind, c.status, c.amount_paid, c.paid_date,
                        c.unpaid_since, c.last_return_date, o.invoice_number
                 FROM claims_claim c LEFT JOIN claims_claim o ON o.id = c.reinvoice_of_id""",
    "return_lines": """SELECT r.invoice_number, r.payer_kind, r.return_date, r.status, r.amount_paid,
                              c.invoice_number, s.reference
                       FROM claims_returnline r LEFT JOIN claims_claim c ON c.id = r.claim_id
                       LEFT JOIN payments_paymentslip s ON s.id = r.slip_id""",
    "rejections": """SELECT c.invoice_number, c.payer_kind, reason.code, j.status, j.amount,
                            j.rejected_on, j.new_invoice_number, j.recovered_amount, j.closed_on
                     FROM rejections_rejection j JOIN claims_claim c ON c.id = j.claim_id
                     JOIN rejections_rejectionreason reason ON reason.id = j.reason_id""",
    # Whatever the order, every committed returns file ends applied by a night.
    "returns_imports": """SELECT file_name, applied_at IS NOT NULL FROM claims_importbatch
                          WHERE kind = 'returns' AND status = 'committed'""",
    "slips": "SELECT reference, total, line_count, status, matched_amount FROM payments_paymentslip",
    "bank_lines": "SELECT natural_key, amount, status, matched_amount FROM payments_bankline",
    "reconciliations": """SELECT s.reference, b.natural_key, r.amount, r.source
                          FROM payments_reconciliation r JOIN payments_paymentslip s ON s.id = r.slip_id
                          JOIN payments_bankline b ON b.id = r.bank_line_id""",
}


def business_state() -> dict[str, list[tuple]]:
    state = {}
    with connection.cursor() as cursor:
        for name, sql in STATE.items():
            cursor.execute(sql)
            state[name] = sorted(cursor.fetchall(), key=repr)
    return state


@pytest.fixture(scope="module")
def quarter(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("concurrent")
    generate(seed=23, pharmacies=1, months=3, out=str(out), scale=0.15)
    return out


def files_of(quarter: Path) -> tuple[str, list[Path]]:
    [entry] = json.loads((quarter / "pharmacies.json").read_text())
    return entry["finess"], generated_months(quarter, entry["finess"])


def night_after(months: list[Path]) -> dt.date:
    year, month = map(int, months[-1].name.split("-"))
    return dt.date(year + month // 12, month % 12 + 1, 1) + dt.timedelta(days=7)


def committed(pharmacy, path: Path) -> None:
    batch = import_file_run(pharmacy=pharmacy, path=path, commit=True)
    assert batch.status == ImportBatch.Status.COMMITTED, (path.name, batch.errors[:3])


def empty_tenant_tables() -> None:
    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE " + ", ".join(tenant_tables()) + " CASCADE")


class Crowd:
    """Threads on their own connections, started together, each in the pharmacy's scope."""

    def __init__(self, pharmacy_id: int):
        self.pharmacy_id = pharmacy_id
        self.jobs: list[Callable[[], None]] = []
        self.errors: list[BaseException] = []

    def add(self, job: Callable[[], None]) -> None:
        self.jobs.append(job)

    def run(self, *, timeout: float = 240) -> None:
        start = threading.Barrier(len(self.jobs))

        def worker(job):
            try:
                with database_scope([self.pharmacy_id]):
                    start.wait()
                    job()
            except BaseException as error:
                self.errors.append(error)
            finally:
                connections.close_all()

        threads = [threading.Thread(target=worker, args=(job,)) for job in self.jobs]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout)
        assert not any(thread.is_alive() for thread in threads), "blocked: a lock is never released"


@pytest.mark.django_db(transaction=True)
def test_concurrent_imports_and_nights_end_as_the_serial_run(quarter, tmp_path):
    finess, months = files_of(quarter)
    pharmacy = PharmacyFactory(finess=finess)
    day = night_after(months)

    for month in months:
        for path in (month / "factures.csv", month / "retours.csv", bank_statement_of(month)):
            committed(pharmacy, path)
    nightly_steps(pharmacy_id=pharmacy.pk, day=day)
    serial = business_state()
    assert serial["reconciliations"] and serial["rejections"]

    empty_tenant_tables()
    # The first month's claims re-sent with a line dropped: another file (another
    # SHA-256) whose rows are all already there or arriving at the same time.
    lines = (months[0] / "factures.csv").read_bytes().splitlines(keepends=True)
    resent = tmp_path / "factures-renvoi.csv"
    resent.write_bytes(b"".join(lines[:-1]))
    twin = bank_statement_of(months[1])
    outcomes: list[str] = []
    imports_done: list[threading.Event] = []

    def imports(*paths: Path) -> Callable[[], None]:
        done = threading.Event()
        imports_done.append(done)

        def job():
            try:
                for path in paths:
                    committed(pharmacy, path)
            finally:
                done.set()
        return job

    def double_upload() -> Callable[[], None]:
        done = threading.Event()
        imports_done.append(done)

        def job():
            try:
                outcomes.append(import_file_run(pharmacy=pharmacy, path=twin, commit=True).status)
            except ImportRefused as refusal:  # the other one had committed already
                outcomes.append(ImportBatch.Status.FAILED)
                assert "déjà" in refusal.message
            finally:
                done.set()
        return job

    nights_run: list[int] = []

    def nights():
        while len(nights_run) < 2 or not all(done.is_set() for done in imports_done):
            nightly_steps(pharmacy_id=pharmacy.pk, day=day)
            nights_run.append(1)

    crowd = Crowd(pharmacy.pk)
    crowd.add(imports(*(month / "factures.csv" for month in months)))
    crowd.add(imports(resent, *(month / "retours.csv" for month in months)))
    crowd.add(imports(*(bank_statement_of(month) for month in months if bank_statement_of(month) != twin)))
    crowd.add(double_upload())
    crowd.add(double_upload())
    crowd.add(nights)
    crowd.run()

    assert crowd.errors == []
    assert len(nights_run) >= 2
    # The double upload: one import, one refusal naming it — never two.
    assert sorted(outcomes) == [ImportBatch.Status.COMMITTED, ImportBatch.Status.FAILED]
    nightly_steps(pharmacy_id=pharmacy.pk, day=day)
    concurrent = business_state()
    for table in STATE:
        assert concurrent[table] == serial[table], table
