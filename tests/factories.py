"""factory-boy factories for the whole project: one place to build test data."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import factory
from factory.django import DjangoModelFactory

from backoffice.models import ManagerAssignment
from claims.models import Claim, Organism, PayerKind, ReturnLine, ReturnStatus
from payments.models import BankAccount, BankLine, PaymentSlip
from pharmacies.identifiers import luhn_is_valid
from pharmacies.models import DelegationMode, Pharmacy, StaffMember, StaffRole, User
from rejections.models import Fault, ReasonCategory, Rejection, RejectionReason

TEST_PASSWORD = "motdepasse-de-test-solide"


def finess_for(sequence: int) -> str:
    """A FINESS in Rhône (69) with a valid Luhn check digit."""
    stem = f"69{sequence:06d}"
    for digit in "0123456789":
        if luhn_is_valid(stem + digit):
            return stem + digit
    raise AssertionError("unreachable")


class PharmacyFactory(DjangoModelFactory):
    class Meta:
        model = Pharmacy

    finess = factory.Sequence(lambda n: finess_for(1000 + n))
    name = factory.Sequence(lambda n: f"Pharmacie du Test {n}")
    city = "Lyon"
    delegation_mode = DelegationMode.NONE


class UserFactory(DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.test")
    first_name = "Camille"
    last_name = factory.Sequence(lambda n: f"Martin{n}")
    kind = User.Kind.PHARMACY
    password = factory.PostGenerationMethodCall("set_password", TEST_PASSWORD)

    @factory.post_generation
    def persist(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class StaffMemberFactory(DjangoModelFactory):
    class Meta:
        model = StaffMember

    pharmacy = factory.SubFactory(PharmacyFactory)
    user = factory.SubFactory(UserFactory)
    first_name = factory.LazyAttribute(lambda s: s.user.first_name if s.user else "Alex")
    last_name = factory.LazyAttribute(lambda s: s.user.last_name if s.user else "Durand")
    role = StaffRole.PREPARATEUR
    operator_code = factory.Sequence(lambda n: f"OP{n:03d}")


class ManagerAssignmentFactory(DjangoModelFactory):
    class Meta:
        model = ManagerAssignment

    pharmacy = factory.SubFactory(PharmacyFactory, delegation_mode=DelegationMode.TOTAL)
    manager = factory.SubFactory(UserFactory, kind=User.Kind.MANAGER)


class OrganismFactory(DjangoModelFactory):
    class Meta:
        model = Organism
        django_get_or_create = ("kind", "code")

    kind = PayerKind.AMO
    code = factory.Sequence(lambda n: f"99691{n:04d}")  # régime 99: never a reference code
    name = factory.Sequence(lambda n: f"CPAM DU RHONE {n}")
    usual_delay_days = 4


class ClaimFactory(DjangoModelFactory):
    class Meta:
        model = Claim

    pharmacy = factory.SubFactory(PharmacyFactory)
    invoice_number = factory.Sequence(lambda n: f"{100000000 + n}")
    payer_kind = PayerKind.AMO
    organism = factory.SubFactory(OrganismFactory)
    care_date = dt.date(2026, 10, 5)
    transmission_date = dt.date(2026, 10, 6)
    patient_name = factory.Sequence(lambda n: f"DUPONT Jeanne{n}")
    nir = "2850769123456"
    nir_key = "52"
    amount_claimed = Decimal("32.50")
    operator_code = "OP001"


class ReasonFactory(DjangoModelFactory):
    class Meta:
        model = RejectionReason
        django_get_or_create = ("payer_kind", "code")

    code = factory.Sequence(lambda n: f"9999 {n:03d}")  # never a catalogue code
    payer_kind = PayerKind.AMO
    label = "DROITS AMO FERMES A LA DATE DES SOINS"
    category = ReasonCategory.AMO_RIGHTS
    fault = Fault.COUNTER
    advice_fix = "Vérifier les droits en ligne puis refacturer."
    advice_prevent = "Mettre la carte Vitale à jour à chaque passage."
    avoidable_at_counter = True


class RejectionFactory(DjangoModelFactory):
    class Meta:
        model = Rejection

    claim = factory.SubFactory(ClaimFactory)
    pharmacy = factory.LazyAttribute(lambda r: r.claim.pharmacy)
    reason = factory.SubFactory(ReasonFactory)
    amount = factory.LazyAttribute(lambda r: r.claim.amount_claimed)
    rejected_on = dt.date(2026, 10, 12)
    claim_sent_on = factory.LazyAttribute(lambda r: r.claim.transmission_date)


class PaymentSlipFactory(DjangoModelFactory):
    class Meta:
        model = PaymentSlip

    pharmacy = factory.SubFactory(PharmacyFactory)
    organism = factory.SubFactory(OrganismFactory)
    reference = factory.Sequence(lambda n: f"BRD{n:08d}")
    payment_date = dt.date(2026, 10, 10)
    total = Decimal("100.00")
    line_count = 1


class ReturnLineFactory(DjangoModelFactory):
    class Meta:
        model = ReturnLine

    claim = factory.SubFactory(ClaimFactory)
    pharmacy = factory.LazyAttribute(lambda r: r.claim.pharmacy)
    invoice_number = factory.LazyAttribute(lambda r: r.claim.invoice_number)
    payer_kind = factory.LazyAttribute(lambda r: r.claim.payer_kind)
    organism = factory.LazyAttribute(lambda r: r.claim.organism)
    status = ReturnStatus.PAID
    amount_paid = factory.LazyAttribute(lambda r: r.claim.amount_claimed)
    return_date = dt.date(2026, 10, 9)


class BankAccountFactory(DjangoModelFactory):
    class Meta:
        model = BankAccount

    pharmacy = factory.SubFactory(PharmacyFactory)
    account_id = factory.Sequence(lambda n: f"FR76300020134000000{n:05d}")


class BankLineFactory(DjangoModelFactory):
    class Meta:
        model = BankLine

    account = factory.SubFactory(BankAccountFactory)
    pharmacy = factory.LazyAttribute(lambda b: b.account.pharmacy)
    natural_key = factory.Sequence(lambda n: f"REF{n:010d}")
    booking_date = dt.date(2026, 10, 12)
    amount = Decimal("100.00")
    label = "VIR SEPA RECU /DE CPAM DU RHONE"
    # As the import's sort would say of such a line (payments/classification.py); a
    # test of the sort itself passes kind="" and runs it.
    kind = factory.LazyAttribute(lambda b: "insurer" if b.amount > 0 else "other_debit")
    kind_source = factory.LazyAttribute(lambda b: "payer" if b.kind == "insurer" else "sign" if b.kind else "")
