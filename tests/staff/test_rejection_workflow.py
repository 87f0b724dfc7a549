"""The workflow rules, in rejections/services.py: one transition table, every action traced."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from claims.models import ClaimStatus
from rejections.models import Rejection, RejectionEvent
from rejections.models import RejectionStatus as S
from rejections.services import (
    rejection_comment,
    rejection_transition,
    rejections_bulk_assign,
    rejections_bulk_transition,
)
from tests.factories import ClaimFactory, RejectionFactory


def test_it_moves_a_rejection_to_reinvoiced_with_the_new_number(preparateur_n, rejection_n):
    rejection_transition(rejection=rejection_n, to_status=S.IN_PROGRESS, actor=preparateur_n)
    rejection_transition(
        rejection=rejection_n, to_status=S.REINVOICED, actor=preparateur_n,
        new_invoice_number="123456789",
    )
    rejection_n.refresh_from_db()
    assert rejection_n.status == S.REINVOICED
    assert rejection_n.new_invoice_number == "123456789"
    assert rejection_n.claim.status == ClaimStatus.REINVOICED
    events = list(RejectionEvent.objects.filter(rejection=rejection_n).values_list("kind", "from_status", "to_status"))
    # Taking it ("Prendre en charge") also assigns it to the person (issue 16).
    assert events == [("status", S.TO_HANDLE, S.IN_PROGRESS), ("assign", "", ""), ("status", S.IN_PROGRESS, S.REINVOICED)]
    assert rejection_n.assignee == preparateur_n


def test_it_refuses_a_transition_outside_the_table(preparateur_n, rejection_n):
    with pytest.raises(ValidationError, match="Passage impossible"):
        rejection_transition(rejection=rejection_n, to_status=S.CLOSED, actor=preparateur_n)
    rejection_n.refresh_from_db()
    assert rejection_n.status == S.TO_HANDLE
    assert not RejectionEvent.objects.filter(rejection=rejection_n).exists()


def test_reinvoicing_needs_a_nine_digit_number(preparateur_n, rejection_n):
    rejection_transition(rejection=rejection_n, to_status=S.IN_PROGRESS, actor=preparateur_n)
    with pytest.raises(ValidationError, match="9 chiffres"):
        rejection_transition(
            rejection=rejection_n, to_status=S.REINVOICED, actor=preparateur_n,
            new_invoice_number="12AB",
        )


def test_writing_off_needs_a_reason_and_closing_confirms_the_loss(preparateur_n, rejection_n):
    rejection_transition(rejection=rejection_n, to_status=S.IN_PROGRESS, actor=preparateur_n)
    with pytest.raises(ValidationError, match="motif"):
        rejection_transition(rejection=rejection_n, to_status=S.WRITTEN_OFF, actor=preparateur_n)
    rejection_transition(
        rejection=rejection_n, to_status=S.WRITTEN_OFF, actor=preparateur_n,
        write_off_reason="Patient parti sans laisser d'adresse",
    )
    rejection_transition(rejection=rejection_n, to_status=S.CLOSED, actor=preparateur_n)
    rejection_n.refresh_from_db()
    assert rejection_n.closed_on is not None
    assert rejection_n.claim.status == ClaimStatus.WRITTEN_OFF


def test_staff_under_total_delegation_cannot_change_status(preparateur_a, rejection_a):
    with pytest.raises(ValidationError, match="délégué"):
        rejection_transition(rejection=rejection_a, to_status=S.IN_PROGRESS, actor=preparateur_a)


def test_the_manager_works_a_totally_delegated_pharmacy(manager_a, rejection_a):
    rejection_transition(rejection=rejection_a, to_status=S.IN_PROGRESS, actor=manager_a)
    rejection_a.refresh_from_db()
    assert rejection_a.status == S.IN_PROGRESS


def test_staff_under_total_delegation_can_comment(preparateur_a, rejection_a):
    rejection_comment(rejection=rejection_a, actor=preparateur_a, text="Attestation déposée")
    assert RejectionEvent.objects.get(rejection=rejection_a).kind == RejectionEvent.Kind.COMMENT


def test_bulk_transition_moves_only_the_rows_that_may_move(preparateur_n, pharmacy_n, django_assert_max_num_queries):
    movable = RejectionFactory.create_batch(5, claim__pharmacy=pharmacy_n)
    stuck = RejectionFactory(claim=ClaimFactory(pharmacy=pharmacy_n), status=S.CLOSED)
    selection = Rejection.objects.filter(pharmacy=pharmacy_n)
    with django_assert_max_num_queries(6):
        moved, refused = rejections_bulk_transition(
            rejections=selection, to_status=S.IN_PROGRESS, actor=preparateur_n
        )
    assert (moved, refused) == (5, 1)
    assert set(Rejection.objects.filter(pk__in=[r.pk for r in movable]).values_list("status", flat=True)) == {S.IN_PROGRESS}
    stuck.refresh_from_db()
    assert stuck.status == S.CLOSED
    assert RejectionEvent.objects.filter(kind="status").count() == 5


def test_bulk_assign_is_one_update_and_one_insert(preparateur_n, titulaire_n, pharmacy_n, django_assert_num_queries):
    RejectionFactory.create_batch(30, claim__pharmacy=pharmacy_n)
    selection = Rejection.objects.filter(pharmacy=pharmacy_n)
    # select rows, check assignee's pharmacies, UPDATE, INSERT events (+ savepoint pair)
    with django_assert_num_queries(6):
        count = rejections_bulk_assign(rejections=selection, assignee=titulaire_n, actor=preparateur_n)
    assert count == 30
    assert Rejection.objects.filter(assignee=titulaire_n).count() == 30
    assert RejectionEvent.objects.filter(kind="assign").count() == 30


def test_it_refuses_to_assign_to_someone_of_another_pharmacy(preparateur_n, titulaire_a, rejection_n):
    with pytest.raises(ValidationError, match="ne travaille pas"):
        rejections_bulk_assign(
            rejections=Rejection.objects.filter(pk=rejection_n.pk), assignee=titulaire_a,
            actor=preparateur_n,
        )
