"""A login's e-mail is its key: it never changes on someone else's word; new staff are invited
(issue 18, item 5)."""

import re

from django.contrib.admin.models import LogEntry
from django.core import mail
from django.urls import reverse

from pharmacies.models import StaffMember
from tests.factories import TEST_PASSWORD


def _edit(client, pharmacy, member, **changes):
    data = {"first_name": member.first_name, "last_name": member.last_name, "role": member.role,
            "operator_code": member.operator_code, "active": "on", **changes}
    return client.post(reverse("pharmacies:staff_edit", args=[pharmacy.pk, member.pk]), data)


def _link(message) -> str:
    return re.search(r"https?://\S+", message.body).group(0)


def test_a_titulaire_cannot_take_over_a_colleagues_login_by_changing_its_email(
    client, login, titulaire_n, preparateur_n, pharmacy_n, django_capture_on_commit_callbacks
):
    preparateur_n.email = "lucie@pharmacie.test"
    preparateur_n.save()
    titulaire = login(titulaire_n)
    with django_capture_on_commit_callbacks(execute=True):
        _edit(titulaire, pharmacy_n, preparateur_n.staff_member, email="titulaire@perso.test")
    preparateur_n.refresh_from_db()
    assert preparateur_n.email == "lucie@pharmacie.test"  # unchanged until Lucie confirms
    to_new, to_old = sorted(mail.outbox, key=lambda m: m.to[0] != "titulaire@perso.test")
    assert to_old.to == ["lucie@pharmacie.test"] and "titulaire@perso.test" in to_old.body

    # The titulaire holds the link (it went to their address) but is not Lucie.
    titulaire.post(_link(to_new))
    preparateur_n.refresh_from_db()
    assert preparateur_n.email == "lucie@pharmacie.test"

    # A reset asked now still goes to Lucie's own address.
    mail.outbox.clear()
    client.post(reverse("password_reset"), {"email": "titulaire@perso.test"})
    assert mail.outbox == []
    assert LogEntry.objects.filter(change_message__contains="Changement d'e-mail demandé").exists()


def test_the_person_confirms_a_new_address_signed_in_as_themself(
    login, titulaire_n, preparateur_n, pharmacy_n, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        _edit(login(titulaire_n), pharmacy_n, preparateur_n.staff_member, email="lucie.perrin@example.test")
    link = _link(next(m for m in mail.outbox if m.to == ["lucie.perrin@example.test"]))
    lucie = login(preparateur_n)
    assert "Confirmer ma nouvelle adresse" in lucie.get(link).text
    lucie.post(link)
    preparateur_n.refresh_from_db()
    assert preparateur_n.email == "lucie.perrin@example.test"
    assert LogEntry.objects.filter(change_message__startswith="Nouvel e-mail confirmé").exists()


def test_new_staff_get_an_invitation_that_sets_their_password(
    client, login, titulaire_n, pharmacy_n, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        login(titulaire_n).post(
            reverse("pharmacies:staff_create", args=[pharmacy_n.pk]),
            {"first_name": "Léa", "last_name": "Bernard", "role": "preparateur", "operator_code": "LB",
             "active": "on", "username": "lea.bernard", "email": "lea@example.test"},
        )
    invitation = mail.outbox[-1]
    assert invitation.to == ["lea@example.test"] and "lea.bernard" in invitation.body
    form_page = client.get(_link(invitation), follow=True)
    client.post(form_page.redirect_chain[-1][0], {"new_password1": TEST_PASSWORD, "new_password2": TEST_PASSWORD})
    user = StaffMember.objects.get(operator_code="LB").user
    user.refresh_from_db()
    assert user.has_usable_password() and user.check_password(TEST_PASSWORD)


def test_staff_changes_go_to_the_audit_trail_with_who_made_them(login, titulaire_n, preparateur_n, pharmacy_n):
    member = preparateur_n.staff_member
    _edit(login(titulaire_n), pharmacy_n, member, role="adjoint")
    event = member.audit_events.exclude(pgh_label="insert").get()
    assert event.role == "preparateur"  # the row as it was before the change
    assert event.pgh_context["user"] == titulaire_n.pk
