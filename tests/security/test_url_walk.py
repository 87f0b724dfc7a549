"""Every URL of the project, walked by outsiders with another pharmacy's ids (issue 9).

Pharmacy A holds one object of every kind. The outsiders — the manager of C and
the titulaire of C — request every URL pattern, with A's ids under A's URL and
under their own pharmacy's URL, as a page, as an HTMX partial and as a POST.
Nothing may answer other than 404/403/405 or a redirect to the login page, and
no page they can open may show A's data.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.files.base import ContentFile
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from backoffice.models import LetterTemplate, Reminder
from claims.models import ImportBatch
from payments.models import BankRule, MatchProposal, Reconciliation
from pharmacies.api_tokens import API_PATH_PREFIX, api_token_create
from pharmacies.models import StaffRole
from rejections.models import Attachment
from reports.models import MonthlyReport
from tests.factories import (
    BankLineFactory,
    ClaimFactory,
    PaymentSlipFactory,
    RejectionFactory,
    StaffMemberFactory,
)
from tests.sessions import two_factor_pass

VICTIM_PATIENT = "VICTIMEPATIENT Alice"
# Not tenant data, or not reachable with ids: authentication pages and the admin.
SKIPPED_PREFIXES = ("admin/", "comptes/")
ALLOWED = {403, 404, 405}
NOT_OBJECT_IDS = {"pharmacy_id", "kind", "template_id"}


def url_patterns(patterns=None, prefix="", namespace="", params=frozenset()):
    """(route, name, its URL parameters) for every named pattern, includes unfolded."""
    for pattern in patterns if patterns is not None else get_resolver().url_patterns:
        found = params | set(pattern.pattern.converters)
        if isinstance(pattern, URLResolver):
            inner = namespace + (f"{pattern.namespace}:" if pattern.namespace else "")
            yield from url_patterns(pattern.url_patterns, prefix + str(pattern.pattern), inner, found)
        elif isinstance(pattern, URLPattern) and pattern.name:
            yield prefix + str(pattern.pattern), namespace + pattern.name, found


@pytest.fixture
def victim_world(pharmacy_a, titulaire_a, tmp_path, settings):
    """One object of every kind in pharmacy A."""
    settings.MEDIA_ROOT = tmp_path
    claim = ClaimFactory(pharmacy=pharmacy_a, patient_name=VICTIM_PATIENT)
    rejection = RejectionFactory(claim=claim)
    attachment = Attachment(
        pharmacy=pharmacy_a, rejection=rejection, original_name="ordonnance.pdf",
        content_type="application/pdf", size_bytes=8,
    )
    attachment.file.save("ordonnance.pdf", ContentFile(b"%PDF-1.4"), save=True)
    line = BankLineFactory(account__pharmacy=pharmacy_a)
    slip = PaymentSlipFactory(pharmacy=pharmacy_a, organism=claim.organism)
    reconciliation = Reconciliation.objects.create(
        pharmacy=pharmacy_a, slip=slip, bank_line=line, amount=Decimal("100.00"), source="manual"
    )
    proposal = MatchProposal.objects.create(
        pharmacy=pharmacy_a, bank_line=line, slip_ids=[slip.pk], amount=Decimal("100.00"), date_gap_days=1
    )
    batch = ImportBatch.objects.create(
        pharmacy=pharmacy_a, kind="claims", file_name="factures.csv", sha256="0" * 64
    )
    report = MonthlyReport.objects.create(pharmacy=pharmacy_a, month=dt.date(2026, 10, 1))
    reminder = Reminder.objects.create(
        pharmacy=pharmacy_a, organism=claim.organism, sent_on=dt.date(2026, 11, 2),
        next_on=dt.date(2026, 11, 17), total=Decimal("32.50"),
    )
    template = LetterTemplate.objects.first() or LetterTemplate.objects.create(
        name="Relance", subject="Relance", body="Factures impayées."
    )
    staff = titulaire_a.staff_member
    rule = BankRule.objects.create(pharmacy=pharmacy_a, pattern="REMISE TPE", kind="card")
    token, _ = api_token_create(pharmacy=pharmacy_a, user=titulaire_a, name="Poste A")
    return {
        "rule_id": rule.pk, "token_id": token.pk,
        "pharmacy_id": pharmacy_a.pk, "pk": rejection.pk, "attachment_id": attachment.pk,
        "staff_id": staff.pk, "report_id": report.pk, "proposal_id": proposal.pk,
        "bank_line_id": line.pk, "reconciliation_id": reconciliation.pk, "batch_id": batch.pk,
        "reminder_id": reminder.pk, "template_id": template.pk, "kind": "rejets",
        "organism_id": claim.organism_id,
    }


@pytest.fixture
def titulaire_c(pharmacy_c):
    return StaffMemberFactory(pharmacy=pharmacy_c, role=StaffRole.TITULAIRE, user__username="titulaire_c").user


def test_every_url_is_closed_to_outsiders(client, victim_world, pharmacy_a, pharmacy_c, manager_c, titulaire_c):
    walked, leaks = 0, []
    for outsider in (manager_c, titulaire_c):
        client.force_login(outsider)
        two_factor_pass(client, outsider)
        for route, name, params in url_patterns():
            if route.startswith(SKIPPED_PREFIXES):
                continue
            unknown = params - set(victim_world)
            assert not unknown, f"{name}: the walk does not know how to fill {unknown}"
            variants = []
            if "pharmacy_id" in params:
                ids = {key: victim_world[key] for key in params}
                variants.append(ids)  # A's URL, A's ids
                if params - NOT_OBJECT_IDS:
                    variants.append(ids | {"pharmacy_id": pharmacy_c.pk})  # own URL, A's ids
            elif params - {"template_id"}:
                variants.append({key: victim_world[key] for key in params})
            for kwargs in variants:
                url = reverse(name, kwargs=kwargs)
                for response in (
                    client.get(url),
                    client.get(url, headers={"HX-Request": "true"}),
                    client.post(url, {}),
                ):
                    walked += 1
                    redirected_to_login = response.status_code == 302 and response["Location"].startswith(
                        reverse("login")
                    )
                    # The API's "log in first": a token is asked for, whatever the session.
                    if url.startswith(API_PATH_PREFIX) and response.status_code == 401:
                        redirected_to_login = response["WWW-Authenticate"].startswith("Bearer")
                    if response.status_code not in ALLOWED and not redirected_to_login:
                        leaks.append((outsider.username, url, response.request["REQUEST_METHOD"], response.status_code))
            if not params or params == {"template_id"}:
                url = reverse(name, kwargs={k: victim_world[k] for k in params})
                response = client.get(url)
                body = response.content.decode(errors="replace") if response.status_code == 200 else ""
                if pharmacy_a.name in body or VICTIM_PATIENT in body:
                    leaks.append((outsider.username, url, "GET", "shows pharmacy A's data"))
    assert walked > 100
    assert leaks == []


def test_the_walk_can_see_a_leak(client, victim_world, pharmacy_a, manager_a):
    """The check above is not vacuous: the manager of A does open A's pages."""
    client.force_login(manager_a)
    two_factor_pass(client, manager_a)
    assert client.get(reverse("rejections:detail", args=[pharmacy_a.pk, victim_world["pk"]])).status_code == 200
    assert VICTIM_PATIENT in client.get(reverse("rejections:list", args=[pharmacy_a.pk])).text
