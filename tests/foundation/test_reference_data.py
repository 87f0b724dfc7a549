"""The catalogue and the payers are in the database after migrate."""

from claims.models import Organism, PayerKind
from pharmacies.identifiers import AMC_NUMBER_SHAPE, AMO_CODE_SHAPE
from rejections.models import ReasonCategory, RejectionReason


def test_the_reason_catalogue_is_loaded_with_advice_for_every_code(db):
    reasons = RejectionReason.objects.all()
    assert reasons.count() >= 40
    assert reasons.filter(payer_kind=PayerKind.AMO).exists()
    assert reasons.filter(payer_kind=PayerKind.AMC).exists()
    assert not reasons.filter(advice_fix="").exists()
    assert not reasons.filter(advice_prevent="").exists()
    valid = {choice for choice, _ in ReasonCategory.choices}
    assert set(reasons.values_list("category", flat=True)) <= valid


def test_the_catalogue_speaks_of_the_counter_checklist(db):
    advice = " ".join(RejectionReason.objects.values_list("advice_prevent", flat=True))
    for words in ("moins de 3 mois", "carte Vitale", "code de télétransmission", "6 mois"):
        assert words in advice


def test_reference_organisms_have_valid_codes(db):
    amo = Organism.objects.filter(kind=PayerKind.AMO)
    amc = Organism.objects.filter(kind=PayerKind.AMC)
    assert amo.count() >= 90 and amc.count() >= 24
    assert all(AMO_CODE_SHAPE.match(code) for code in amo.values_list("code", flat=True))
    assert all(AMC_NUMBER_SHAPE.match(code) for code in amc.values_list("code", flat=True))
