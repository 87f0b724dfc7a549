"""The rejection worklist and the rejection file, seen by each persona."""

from __future__ import annotations

import io
from urllib.parse import quote

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from rejections.models import ReasonCategory, Rejection, RejectionEvent
from rejections.models import RejectionStatus as S
from tests.factories import ClaimFactory, OrganismFactory, ReasonFactory, RejectionFactory

HTMX = {"HTTP_HX_REQUEST": "true"}


def list_url(pharmacy):
    return reverse("rejections:list", args=[pharmacy.pk])


def detail_url(rejection, name="detail", *extra):
    return reverse(f"rejections:{name}", args=[rejection.pharmacy_id, rejection.pk, *extra])


# --- worklist -------------------------------------------------------------------


def test_it_lists_the_pharmacys_open_rejections(login, preparateur_n, rejection_n, pharmacy_a):
    RejectionFactory(claim=ClaimFactory(pharmacy=pharmacy_a, patient_name="ETRANGER Zoé"))
    closed = RejectionFactory(claim=ClaimFactory(pharmacy=rejection_n.pharmacy), status=S.CLOSED)
    response = login(preparateur_n).get(list_url(rejection_n.pharmacy))
    assert response.status_code == 200
    body = response.content.decode()
    assert rejection_n.claim.invoice_number in body
    assert closed.claim.invoice_number not in body
    assert "ETRANGER" not in body
    assert ">Pharmacie</th>" not in body  # one pharmacy: no pharmacy column
    assert "32,50\u00a0€" in body


def test_the_htmx_request_gets_only_the_results(login, preparateur_n, rejection_n):
    response = login(preparateur_n).get(list_url(rejection_n.pharmacy) + "?q=MARTIN", **HTMX)
    body = response.content.decode()
    assert response.status_code == 200
    assert body.lstrip().startswith('<section id="worklist-results"')
    assert "<html" not in body
    assert rejection_n.claim.invoice_number in body


def test_it_filters_by_status_category_payer_operator_amount_and_search(login, preparateur_n, pharmacy_n):
    payer = OrganismFactory(name="MUTUELLE TEST", kind="AMC", code="0000012345")
    target = RejectionFactory(
        claim=ClaimFactory(pharmacy=pharmacy_n, organism=payer, operator_code="OPX", amount_claimed=120,
                           patient_name="LEGRAND Anne"),
        reason=ReasonFactory(category=ReasonCategory.AMC_RIGHTS), status=S.IN_PROGRESS,
    )
    other = RejectionFactory(claim=ClaimFactory(pharmacy=pharmacy_n, amount_claimed=10))
    client = login(preparateur_n)
    for query in [
        "?statut=in_progress", f"?categorie={ReasonCategory.AMC_RIGHTS}", f"?payeur={payer.pk}",
        "?operateur=OPX", "?montant_min=100", "?q=legrand", f"?q={target.claim.invoice_number}",
    ]:
        body = client.get(list_url(pharmacy_n) + query, **HTMX).content.decode()
        assert target.claim.invoice_number in body, query
        assert other.claim.invoice_number not in body, query


def test_it_filters_by_age_and_assigned_to_me(login, preparateur_n, pharmacy_n):
    import datetime as dt

    from django.utils import timezone

    today = timezone.localdate()
    old = RejectionFactory(claim=ClaimFactory(pharmacy=pharmacy_n), rejected_on=today - dt.timedelta(days=100),
                           assignee=preparateur_n)
    recent = RejectionFactory(claim=ClaimFactory(pharmacy=pharmacy_n), rejected_on=today - dt.timedelta(days=3))
    client = login(preparateur_n)
    body = client.get(list_url(pharmacy_n) + "?age=90%2B", **HTMX).content.decode()
    assert old.claim.invoice_number in body and recent.claim.invoice_number not in body
    body = client.get(list_url(pharmacy_n) + "?moi=1", **HTMX).content.decode()
    assert old.claim.invoice_number in body and recent.claim.invoice_number not in body


def test_the_sort_and_page_links_keep_the_filters_in_the_url(login, preparateur_n, pharmacy_n):
    RejectionFactory.create_batch(60, claim__pharmacy=pharmacy_n)
    body = login(preparateur_n).get(list_url(pharmacy_n) + "?operateur=OP001&tri=-montant").content.decode()
    assert f'href="/pharmacies/{pharmacy_n.pk}/rejets/?operateur=OP001&amp;page=2&amp;tri=-montant"' in body
    assert 'hx-push-url="true"' in body
    assert "Page 1 sur 2" in body


def test_an_invalid_filter_value_is_ignored_not_an_error(login, preparateur_n, rejection_n):
    response = login(preparateur_n).get(list_url(rejection_n.pharmacy) + "?statut=nimportequoi&page=abc&payeur=x")
    assert response.status_code == 200
    assert rejection_n.claim.invoice_number in response.content.decode()


@pytest.mark.parametrize("partial", [False, True])
def test_the_worklist_answers_404_across_tenants(login, manager_c, pharmacy_a, partial):
    response = login(manager_c).get(list_url(pharmacy_a), **(HTMX if partial else {}))
    assert response.status_code == 404


def _count_queries(client, url):
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


@pytest.mark.parametrize("partial", [False, True])
def test_the_worklist_query_count_does_not_grow_with_rows(
    login, preparateur_n, pharmacy_n, django_assert_num_queries, partial
):
    client = login(preparateur_n)
    headers = HTMX if partial else {}
    RejectionFactory.create_batch(10, claim__pharmacy=pharmacy_n, assignee=preparateur_n)
    url = list_url(pharmacy_n) + "?page=1"
    with CaptureQueriesContext(connection) as captured:
        client.get(url, **headers)
    ten = len(captured)
    RejectionFactory.create_batch(190, claim__pharmacy=pharmacy_n, assignee=preparateur_n)
    with django_assert_num_queries(ten):
        response = client.get(url, **headers)
    assert response.context["totals"]["count"] == 200


def test_bulk_assign_from_the_worklist(login, preparateur_n, titulaire_n, pharmacy_n):
    rows = RejectionFactory.create_batch(3, claim__pharmacy=pharmacy_n)
    response = login(preparateur_n).post(
        list_url(pharmacy_n) + "?statut=to_handle",
        {"action": "assign", "assignee": titulaire_n.pk, "ids": [r.pk for r in rows]},
    )
    assert response.status_code == 302
    assert response["Location"] == list_url(pharmacy_n) + "?statut=to_handle"
    assert Rejection.objects.filter(assignee=titulaire_n).count() == 3


def test_bulk_status_change_ignores_ids_of_other_pharmacies(login, preparateur_n, rejection_n, rejection_a):
    login(preparateur_n).post(
        list_url(rejection_n.pharmacy),
        {"action": "status", "to_status": S.IN_PROGRESS, "ids": [rejection_n.pk, rejection_a.pk]},
    )
    rejection_n.refresh_from_db()
    rejection_a.refresh_from_db()
    assert rejection_n.status == S.IN_PROGRESS
    assert rejection_a.status == S.TO_HANDLE


def test_staff_under_total_delegation_get_only_the_export_action(login, preparateur_a, rejection_a):
    body = login(preparateur_a).get(list_url(rejection_a.pharmacy)).content.decode()
    assert "Exporter vers Excel" in body
    assert "Changer le statut" not in body and "Attribuer à…" not in body


def test_bulk_status_change_is_refused_to_staff_under_total_delegation(login, preparateur_a, rejection_a):
    response = login(preparateur_a).post(
        list_url(rejection_a.pharmacy),
        {"action": "status", "to_status": S.IN_PROGRESS, "ids": [rejection_a.pk]}, follow=True,
    )
    rejection_a.refresh_from_db()
    assert rejection_a.status == S.TO_HANDLE
    assert "délégué tout le traitement" in response.content.decode()


def test_export_gives_an_excel_file_of_the_filtered_list(login, preparateur_n, rejection_n, pharmacy_n):
    RejectionFactory(claim=ClaimFactory(pharmacy=pharmacy_n), status=S.CLOSED)
    response = login(preparateur_n).post(list_url(pharmacy_n), {"action": "export"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][1] == "N° facture"
    assert [r[1] for r in rows[1:]] == [rejection_n.claim.invoice_number]


# --- rejection file -------------------------------------------------------------


def test_the_file_shows_claim_patient_payer_reason_and_advice(login, preparateur_n, rejection_n):
    body = login(preparateur_n).get(detail_url(rejection_n)).content.decode()
    assert rejection_n.claim.invoice_number in body
    assert "MARTIN Paul" in body
    assert "285 •• ••" in body and "2850769123456" not in body  # NIR masked
    assert rejection_n.reason.advice_fix in body
    assert rejection_n.reason.advice_prevent in body
    assert "12/10/2026" in body  # dates JJ/MM/AAAA
    assert "Prendre en charge" in body


@pytest.mark.parametrize(
    "name, method, data",
    [
        ("detail", "get", None),
        ("change_status", "post", {"to_status": "in_progress"}),
        ("assign", "post", {"assignee": ""}),
        ("resolve", "post", {"outcome": "perte", "write_off_reason": "x"}),
        ("set_handler", "post", {"handled_by": "backoffice"}),
        ("comment", "post", {"text": "coucou"}),
        ("attach", "post", {}),
    ],
)
@pytest.mark.parametrize("partial", [False, True])
def test_every_file_url_answers_404_across_tenants(login, manager_c, rejection_a, name, method, data, partial):
    client = login(manager_c)
    response = getattr(client, method)(detail_url(rejection_a, name), data or {}, **(HTMX if partial else {}))
    assert response.status_code == 404
    rejection_a.refresh_from_db()
    assert rejection_a.status == S.TO_HANDLE
    assert not RejectionEvent.objects.exists()


def test_a_rejection_of_another_pharmacy_under_my_pharmacys_url_is_404(login, preparateur_n, rejection_a, pharmacy_n):
    url = reverse("rejections:detail", args=[pharmacy_n.pk, rejection_a.pk])
    assert login(preparateur_n).get(url).status_code == 404


def test_the_preparateur_moves_a_rejection_through_the_workflow(login, preparateur_n, rejection_n):
    client = login(preparateur_n)
    response = client.post(detail_url(rejection_n, "change_status"), {"to_status": "in_progress"}, **HTMX)
    assert response.status_code == 200
    assert 'id="panel"' in response.content.decode() and "<html" not in response.content.decode()
    response = client.post(
        detail_url(rejection_n, "change_status"),
        {"to_status": "reinvoiced", "new_invoice_number": "987654321"},
    )
    assert response.status_code == 302
    rejection_n.refresh_from_db()
    assert rejection_n.status == S.REINVOICED and rejection_n.new_invoice_number == "987654321"
    body = client.get(detail_url(rejection_n)).content.decode()
    assert "Corrigé et refacturé" in body and "987654321" in body
    assert RejectionEvent.objects.filter(rejection=rejection_n, kind="status", actor=preparateur_n).count() == 2


def test_an_invalid_transition_is_refused_with_a_message(login, preparateur_n, rejection_n):
    response = login(preparateur_n).post(
        detail_url(rejection_n, "change_status"), {"to_status": "closed"}, **HTMX
    )
    assert "Passage impossible de « À traiter » à « Clos »" in response.content.decode()
    rejection_n.refresh_from_db()
    assert rejection_n.status == S.TO_HANDLE


def test_staff_under_total_delegation_read_and_comment_only(login, preparateur_a, rejection_a):
    client = login(preparateur_a)
    body = client.get(detail_url(rejection_a)).content.decode()
    assert "Délégation totale" in body and "Prendre en charge" not in body
    client.post(detail_url(rejection_a, "change_status"), {"to_status": "in_progress"})
    rejection_a.refresh_from_db()
    assert rejection_a.status == S.TO_HANDLE
    client.post(detail_url(rejection_a, "comment"), {"text": "Attestation demandée au patient"})
    assert RejectionEvent.objects.get(rejection=rejection_a).text == "Attestation demandée au patient"
    assert "Attestation demandée au patient" in client.get(detail_url(rejection_a)).content.decode()


def test_the_manager_works_the_totally_delegated_file(login, manager_a, rejection_a):
    login(manager_a).post(detail_url(rejection_a, "change_status"), {"to_status": "in_progress"})
    rejection_a.refresh_from_db()
    assert rejection_a.status == S.IN_PROGRESS


def test_partial_delegation_shows_and_lets_the_manager_set_who_handles(login, manager_a, titulaire_a, rejection_b):
    client = login(manager_a)
    body = client.get(detail_url(rejection_b)).content.decode()
    assert "Traité par" in body
    client.post(detail_url(rejection_b, "set_handler"), {"handled_by": "backoffice"})
    rejection_b.refresh_from_db()
    assert rejection_b.handled_by == "backoffice" and rejection_b.handled_by_overridden
    body = client.get(list_url(rejection_b.pharmacy)).content.decode()
    assert "Backoffice" in body


def test_pharmacy_staff_cannot_set_who_handles(login, pharmacy_b, rejection_b):
    from pharmacies.models import StaffRole
    from tests.factories import StaffMemberFactory

    staff = StaffMemberFactory(pharmacy=pharmacy_b, role=StaffRole.TITULAIRE).user
    login(staff).post(detail_url(rejection_b, "set_handler"), {"handled_by": "backoffice"})
    rejection_b.refresh_from_db()
    assert rejection_b.handled_by == "pharmacy"


def test_assign_from_the_file(login, preparateur_n, titulaire_n, rejection_n):
    login(preparateur_n).post(detail_url(rejection_n, "assign"), {"assignee": titulaire_n.pk})
    rejection_n.refresh_from_db()
    assert rejection_n.assignee == titulaire_n
    assert RejectionEvent.objects.get(rejection=rejection_n).kind == "assign"


def test_every_sort_orders_the_list(login, preparateur_n, pharmacy_n):
    from rejections.worklist import REJECTION_SORTS

    cheap = RejectionFactory(claim=ClaimFactory(pharmacy=pharmacy_n, amount_claimed=5))
    dear = RejectionFactory(claim=ClaimFactory(pharmacy=pharmacy_n, amount_claimed=500))
    client = login(preparateur_n)
    for key in REJECTION_SORTS:
        assert client.get(list_url(pharmacy_n) + f"?tri={key}", **HTMX).status_code == 200
    body = client.get(list_url(pharmacy_n) + "?tri=-montant", **HTMX).content.decode()
    assert body.index(dear.claim.invoice_number) < body.index(cheap.claim.invoice_number)
    body = client.get(list_url(pharmacy_n) + "?tri=montant", **HTMX).content.decode()
    assert body.index(cheap.claim.invoice_number) < body.index(dear.claim.invoice_number)


def test_a_history_restore_gets_the_whole_page(login, preparateur_n, rejection_n):
    response = login(preparateur_n).get(
        list_url(rejection_n.pharmacy) + "?q=MARTIN", HTTP_HX_REQUEST="true", HTTP_HX_HISTORY_RESTORE_REQUEST="true"
    )
    assert "<html" in response.content.decode()


def test_the_partial_pushes_the_canonical_url_without_the_patient_search(login, preparateur_n, rejection_n):
    """No patient's name in the browser's history or the file's way back (issue 18, item 6)."""
    response = login(preparateur_n).get(
        list_url(rejection_n.pharmacy) + "?statut=open&q=MARTIN&payeur=&age=&tri=-montant", **HTMX
    )
    assert response["HX-Push-Url"] == list_url(rejection_n.pharmacy) + "?tri=-montant"
    assert "MARTIN" not in response.context["back_url"]
    assert "MARTIN" in response.text  # the search itself still ran


# --- one action from the worklist (issue 16, item 5) -------------------------------------


def test_taking_a_rejection_assigns_it_to_the_person_who_clicked(login, preparateur_n, titulaire_n, rejection_n):
    rejection_n.assignee = titulaire_n
    rejection_n.save()
    login(preparateur_n).post(detail_url(rejection_n, "change_status"), {"to_status": "in_progress"}, **HTMX)
    rejection_n.refresh_from_db()
    assert (rejection_n.status, rejection_n.assignee) == (S.IN_PROGRESS, preparateur_n)
    assert RejectionEvent.objects.filter(rejection=rejection_n, kind="assign", actor=preparateur_n).exists()


def test_taking_several_at_once_assigns_each_to_the_person(login, preparateur_n, pharmacy_n):
    rows = [RejectionFactory(claim=ClaimFactory(pharmacy=pharmacy_n)) for _ in range(3)]
    login(preparateur_n).post(list_url(pharmacy_n), {"action": "status", "to_status": "in_progress", "ids": [r.pk for r in rows]})
    assert set(Rejection.objects.values_list("status", "assignee")) == {(S.IN_PROGRESS, preparateur_n.pk)}
    assert RejectionEvent.objects.filter(kind="assign", actor=preparateur_n).count() == 3


def test_one_action_in_the_row_reinvoices_and_answers_with_the_row(login, preparateur_n, rejection_n):
    client = login(preparateur_n)
    page = client.get(list_url(rejection_n.pharmacy) + "?q=MARTIN").content.decode()
    assert f'action="{detail_url(rejection_n, "resolve")}"' in page and "Traiter</summary>" in page
    response = client.post(
        detail_url(rejection_n, "resolve"),
        {"outcome": "refacture", "new_invoice_number": "123456789", "ligne": "1",
         "retour": list_url(rejection_n.pharmacy) + "?q=MARTIN"},
        **HTMX,
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert body.lstrip().startswith(f'<tr id="rejet-{rejection_n.pk}"') and "<html" not in body
    assert "refacturée sous le n° 123456789" in body and "Traiter</summary>" not in body
    rejection_n.refresh_from_db()
    assert (rejection_n.status, rejection_n.new_invoice_number, rejection_n.assignee) == (
        S.REINVOICED, "123456789", preparateur_n)
    assert rejection_n.claim.__class__.objects.get(pk=rejection_n.claim_id).status == "reinvoiced"
    # The history is the one of the step-by-step workflow: taken, then re-invoiced.
    steps = list(RejectionEvent.objects.filter(rejection=rejection_n, kind="status").values_list("from_status", "to_status"))
    assert steps == [(S.TO_HANDLE, S.IN_PROGRESS), (S.IN_PROGRESS, S.REINVOICED)]


def test_a_loss_is_recorded_with_its_reason_and_closed(login, preparateur_n, rejection_n):
    login(preparateur_n).post(detail_url(rejection_n, "resolve"), {"outcome": "perte", "write_off_reason": "Patient parti sans adresse"})
    rejection_n.refresh_from_db()
    assert (rejection_n.status, rejection_n.write_off_reason) == (S.CLOSED, "Patient parti sans adresse")
    assert rejection_n.closed_on is not None
    assert rejection_n.claim.__class__.objects.get(pk=rejection_n.claim_id).status == "written_off"


def test_sent_to_the_other_payer_names_it_in_the_history(login, preparateur_n, pharmacy_n):
    rejection = RejectionFactory(claim=ClaimFactory(pharmacy=pharmacy_n, payer_kind="AMC"))
    login(preparateur_n).post(detail_url(rejection, "resolve"), {"outcome": "autre_payeur"})
    rejection.refresh_from_db()
    assert rejection.status == S.CLAIMED
    assert RejectionEvent.objects.get(rejection=rejection, to_status=S.CLAIMED).text == "Envoyé à l'autre payeur (AMO)"


@pytest.mark.parametrize(
    "data, message",
    [
        ({"outcome": "refacture", "new_invoice_number": "12345"}, "9 chiffres"),
        ({"outcome": "perte", "write_off_reason": "  "}, "motif de la perte"),
        ({"outcome": "n_importe_quoi"}, "Sélectionnez un choix valide"),
    ],
)
def test_bad_input_changes_nothing_and_says_why_in_french(login, preparateur_n, rejection_n, data, message):
    response = login(preparateur_n).post(detail_url(rejection_n, "resolve"), {**data, "ligne": "1"}, **HTMX)
    assert response.status_code == 200 and message in response.content.decode()
    rejection_n.refresh_from_db()
    assert (rejection_n.status, rejection_n.assignee) == (S.TO_HANDLE, None)
    assert not RejectionEvent.objects.exists()


def test_an_already_handled_rejection_is_not_handled_twice(login, preparateur_n, rejection_n):
    client = login(preparateur_n)
    client.post(detail_url(rejection_n, "resolve"), {"outcome": "autre_payeur"})
    response = client.post(detail_url(rejection_n, "resolve"), {"outcome": "perte", "write_off_reason": "x"}, follow=True)
    assert "déjà traité" in response.content.decode()
    rejection_n.refresh_from_db()
    assert rejection_n.status == S.CLAIMED


def test_staff_under_total_delegation_cannot_resolve(login, preparateur_a, rejection_a):
    client = login(preparateur_a)
    assert "Traiter</summary>" not in client.get(list_url(rejection_a.pharmacy)).content.decode()
    client.post(detail_url(rejection_a, "resolve"), {"outcome": "perte", "write_off_reason": "x"})
    rejection_a.refresh_from_db()
    assert rejection_a.status == S.TO_HANDLE


# --- the way back -------------------------------------------------------------------


def test_the_worklist_links_each_file_back_to_the_filtered_list(login, preparateur_n, rejection_n):
    """The filters come back; the patient search does not travel in the link (issue 18)."""
    body = login(preparateur_n).get(
        list_url(rejection_n.pharmacy) + "?q=MARTIN&tri=-montant&categorie="
    ).content.decode()
    back = list_url(rejection_n.pharmacy) + "?tri=-montant"
    assert f'{detail_url(rejection_n)}?retour={quote(back, safe="")}"' in body


def test_the_file_leads_back_where_the_person_came_from(login, preparateur_n, rejection_n):
    client = login(preparateur_n)
    back = list_url(rejection_n.pharmacy) + "?q=MARTIN&tri=-montant"
    body = client.get(detail_url(rejection_n), {"retour": back}).content.decode()
    assert f'<a href="{back.replace("&", "&amp;")}">← Rejets de' in body
    response = client.post(detail_url(rejection_n, "resolve"), {"outcome": "perte", "write_off_reason": "Perdu", "retour": back})
    assert response.status_code == 302 and response["Location"] == back
    # Without HTMX, the file's other actions come back to the file, keeping the way back.
    other = RejectionFactory(claim=ClaimFactory(pharmacy=rejection_n.pharmacy))
    response = client.post(detail_url(other, "change_status"), {"to_status": "in_progress", "retour": back})
    assert response["Location"] == f"{detail_url(other)}?retour={quote(back, safe='')}"


@pytest.mark.parametrize(
    "retour",
    ["https://evil.example/", "//evil.example/rejets/", "/\\evil.example/", "http://testserver/x", "javascript:alert(1)", "rejets/"],
)
def test_a_way_back_off_this_site_is_ignored(login, preparateur_n, rejection_n, retour):
    client = login(preparateur_n)
    body = client.get(detail_url(rejection_n), {"retour": retour}).content.decode()
    assert "evil" not in body and "javascript:" not in body
    assert f'<a href="{list_url(rejection_n.pharmacy)}">← Rejets de' in body
    response = client.post(detail_url(rejection_n, "resolve"), {"outcome": "perte", "write_off_reason": "x", "retour": retour})
    assert response["Location"] == list_url(rejection_n.pharmacy)


def test_the_file_offers_each_end_once(login, preparateur_n, rejection_n):
    client = login(preparateur_n)
    client.post(detail_url(rejection_n, "change_status"), {"to_status": "in_progress"})
    body = client.get(detail_url(rejection_n)).content.decode()
    assert "Traiter ce rejet" in body
    assert body.count('name="new_invoice_number"') == 1 and body.count('name="write_off_reason"') == 1
    assert "Réclamé à l&#x27;organisme" in body and "Remettre à traiter" in body  # the other steps stay
