"""The daily e-mail digest: what changed since yesterday in the pharmacies a person sees.

For each pharmacy of `visible_pharmacies(user)` (a manager's: their pharmacies): the
rejections opened since yesterday 00:00 (invoice number, reason, amount, a link), the
money at risk today (`reports.figures`, the dashboards' one definition), the files late
beyond their rhythm (`claims.expected_files`), a night that failed, the imports waiting
for a confirmation. No patient data: invoice numbers are the only thing naming a claim
(an import is named by its kind and date, not its file name, which the pharmacy chose).

Sent once per person and day: the run row `reports.DailyDigest`, claimed by
compare-and-swap with a lease (as `reports.services.report_claim`). A digest is sent even
when nothing happened: "rien de nouveau" says the pipeline is alive, silence would not.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field

from django.conf import settings
from django.core.mail import EmailMessage
from django.db.models import Q, QuerySet
from django.db.models.functions import Now
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from claims.expected_files import LateFile, open_expected_file_alerts
from claims.models import ImportBatch
from pharmacies.access import visible_pharmacies
from pharmacies.models import JobRun, Pharmacy, User
from pharmacies.row_security import database_scope
from rejections.models import Rejection
from reports.figures import Amount, money_figures_by_pharmacy
from reports.models import DailyDigest
from reports.services import lease_end

logger = logging.getLogger(__name__)

# The e-mail lists this many new rejections per pharmacy; the link to the list has them all.
REJECTIONS_LISTED = 20


@dataclass(frozen=True)
class DigestRejection:
    invoice_number: str
    reason: str
    amount: object  # Decimal
    url: str


@dataclass
class PharmacyDigest:
    pharmacy: Pharmacy
    url: str
    at_risk: Amount
    rejections_url: str
    new_rejections: list[DigestRejection] = field(default_factory=list)
    new_rejections_count: int = 0
    late_files: list[LateFile] = field(default_factory=list)
    failed_night: bool = False
    waiting_imports: list[tuple[str, dt.datetime, str]] = field(default_factory=list)  # kind label, date, url

    @property
    def has_news(self) -> bool:
        return bool(self.new_rejections_count or self.late_files or self.failed_night or self.waiting_imports)


def _link(name: str, *args) -> str:
    return settings.SITE_URL.rstrip("/") + reverse(name, args=args)


def digest_window(day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """Yesterday 00:00 → today 00:00 (Paris time): consecutive digests cover every instant once."""
    start = timezone.make_aware(dt.datetime.combine(day - dt.timedelta(days=1), dt.time.min))
    return start, start + dt.timedelta(days=1)


def digest_content(*, pharmacies: QuerySet[Pharmacy], day: dt.date) -> list[PharmacyDigest]:
    """The digest of these pharmacies (already the access rule's set) for `day`: a fixed
    number of queries whatever the number of pharmacies."""
    start, stop = digest_window(day)
    pharmacies = pharmacies.order_by("name")
    money = money_figures_by_pharmacy(pharmacies=pharmacies, day=day)
    late = open_expected_file_alerts(pharmacies=pharmacies)
    digests = {
        p.pk: PharmacyDigest(
            pharmacy=p, url=_link("pharmacies:dashboard", p.pk), at_risk=money[p.pk].at_risk,
            rejections_url=_link("rejections:list", p.pk), late_files=late.get(p.pk, []),
        )
        for p in pharmacies
    }
    rejections = (
        Rejection.objects.filter(pharmacy__in=pharmacies, created_at__gte=start, created_at__lt=stop)
        .order_by("pharmacy_id", "-amount", "pk")
        .values_list("pharmacy_id", "pk", "claim__invoice_number", "reason__label", "amount")
    )
    for pharmacy_id, pk, invoice, reason, amount in rejections:
        digest = digests[pharmacy_id]
        digest.new_rejections_count += 1
        if len(digest.new_rejections) < REJECTIONS_LISTED:
            digest.new_rejections.append(
                DigestRejection(invoice, reason, amount, _link("rejections:detail", pharmacy_id, pk))
            )
    failed = JobRun.objects.filter(
        pharmacy__in=pharmacies, job=JobRun.Job.NIGHTLY, state=JobRun.State.FAILED,
        period__in=[(day - dt.timedelta(days=1)).isoformat(), day.isoformat()],
    ).values_list("pharmacy_id", flat=True)
    for pharmacy_id in failed:
        digests[pharmacy_id].failed_night = True
    kinds = dict(ImportBatch.Kind.choices)
    waiting = ImportBatch.objects.filter(
        pharmacy__in=pharmacies, status=ImportBatch.Status.PREVIEW
    ).order_by("pharmacy_id", "created_at").values_list("pharmacy_id", "pk", "kind", "created_at")
    for pharmacy_id, pk, kind, created_at in waiting:
        digests[pharmacy_id].waiting_imports.append(
            (kinds.get(kind, kind), created_at, _link("claims:batch", pharmacy_id, pk)),
        )
    return list(digests.values())


def digest_mail(*, user: User, day: dt.date, pharmacies: list[PharmacyDigest]) -> None:
    context = {"user": user, "day": day, "pharmacies": pharmacies,
               "account_url": _link("account_security"),
               "news": any(p.has_news for p in pharmacies)}
    EmailMessage(
        subject=f"Tiers-payant : résumé du {day:%d/%m/%Y}",
        body=render_to_string("reports/daily_digest.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[user.email],
    ).send()


def digest_claim(*, user_id: int, day: dt.date) -> DailyDigest | None:
    """Create the run row if missing, then move it to `sending` if it is pending, failed,
    or left sending past its lease. One UPDATE: exactly one caller wins."""
    DailyDigest.objects.get_or_create(user_id=user_id, day=day)
    row = DailyDigest.objects.filter(user_id=user_id, day=day)
    claimable = Q(state__in=[DailyDigest.State.PENDING, DailyDigest.State.FAILED]) | Q(
        state=DailyDigest.State.SENDING, lease_until__lt=Now()
    )
    if not row.filter(claimable).update(
        state=DailyDigest.State.SENDING, claimed_at=Now(), lease_until=lease_end(), error=""
    ):
        return None
    return row.get()


def digest_send(*, user_id: int, day: dt.date) -> bool:
    """Send the person's digest for `day` once; False when another run owns or sent it."""
    run = digest_claim(user_id=user_id, day=day)
    if run is None:
        return False
    ours = DailyDigest.objects.filter(pk=run.pk, state=DailyDigest.State.SENDING, claimed_at=run.claimed_at)
    try:
        user = User.objects.get(pk=user_id)
        # Asked for it when the morning's list was made, but perhaps not any more.
        if not user.email or not user.is_active or not user.wants_daily_digest:
            ours.update(state=DailyDigest.State.SENT, stats={"skipped": True})
            return False
        pharmacies = visible_pharmacies(user)
        # The task sees the person's pharmacies and no others (row-level security).
        with database_scope(pharmacies):
            content = digest_content(pharmacies=pharmacies, day=day)
        digest_mail(user=user, day=day, pharmacies=content)
        ours.update(state=DailyDigest.State.SENT, sent_at=Now(), stats={
            "pharmacies": len(content),
            "new_rejections": sum(p.new_rejections_count for p in content),
            "late_files": sum(len(p.late_files) for p in content),
            "waiting_imports": sum(len(p.waiting_imports) for p in content),
        })
    except Exception as error:
        ours.update(state=DailyDigest.State.FAILED, error=repr(error)[:2000])
        raise
    return True
