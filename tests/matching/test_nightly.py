"""The nightly job: a run row per pharmacy and day, idempotent, safe after a crash."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.management import call_command

from claims.models import ClaimStatus
from payments import services
from payments.models import Reconciliation
from pharmacies.models import JobRun
from rejections.models import Rejection
from reports.models import MonthlyClaimCount
from tests.matching.scenario import DAY, night_scenario
from tests.matching.snapshot import database_snapshot
from tiers_payant.night import nightly_run


def test_the_night_applies_everything(pharmacy_a):
    s = night_scenario(pharmacy_a)

    assert nightly_run(pharmacy_id=pharmacy_a.id, day=DAY) == "done"

    for name, status in (("paid", ClaimStatus.PAID), ("partial", ClaimStatus.PARTIAL),
                         ("rejected", ClaimStatus.REJECTED), ("silent", ClaimStatus.UNPAID)):
        s[name].refresh_from_db()
        assert s[name].status == status, name
    assert Rejection.objects.filter(pharmacy=pharmacy_a).count() == 2
    assert Reconciliation.objects.get().bank_line == s["auto_line"]
    run = JobRun.objects.get(pharmacy=pharmacy_a, job="nightly", period=DAY.isoformat())
    assert run.state == JobRun.State.DONE and run.stats["matching"]["auto_linked"] == 1


def test_the_night_counts_the_past_months_for_the_portfolio(pharmacy_a):
    night_scenario(pharmacy_a)  # 4 claims sent in October (2 rejected tonight), 1 in September

    nightly_run(pharmacy_id=pharmacy_a.id, day=DAY)

    counts = {c.month: (c.claims, c.rejected)
              for c in MonthlyClaimCount.objects.filter(pharmacy=pharmacy_a)}
    assert len(counts) == 12 and min(counts) == dt.date(2025, 12, 1)
    assert max(counts) == dt.date(2026, 11, 1)  # December, the night's month, is counted live
    assert counts[dt.date(2026, 10, 1)] == (4, 2)
    assert counts[dt.date(2026, 9, 1)] == (1, 0)
    assert sum(claims for claims, _ in counts.values()) == 5


def test_a_second_run_changes_nothing(pharmacy_a):
    night_scenario(pharmacy_a)
    nightly_run(pharmacy_id=pharmacy_a.id, day=DAY)
    before = database_snapshot()

    assert nightly_run(pharmacy_id=pharmacy_a.id, day=DAY) == "skipped"
    assert nightly_run(pharmacy_id=pharmacy_a.id, day=DAY, force=True) == "done"

    assert database_snapshot() == before
    assert JobRun.objects.filter(pharmacy=pharmacy_a, job="nightly").count() == 1


def test_a_manual_link_survives_the_night(pharmacy_a, titulaire_a):
    s = night_scenario(pharmacy_a)
    services.reconciliation_link(pharmacy=pharmacy_a, bank_line=s["manual_line"],
                                 allocations=[(s["other"], Decimal("150.00"))], user=titulaire_a)

    nightly_run(pharmacy_id=pharmacy_a.id, day=DAY)

    link = Reconciliation.objects.get(bank_line=s["manual_line"])
    assert (link.slip, link.amount, link.source) == (s["other"], Decimal("150.00"), "manual")


def test_a_crash_in_the_middle_then_a_rerun_equals_a_clean_run(pharmacy_a, monkeypatch):
    night_scenario(pharmacy_a)
    import tiers_payant.night as nightly

    def crash(**kwargs):
        raise RuntimeError("worker lost")

    monkeypatch.setattr(nightly, "slips_match", crash)
    with pytest.raises(RuntimeError):
        nightly_run(pharmacy_id=pharmacy_a.id, day=DAY)
    assert JobRun.objects.get(pharmacy=pharmacy_a).state == JobRun.State.FAILED
    monkeypatch.undo()

    assert nightly_run(pharmacy_id=pharmacy_a.id, day=DAY) == "done"
    crashed_then_resumed = database_snapshot()
    nightly_run(pharmacy_id=pharmacy_a.id, day=DAY, force=True)
    assert database_snapshot() == crashed_then_resumed
    assert JobRun.objects.get(pharmacy=pharmacy_a).attempts == 3


def test_the_command_runs_one_pharmacy(pharmacy_a, pharmacy_b, capsys):
    night_scenario(pharmacy_a)

    call_command("run_matching", "--pharmacy", pharmacy_a.finess, "--day", DAY.isoformat())

    assert f"{pharmacy_a.finess} {DAY}: done" in capsys.readouterr().out
    assert not JobRun.objects.filter(pharmacy=pharmacy_b).exists()


def test_the_night_gives_new_rejections_to_whoever_the_delegation_rules_say(pharmacy_b):
    """Partial delegation: a category ruled to the Backoffice goes there, the rest stays."""
    from backoffice.models import DelegationRule
    from rejections.models import HandledBy, RejectionReason

    ruled = RejectionReason.objects.get(payer_kind="AMO", code="0450 072").category
    DelegationRule.objects.create(pharmacy=pharmacy_b, category=ruled, handled_by=HandledBy.BACKOFFICE)
    night_scenario(pharmacy_b)

    nightly_run(pharmacy_id=pharmacy_b.id, day=DAY)

    handlers = dict(
        Rejection.objects.filter(pharmacy=pharmacy_b).values_list("reason__code", "handled_by")
    )
    assert handlers.pop("0450 072") == HandledBy.BACKOFFICE
    assert set(handlers.values()) == {HandledBy.PHARMACY}


def test_a_new_rejection_is_opened_with_its_handler_not_rewritten_after(pharmacy_b):
    """The delegation's rule is passed to the opening: no provisional handler to fix later."""
    from backoffice.models import DelegationRule
    from backoffice.services import delegation_rules_apply
    from rejections.models import HandledBy, RejectionReason
    from tiers_payant.night import night_returns

    ruled = RejectionReason.objects.get(payer_kind="AMO", code="0450 072").category
    DelegationRule.objects.create(pharmacy=pharmacy_b, category=ruled, handled_by=HandledBy.BACKOFFICE)
    night_scenario(pharmacy_b)

    opened = night_returns(pharmacy_id=pharmacy_b.id).rejections_opened

    assert opened > 1
    handlers = dict(
        Rejection.objects.filter(pharmacy=pharmacy_b).values_list("reason__code", "handled_by")
    )
    assert handlers.pop("0450 072") == HandledBy.BACKOFFICE
    assert set(handlers.values()) == {HandledBy.PHARMACY}
    # The night's pass for rules that moved finds nothing to change.
    assert delegation_rules_apply(pharmacy_ids=[pharmacy_b.id], only_changed=True) == 0


def test_the_night_moves_a_rejection_whose_reason_was_classified_since(pharmacy_b):
    from backoffice.models import DelegationRule
    from rejections.models import HandledBy, ReasonCategory
    from tests.factories import ReasonFactory, RejectionFactory

    reason = ReasonFactory(code="9999 999", category=ReasonCategory.TO_CLASSIFY, to_classify=True)
    opened = RejectionFactory(claim__pharmacy=pharmacy_b, reason=reason, handled_by=HandledBy.PHARMACY)
    DelegationRule.objects.create(pharmacy=pharmacy_b, category=ReasonCategory.AMO_RIGHTS,
                                  handled_by=HandledBy.BACKOFFICE)
    reason.category, reason.to_classify = ReasonCategory.AMO_RIGHTS, False
    reason.save()

    nightly_run(pharmacy_id=pharmacy_b.id, day=DAY)

    opened.refresh_from_db()
    assert opened.handled_by == HandledBy.BACKOFFICE
