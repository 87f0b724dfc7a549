import datetime as dt

from pharmacies.models import Pharmacy
from reports.statistics import rejection_rates_by_month
from tests.factories import ClaimFactory, PharmacyFactory, RejectionFactory


def test_rejection_rate_counts_each_rejected_claim_once_per_transmission_month(db):
    pharmacy = PharmacyFactory()
    other = PharmacyFactory()
    october = [ClaimFactory(pharmacy=pharmacy, transmission_date=dt.date(2026, 10, d)) for d in (1, 2, 3, 4)]
    ClaimFactory(pharmacy=pharmacy, transmission_date=dt.date(2026, 9, 30))
    RejectionFactory(claim=october[0])
    RejectionFactory(claim=october[0])  # rejected twice: still one rejected claim
    RejectionFactory(claim=october[1])
    ClaimFactory(pharmacy=other, transmission_date=dt.date(2026, 10, 5))

    rates = rejection_rates_by_month(
        pharmacies=Pharmacy.objects.filter(pk=pharmacy.pk),
        first_month=dt.date(2026, 8, 1),
        last_month=dt.date(2026, 10, 1),
    )

    assert list(rates) == [pharmacy.pk]
    august, september, october_rate = rates[pharmacy.pk]
    assert (august.claims, august.rejected, august.rate) == (0, 0, None)
    assert (september.claims, september.rejected) == (1, 0)
    assert (october_rate.claims, october_rate.rejected, october_rate.rate) == (4, 2, 0.5)
