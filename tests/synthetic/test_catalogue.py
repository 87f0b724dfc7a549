"""The rejection-reason catalogue the foundation loads and the generator draws from."""

from __future__ import annotations

import dataclasses
import re

from rejections.catalogue import CATEGORY_LABELS, FAULTS, REASONS, ReasonEntry

CATEGORIES = {"amo_rights", "amc_rights", "patient_identification", "prescriber", "pricing",
              "duplicate", "technical", "supporting_documents", "recovery", "silent_unpaid"}


def test_fields_are_the_ones_the_data_migration_expects():
    assert [f.name for f in dataclasses.fields(ReasonEntry)] == [
        "code", "payer_kind", "label", "category", "fault", "advice_fix", "advice_prevent",
        "avoidable_at_counter", "weight"]


def test_it_has_enough_entries_in_every_category():
    assert len(REASONS) >= 45
    assert set(CATEGORY_LABELS) == CATEGORIES
    assert {r.category for r in REASONS} == CATEGORIES
    assert all(r.fault in FAULTS and r.payer_kind in ("AMO", "AMC") for r in REASONS)
    assert len({(r.payer_kind, r.code) for r in REASONS}) == len(REASONS)


def test_codes_have_the_payers_shapes():
    amo = [r.code for r in REASONS if r.payer_kind == "AMO" and r.category != "silent_unpaid"]
    assert any(re.fullmatch(r"\d{4} \d{3}", c) for c in amo)
    assert any(re.fullmatch(r"\d{4}-\d{3}", c) for c in amo)
    assert all(re.fullmatch(r"\d{4}[ -]\d{3}", c) for c in amo)
    amc = [r.code for r in REASONS if r.payer_kind == "AMC" and r.category != "silent_unpaid"]
    assert all(re.fullmatch(r"\d{3}", c) for c in amc)


def test_labels_are_terse_upper_case():
    assert all(r.label == r.label.upper() and len(r.label) <= 60 for r in REASONS)


def test_advice_carries_the_counter_checklist():
    text = " ".join(r.advice_fix + " " + r.advice_prevent for r in REASONS)
    for phrase in ("Scanner", "moins de 3 mois", "carte Vitale", "code de télétransmission",
                   "bon contrat", "plus d'un mois", "6 mois"):
        assert phrase.lower() in text.lower(), phrase
    assert all(r.advice_fix and r.advice_prevent for r in REASONS)


def test_counter_errors_are_avoidable_at_the_counter():
    assert all(r.avoidable_at_counter == (r.fault == "counter") for r in REASONS)
