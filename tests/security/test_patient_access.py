"""Access to a patient's data is logged (issue 9, item 5)."""

from django.urls import reverse

from claims.models import PatientDataAccess
from tests.factories import RejectionFactory


def test_opening_a_rejection_logs_who_saw_the_patient(login, titulaire_a, manager_a, pharmacy_a):
    rejection = RejectionFactory(claim__pharmacy=pharmacy_a)
    url = reverse("rejections:detail", args=[pharmacy_a.pk, rejection.pk])

    login(titulaire_a).get(url)
    login(manager_a).get(url, headers={"HX-Request": "true"})

    logged = list(PatientDataAccess.objects.order_by("pk").values_list("user__username", "claim", "pharmacy", "page"))
    assert logged == [
        ("titulaire_a", rejection.claim_id, pharmacy_a.pk, "rejections:detail"),
        ("manager_a", rejection.claim_id, pharmacy_a.pk, "rejections:detail"),
    ]


def test_a_refused_access_logs_nothing(login, manager_c, pharmacy_a):
    rejection = RejectionFactory(claim__pharmacy=pharmacy_a)
    response = login(manager_c).get(reverse("rejections:detail", args=[pharmacy_a.pk, rejection.pk]))
    assert response.status_code == 404
    assert not PatientDataAccess.objects.exists()
