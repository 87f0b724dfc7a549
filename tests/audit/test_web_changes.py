"""Changes made through the pages: recorded with the user and the URL, shown on the object's page."""

from __future__ import annotations

from decimal import Decimal

from django.urls import reverse

from audit.tracking import event_model_for
from backoffice.selectors import delegation_history
from payments.models import ManualDecision, Reconciliation
from payments.selectors import bank_line_history
from rejections.models import ReasonCategory, Rejection, RejectionStatus
from rejections.selectors import rejection_file_history
from tests.factories import BankAccountFactory, BankLineFactory, PaymentSlipFactory

RejectionHistory = event_model_for(Rejection)


def _status_url(rejection):
    return reverse("rejections:change_status", args=[rejection.pharmacy_id, rejection.pk])


def test_a_status_change_on_the_page_records_the_user_and_the_old_value(login, preparateur_n, rejection_n):
    client = login(preparateur_n)
    response = client.post(_status_url(rejection_n), {"to_status": RejectionStatus.IN_PROGRESS})
    assert response.status_code == 302

    event = RejectionHistory.objects.get(pgh_obj_id=rejection_n.pk, pgh_label="update")
    assert event.status == RejectionStatus.TO_HANDLE  # the row as it was before
    assert event.pgh_context["user"] == preparateur_n.pk
    assert event.pgh_context["url"] == _status_url(rejection_n)
    assert event.pharmacy_id == rejection_n.pharmacy_id

    latest = rejection_file_history(pharmacy=rejection_n.pharmacy, rejection=rejection_n)[0]
    assert latest.action == "Modification"
    assert latest.who == "Lucie Perrin"
    assert ("Statut", "À traiter", "En cours") in [(c.label, c.old, c.new) for c in latest.changes]


def test_the_history_is_shown_on_the_rejection_page(login, preparateur_n, rejection_n):
    client = login(preparateur_n)
    client.post(_status_url(rejection_n), {"to_status": RejectionStatus.IN_PROGRESS})
    page = client.get(reverse("rejections:detail", args=[rejection_n.pharmacy_id, rejection_n.pk]))
    html = page.content.decode()
    assert page.status_code == 200
    assert "Historique des modifications" in html
    assert "Lucie Perrin" in html
    assert '<span class="audit-old">À traiter</span> → <span class="audit-new">En cours</span>' in html


def test_the_htmx_panel_shows_the_new_event_at_once(login, preparateur_n, rejection_n):
    response = login(preparateur_n).post(
        _status_url(rejection_n), {"to_status": RejectionStatus.IN_PROGRESS}, HTTP_HX_REQUEST="true"
    )
    assert "Historique des modifications" in response.content.decode()
    assert '<span class="audit-new">En cours</span>' in response.content.decode()


def test_another_pharmacys_rejection_and_its_history_answer_404(login, manager_c, pharmacy_c, rejection_a):
    client = login(manager_c)
    assert client.get(reverse("rejections:detail", args=[rejection_a.pharmacy_id, rejection_a.pk])).status_code == 404
    # Its id under a pharmacy manager_c does see: still not found.
    assert client.get(reverse("rejections:detail", args=[pharmacy_c.pk, rejection_a.pk])).status_code == 404


def test_the_history_never_reads_another_pharmacys_events(rejection_n, rejection_a, pharmacy_n):
    # The selector is bound to the pharmacy the view loaded: a foreign object yields nothing.
    assert rejection_file_history(pharmacy=pharmacy_n, rejection=rejection_a) == []


def test_an_unlink_is_recorded_as_a_deletion_by_its_user(login, preparateur_n, pharmacy_n):
    slip = PaymentSlipFactory(pharmacy=pharmacy_n, total=Decimal("100.00"))
    line = BankLineFactory(account=BankAccountFactory(pharmacy=pharmacy_n), amount=Decimal("100.00"))
    client = login(preparateur_n)
    page_url = reverse("payments:bank_line", args=[pharmacy_n.pk, line.pk])
    assert client.post(page_url, {"slip": [slip.pk], f"amount_{slip.pk}": "60,00"}).status_code == 302
    link = Reconciliation.objects.get(bank_line=line)
    assert client.post(reverse("payments:unlink", args=[pharmacy_n.pk, link.pk])).status_code == 302
    assert not Reconciliation.objects.filter(pk=link.pk).exists()

    deleted = event_model_for(Reconciliation).objects.get(pgh_obj_id=link.pk, pgh_label="delete")
    assert deleted.amount == Decimal("60.00") and deleted.slip_id == slip.pk
    assert deleted.pgh_context["user"] == preparateur_n.pk
    assert event_model_for(ManualDecision).objects.filter(
        bank_line_id=line.pk, pgh_label="insert", pgh_context__user=preparateur_n.pk).exists()

    entries = bank_line_history(pharmacy=pharmacy_n, bank_line=line)
    assert [(e.action, e.subject) for e in entries if e.subject.startswith("Rapprochement")][:2] == [
        ("Suppression", f"Rapprochement {slip.reference} du 10/10/2026"),
        ("Création", f"Rapprochement {slip.reference} du 10/10/2026"),
    ]
    html = client.get(page_url).content.decode()
    assert "Historique des modifications" in html
    assert "60,00\u00a0€" in html and "Suppression" in html


def test_delegation_rules_show_who_changed_them(login, manager_a, pharmacy_b):
    client = login(manager_a)
    url = reverse("backoffice:rules", args=[pharmacy_b.pk])
    data = dict.fromkeys(ReasonCategory.values, "pharmacy") | {"amo_rights": "backoffice"}
    assert client.post(url, data).status_code == 302
    html = client.get(url).content.decode()
    assert "Historique des modifications" in html
    assert "Règle de répartition Droits AMO" in html
    assert "Backoffice" in html


def test_a_delegation_change_records_the_supervisor_the_mode_and_the_managers(
    login, supervisor, manager_a, manager_c, pharmacy_b
):
    client = login(supervisor)
    url = reverse("backoffice:delegation_edit", args=[pharmacy_b.pk])
    client.post(url, {"mode": "total", "start": "2026-01-01", "managers": [manager_c.pk]})

    entries = delegation_history(pharmacy=pharmacy_b)
    by_subject = {(e.action, e.subject): e for e in entries}
    mode = by_subject[("Modification", "Pharmacie")]
    assert mode.who == supervisor.get_full_name()
    assert ("Délégation", "Délégation partielle", "Délégation totale") in [
        (c.label, c.old, c.new) for c in mode.changes]
    assert ("Suppression", f"Affectation {manager_a.get_full_name()}") in by_subject
    assert ("Création", f"Affectation {manager_c.get_full_name()}") in by_subject
    assert '<span class="audit-new">Délégation totale</span>' in client.get(url).content.decode()
