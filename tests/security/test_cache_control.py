"""Health data does not stay in a browser's or a proxy's cache (issue 18, item 6)."""

import pytest
from django.urls import reverse


@pytest.mark.parametrize(
    "page",
    [
        lambda pharmacy: reverse("pharmacies:dashboard", args=[pharmacy.pk]),
        lambda pharmacy: reverse("rejections:list", args=[pharmacy.pk]),
        lambda pharmacy: reverse("reports:export", args=[pharmacy.pk, "rejets"]),
    ],
    ids=["dashboard", "worklist", "excel-export"],
)
def test_every_page_for_a_signed_in_person_is_private_and_not_stored(login, titulaire_a, pharmacy_a, page):
    response = login(titulaire_a).get(page(pharmacy_a))
    assert response.status_code == 200
    directives = {d.strip() for d in response["Cache-Control"].split(",")}
    assert {"private", "no-store"} <= directives

