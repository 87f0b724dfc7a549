"""Month-by-month generation of one pharmacy's claims, returns, bank statement and truth."""

from __future__ import annotations

import json
import math
import os
import zlib
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from random import Random
from typing import Any

from claims.reference import OPERATORS, OrganismEntry, ascii_upper
from core.periods import last_of_month
from rejections.catalogue import REASONS, REJECTION_CATEGORIES, ReasonEntry

from .bank import Account, Movement, camt_statement, cfonb_statement, ofx_statement
from .calendar import BankCalendar, is_bank_day
from .population import Patient, Pharmacy, Weighted

# --- The model's numbers (see docs/decisions.md, "Synthetic data") ------------------
DISPENSATIONS_PER_MONTH = 2100
P_AMO_ONLY = 0.07  # dispensations covered 100 % by the AMO (ALD, maternité, AT...)
AMO_RATES = Weighted((0.65, 0.70, 0.30, 0.15), (55, 15, 20, 10))
P_REJECT = 0.026  # per claim, before the operator's factor
P_SILENT = {"AMO": 0.023, "AMC": 0.043, "AMC_SMALL": 0.07}  # never answered
SILENT_MARGIN_DAYS = 30  # silent = no return after the usual delay + this margin
P_PARTIAL = 0.015  # of paid claims
P_INDU = 0.002  # of paid claims of large payers: recovered 20-80 days later
REINVOICE = {  # share of rejections of a category corrected and re-sent
    "amo_rights": 0.55, "amc_rights": 0.5, "patient_identification": 0.95, "prescriber": 0.9,
    "pricing": 0.7, "duplicate": 0.0, "technical": 0.95, "supporting_documents": 0.9,
}
LOT_SIZE = 50  # invoices per lot, as SESAM-Vitale lots hold

FACTURES_HEADER = ("finess;facture;lot;date_soins;date_transmission;nir;rang;patient;payeur;"
                   "organisme;organisme_nom;montant;operateur;prescripteur")
RETOURS_HEADER = ("finess;facture;payeur;organisme;statut;montant_paye;code_rejet;"
                  "libelle_rejet;bordereau;date_paiement;date_retour")


def _reason_pickers() -> tuple[dict, dict, dict]:
    counter: dict[str, Weighted] = {}
    other: dict[str, Weighted] = {}
    counter_share: dict[str, float] = {}
    for kind in ("AMO", "AMC"):
        rejecting = [r for r in REASONS
                     if r.payer_kind == kind and r.category in REJECTION_CATEGORIES]
        c = [r for r in rejecting if r.fault == "counter"]
        o = [r for r in rejecting if r.fault != "counter"]
        counter[kind] = Weighted(c, [r.weight for r in c])
        other[kind] = Weighted(o, [r.weight for r in o])
        counter_share[kind] = counter[kind].total / (counter[kind].total + other[kind].total)
    return counter, other, counter_share


COUNTER_REASONS, OTHER_REASONS, COUNTER_SHARE = _reason_pickers()
PARTIAL_REASON = {r.payer_kind: r for r in REASONS if r.code in ("0450 305", "401")}
RECOVERY_REASON = {
    kind: Weighted(rs, [r.weight for r in rs])
    for kind in ("AMO", "AMC")
    for rs in [[r for r in REASONS if r.payer_kind == kind and r.category == "recovery"]]
}


def cents(value: int) -> str:
    """'1234,56' — French decimal comma, as LGO exports write it."""
    sign = "-" if value < 0 else ""
    return f"{sign}{abs(value) // 100},{abs(value) % 100:02d}"


def dotted(value: int) -> str:
    """'1234.56' — the truth files' amount strings."""
    sign = "-" if value < 0 else ""
    return f"{sign}{abs(value) // 100}.{abs(value) % 100:02d}"


def month_end(year: int, month: int) -> date:
    return last_of_month(date(year, month, 1))


@dataclass(slots=True)
class Claim:
    facture: str
    lot: str
    care: date
    sent: date
    patient: Patient
    payer: OrganismEntry
    amount: int
    operator: str
    rpps: str
    reinvoice_of: str = ""


@dataclass(slots=True)
class Outage:
    operator: str
    first: date
    last: date


def outages_for(seed: int, months: list[tuple[int, int]], calendar: BankCalendar) -> list[Outage]:
    """One outage of a few bank days per calendar year, for one operator, shared by
    all pharmacies (it is the operator that is down), inside the generated months."""
    outages = []
    for year in sorted({y for y, _ in months}):
        in_year = [m for y, m in months if y == year]
        rng = Random(f"synthetic:{seed}:outage:{year}")
        month = rng.choice(in_year)
        days = [d for d in calendar.days if d.year == year and d.month == month]
        first = rng.choice(days[:-3] or days)
        outages.append(Outage(rng.choice(OPERATORS), first, calendar.add(first, rng.randint(3, 7))))
    return outages


def _style(payer: OrganismEntry) -> int:
    """A stable per-payer choice of how its transfers are labelled (0-9)."""
    return zlib.crc32(payer.code.encode()) % 10


class PharmacyGenerator:
    """Generates one pharmacy, month after month, keeping only what spills over."""

    def __init__(self, pharmacy: Pharmacy, *, seed: int, months: list[tuple[int, int]],
                 scale: float, calendar: BankCalendar, outages: list[Outage], out: str) -> None:
        self.ph = pharmacy
        self.rng = Random(f"synthetic:{seed}:flows:{pharmacy.index}")
        self.months = months
        self.scale = scale
        self.cal = calendar
        self.outages = outages
        self.out = out
        self.end = month_end(*months[-1])
        self.month_index = {m: i for i, m in enumerate(months)}
        self.invoice = self.rng.randrange(100_000_000, 400_000_000)
        self.lot_counter = self.rng.randrange(1, 900)
        self.lots: dict[date, list] = {}
        self.pending_claims: dict[int, list[Claim]] = defaultdict(list)
        self.pending_returns: dict[int, list[tuple]] = defaultdict(list)
        self.pending_indus: dict[str, list[tuple]] = defaultdict(list)
        # (re-invoice, payer kind) → the rejected invoice it corrects, while money on it
        # may still come: the truth's `recovered` (no draw of the generator depends on it).
        self.corrects: dict[tuple[str, str], str] = {}
        self.slip_counters: dict[str, int] = {}
        self.bank_seq = self.rng.randrange(10**6)
        self.balance = self.rng.randrange(2_000_000, 9_000_000)
        self.baskets = 0  # cents of dispensations of the month being generated
        self.factors = {s.operator_code: s.error_factor for s in pharmacy.staff}
        self.card_contract = self.rng.randrange(10**6, 10**7)
        self.account = Account(pharmacy.iban, pharmacy.bank_code, pharmacy.branch_code,
                               pharmacy.account, ascii_upper(pharmacy.name))
        self._fmt: dict[date, str] = {}

    # --- helpers ---------------------------------------------------------------------
    def fmt(self, day: date) -> str:
        text = self._fmt.get(day)
        if text is None:
            text = self._fmt[day] = f"{day.day:02d}/{day.month:02d}/{day.year}"
        return text

    def _index_of(self, day: date) -> int | None:
        return self.month_index.get((day.year, day.month))

    def next_invoice(self) -> str:
        self.invoice += 1
        return f"{self.invoice % 10**9:09d}"

    def lot_for(self, sent: date) -> str:
        lot = self.lots.get(sent)
        if lot is None or lot[1] >= LOT_SIZE:
            self.lot_counter = self.lot_counter % 999 + 1
            lot = self.lots[sent] = [f"{self.lot_counter:03d}", 0]
        lot[1] += 1
        return lot[0]

    def delay(self, payer: OrganismEntry) -> int:
        rng = self.rng
        if payer.kind == "AMO":
            return rng.choices((1, 2, 3, 4), (25, 40, 25, 10))[0]
        usual = payer.usual_delay_days
        if usual <= 7:
            return max(1, usual + rng.choice((-1, 0, 0, 1)))
        return usual + rng.randint(0, usual // 2)

    def return_date(self, claim: Claim, days: int) -> date:
        day = self.cal.add(claim.sent, days)
        operator = claim.payer.operator
        if operator:
            for outage in self.outages:
                if outage.operator == operator and outage.first <= day <= outage.last:
                    return self.cal.add(outage.last, self.rng.randint(1, 2))  # backlog cleared
        return day

    def daily_weights(self, year: int, month: int) -> list[tuple[date, float]]:
        last = month_end(year, month)
        weights = []
        for d in range(1, last.day + 1):
            day = date(year, month, d)
            w = (1.15, 1.0, 1.0, 1.0, 1.1, 0.8, 0.03)[day.weekday()]
            if day.weekday() < 6 and not is_bank_day(day):
                w = 0.05  # public holiday: only the pharmacy on duty
            if d > last.day - 3:
                w *= 1.3  # month-end peak (renewals before the month closes)
            weights.append((day, w))
        return weights

    # --- one month ---------------------------------------------------------------------
    def run_month(self, mi: int) -> dict:
        year, month = self.months[mi]
        rng, ph = self.rng, self.ph
        seasonal = {1: 1.15, 8: 0.85, 12: 1.05}.get(month, 1.0)  # January peak, August dip
        expected = DISPENSATIONS_PER_MONTH * ph.size_factor * self.scale * seasonal
        weights = self.daily_weights(year, month)
        per_weight = expected / (sum(w for _, w in weights) * 30.44 / len(weights))
        truth: dict[str, Any] = {
            "finess": ph.finess, "month": f"{year:04d}-{month:02d}",
            "counts": dict.fromkeys(("dispensations", "claims", "amo_only", "rejected",
                                     "silent_unpaid", "partial", "indu", "reinvoiced",
                                     "pending_at_end"), 0),
            "rejected": [], "silent_unpaid": [], "partial": [], "indus": [], "reinvoiced": [],
            "pending_at_end": [], "transfers": [], "recovered": [],
        }
        counts: dict[str, int] = truth["counts"]
        queue: list[Claim] = self.pending_claims.pop(mi, [])
        self.baskets = 0
        for day, w in weights:
            mu = per_weight * w
            n = max(0, round(rng.gauss(mu, math.sqrt(mu)))) if mu > 0 else 0
            counts["dispensations"] += n
            for _ in range(n):
                counts["amo_only"] += self.dispense(day, queue)

        factures = []
        i = 0
        while i < len(queue):  # re-invoices of this month are appended while we go
            claim = queue[i]
            i += 1
            self.settle(claim, mi, queue, truth)
        queue.sort(key=lambda c: (c.sent, c.facture, c.payer.kind))
        finess = ph.finess
        for c in queue:
            p = c.patient
            factures.append(
                f"{finess};{c.facture};{c.lot};{self.fmt(c.care)};{self.fmt(c.sent)};{p.nir};"
                f"{p.rank};{p.name};{c.payer.kind};{c.payer.code};{c.payer.name};"
                f"{cents(c.amount)};{c.operator};{c.rpps}"
            )
        counts["claims"] = len(queue)
        truth["amounts"] = {"baskets": dotted(self.baskets),
                            "claimed": dotted(sum(c.amount for c in queue))}

        folder = os.path.join(self.out, finess, f"{year:04d}-{month:02d}")
        os.makedirs(folder, exist_ok=True)
        newline = "\r\n" if ph.encoding == "cp1252" else "\n"
        with open(os.path.join(folder, "factures.csv"), "w", encoding=ph.encoding,
                  newline="") as f:
            f.write(FACTURES_HEADER + newline + newline.join(factures) + newline)

        movements, retours = self.returns_and_transfers(mi, truth)
        with open(os.path.join(folder, "retours.csv"), "w", encoding=ph.encoding,
                  newline="") as f:
            f.write(RETOURS_HEADER + newline + newline.join(retours) + newline)
        movements += self.other_movements(year, month)
        self.write_bank(folder, year, month, movements)
        # Every line of the statement and what it is: the bank sort is measured against it.
        truth["bank"] = [[m.bank_ref, m.kind, dotted(m.amount)] for m in movements]
        for key in ("rejected", "silent_unpaid", "partial", "reinvoiced", "pending_at_end"):
            counts[key] = len(truth[key])
        counts["indu"] = len(truth["indus"])
        with open(os.path.join(folder, "truth.json"), "w", encoding="utf-8") as f:
            json.dump(truth, f, ensure_ascii=False, separators=(",", ":"))
            f.write("\n")
        # Forget lots of past days: only re-invoices of the coming days still need them.
        for day in [d for d in self.lots if d < date(year, month, 1)]:
            del self.lots[day]
        return counts

    def dispense(self, day: date, queue: list[Claim]) -> int:
        """One dispensation: its AMO claim and maybe its AMC claim. Returns 1 if AMO-only."""
        rng, ph = self.rng, self.ph
        patient = ph.patients.draw(rng)
        operator = ph.operators.draw(rng).operator_code
        rpps = ph.prescribers.draw(rng) if rng.random() > 0.01 else ""
        if rng.random() < 0.015:  # expensive treatments make the long tail
            basket = int(rng.lognormvariate(6.2, 0.6) * 100)
        else:
            basket = max(120, int(rng.lognormvariate(3.3, 0.85) * 100))
        self.baskets += basket
        sent = day if rng.random() < 0.75 else day + timedelta(days=1)
        if sent.weekday() == 6:
            sent += timedelta(days=1)
        facture = self.next_invoice()
        lot = self.lot_for(sent)
        if rng.random() < P_AMO_ONLY:
            queue.append(Claim(facture, lot, day, sent, patient, patient.amo, basket, operator,
                               rpps))
            return 1
        amo = round(basket * AMO_RATES.draw(rng))
        queue.append(Claim(facture, lot, day, sent, patient, patient.amo, amo, operator, rpps))
        if patient.amc is not None:
            queue.append(Claim(facture, lot, day, sent, patient, patient.amc, basket - amo,
                               operator, rpps))
        return 0

    def settle(self, claim: Claim, mi: int, queue: list[Claim], truth: dict) -> None:
        """Decide what the payer does with a claim and schedule its return."""
        rng = self.rng
        payer = claim.payer
        kind = payer.kind
        row = [claim.facture, kind, payer.code]
        if claim.reinvoice_of:
            truth["reinvoiced"].append([claim.reinvoice_of, claim.facture, kind, payer.code])
            self.corrects[(claim.facture, kind)] = claim.reinvoice_of
        reason: ReasonEntry | None = None
        silent = False
        if not claim.reinvoice_of:  # a corrected re-invoice is paid
            u = rng.random()
            p_counter = P_REJECT * COUNTER_SHARE[kind] * self.factors[claim.operator]
            p_other = P_REJECT * (1 - COUNTER_SHARE[kind])
            if u < p_counter:
                reason = COUNTER_REASONS[kind].draw(rng)
            elif u < p_counter + p_other:
                reason = OTHER_REASONS[kind].draw(rng)
            else:
                small = kind == "AMC" and not payer.operator and payer.usual_delay_days >= 10
                p_silent = P_SILENT["AMC_SMALL" if small else kind]
                silent = u < p_counter + p_other + p_silent
        if silent:
            due = self.cal.add(claim.sent, payer.usual_delay_days)
            matured = due + timedelta(days=SILENT_MARGIN_DAYS) <= self.end
            truth["silent_unpaid" if matured else "pending_at_end"].append(row)
            return
        technical = reason is not None and reason.code in ("0009-901",)
        returned = self.return_date(claim, 1 if technical else self.delay(payer))
        ri = self._index_of(returned)
        if ri is None:  # answered after the last generated month
            truth["pending_at_end"].append(row)
            return
        if reason is not None:
            self.pending_returns[ri].append(
                (returned, claim.facture, kind, payer, "REJETE", 0, reason.code, reason.label)
            )
            truth["rejected"].append(row + [reason.code, claim.operator])
            if rng.random() < REINVOICE[reason.category]:
                self.reinvoice(claim, returned, mi, queue)
            return
        paid = claim.amount
        status, code, label = "PAYE", "", ""
        if rng.random() < P_PARTIAL and paid > 200:
            paid = round(paid * rng.uniform(0.5, 0.95))
            status, code, label = "PARTIEL", PARTIAL_REASON[kind].code, PARTIAL_REASON[kind].label
            truth["partial"].append(row + [dotted(claim.amount), dotted(paid)])
        self.pending_returns[ri].append(
            (returned, claim.facture, kind, payer, status, paid, code, label))
        large = payer.code.startswith("01") or bool(payer.operator)
        if large and rng.random() < P_INDU:
            due = returned + timedelta(days=rng.randint(20, 80))
            if due <= self.end:
                amount = paid if rng.random() < 0.5 else max(1, round(paid * rng.uniform(0.2, 0.8)))
                self.pending_indus[payer.code].append((due, claim.facture, kind, payer, amount))

    def reinvoice(self, claim: Claim, rejected_on: date, mi: int, queue: list[Claim]) -> None:
        # Corrections are back-office work: sent on a bank day.
        sent = self.cal.on_or_after(rejected_on + timedelta(days=self.rng.randint(1, 12)))
        si = self._index_of(sent)
        if si is None:  # not corrected yet when the generated period ends
            return
        new = Claim(self.next_invoice(), self.lot_for(sent), claim.care, sent, claim.patient,
                    claim.payer, claim.amount, claim.operator, claim.rpps, claim.facture)
        (queue if si == mi else self.pending_claims[si]).append(new)

    # --- returns, bordereaux, transfers ---------------------------------------------------
    def slip_ref(self, payer: OrganismEntry, day: date) -> str:
        if payer.kind == "AMO":
            prefix = payer.code[2:5]
        elif payer.operator:
            prefix = ascii_upper(payer.operator).replace(" ", "")[:3]
        else:
            prefix = payer.code[-4:]
        n = self.slip_counters.get(prefix)
        n = self.rng.randrange(1, 5000) if n is None else n + 1
        self.slip_counters[prefix] = n
        return f"{prefix}{day:%y%m%d}{n:05d}"

    def returns_and_transfers(self, mi: int, truth: dict) -> tuple[list[Movement], list[str]]:
        rng, finess = self.rng, self.ph.finess
        events = self.pending_returns.pop(mi, [])
        rows: list[tuple] = []  # (date_retour, bordereau, facture, csv row)
        groups: dict[tuple[str, date], list[tuple]] = {}
        for ev in events:
            returned, facture, kind, payer, status, paid, code, label = ev
            if status == "REJETE":
                rows.append((returned, "", facture,
                             f"{finess};{facture};{kind};{payer.code};REJETE;;{code};{label};;;"
                             f"{self.fmt(returned)}"))
            else:
                groups.setdefault((payer.code, returned), []).append(ev)
        movements = []
        for key in sorted(groups, key=lambda k: (k[1], k[0])):
            lines = groups[key]
            payer, day = lines[0][3], key[1]
            total = sum(ev[5] for ev in lines)
            waiting = self.pending_indus.get(payer.code)
            if waiting:
                keep = []
                for item in waiting:
                    due, facture, kind, _, amount = item
                    if due <= day and total - amount > 100:
                        total -= amount
                        lines.append((day, facture, kind, payer, "INDU", -amount,
                                      RECOVERY_REASON[kind].draw(rng).code, ""))
                    else:
                        keep.append(item)
                self.pending_indus[payer.code] = keep
            n_slips = 1 if len(lines) < 30 or rng.random() < 0.6 else rng.randint(2, 3)
            size = math.ceil(len(lines) / n_slips)
            refs = []
            for s in range(n_slips):
                chunk = lines[s * size:(s + 1) * size]
                if not chunk:
                    continue
                ref = self.slip_ref(payer, day)
                refs.append(ref)
                for _, facture, kind, _, status, paid, code, label in chunk:
                    if status == "INDU":
                        label = next(r.label for r in REASONS if r.code == code)
                        truth["indus"].append([facture, kind, payer.code, dotted(paid), ref])
                    rejected = self.corrects.get((facture, kind))
                    if rejected:  # money on a re-invoice: recovered on its rejection
                        truth["recovered"].append([rejected, facture, kind, payer.code, status,
                                                   dotted(paid), day.isoformat()])
                    rows.append((day, ref, facture,
                                 f"{finess};{facture};{kind};{payer.code};{status};{cents(paid)};"
                                 f"{code};{label};{ref};{self.fmt(day)};{self.fmt(day)}"))
            movement = self.transfer(payer, day, total, refs)
            movements.append(movement)
            truth["transfers"].append({"bank_ref": movement.bank_ref, "date": day.isoformat(),
                                       "amount": dotted(total), "payer_code": payer.code,
                                       "bordereaux": refs})
        rows.sort(key=lambda r: r[:3])
        return movements, [r[3] for r in rows]

    def bank_ref(self, day: date) -> str:
        self.bank_seq += 1
        return f"VR{day:%y%m%d}{self.bank_seq % 10**8:08d}"

    def transfer(self, payer: OrganismEntry, day: date, amount: int, refs: list[str]) -> Movement:
        style = _style(payer)
        name = payer.name
        bank_ref = self.bank_ref(day)
        if style >= 8:  # only a long numeric reference, no name at all
            digits = "".join(ch for ch in payer.code if ch.isdigit())[-9:]
            ref = f"{digits}{day:%y%m%d}{self.bank_seq % 10**9:09d}"
            return Movement(day, amount, f"VIR {ref}", bank_ref, "05", [], "insurer")
        if style >= 5 and payer.operator:  # the operator pays on the insurer's behalf
            op = ascii_upper(payer.operator)
            complements = [("NPY", op), ("LIB", f"/MOTIF {name} TP {day:%d%m%y}")]
            label = f"VIR SEPA RECU /DE {op}"
        else:
            complements = [("NPY", name), ("LIB", f"/MOTIF PAIEMENT TIERS PAYANT DU {day:%d%m%y}")]
            label = f"VIR SEPA RECU /DE {name}"
        if style % 2 == 0:  # some payers give the bordereau reference
            complements.append(("RCN", " ".join(refs)))
        return Movement(day, amount, label[:31], bank_ref, "05", complements, "insurer")

    def other_movements(self, year: int, month: int) -> list[Movement]:
        """Card settlements, wholesaler direct debits, payroll, taxes and fees."""
        rng, ph = self.rng, self.ph
        k = ph.size_factor * self.scale
        first, last = date(year, month, 1), month_end(year, month)
        days = [d for d in self.cal.days if first <= d <= last]
        out: list[Movement] = []
        card_total = 0
        for d in days:
            weekend = 1.6 if d.weekday() == 0 else 1  # Monday settles the weekend's cards
            amount = int(max(0.0, rng.gauss(130_000, 30_000)) * k * weekend)
            card_total += amount
            previous = d - timedelta(days=1)
            out.append(Movement(d, amount, f"REMISE CB {self.card_contract} {previous:%d%m}",
                                self.bank_ref(d), "A1",
                                [("LIB", f"REMISE CARTES {rng.randint(40, 160)} OPERATIONS")],
                                "card"))
            if d.weekday() == 1 or (d.weekday() == 2 and not is_bank_day(d - timedelta(days=1))):
                amount = -int(rng.gauss(1_750_000, 250_000) * k)
                out.append(Movement(d, amount, f"PRLV SEPA {ph.wholesaler}", self.bank_ref(d), "B1",
                                    [("NPY", ph.wholesaler),
                                     ("LIB", f"RELEVE FACTURES SEMAINE {d:%V}")], "debit"))
        if days:
            fixed = [
                (days[min(4, len(days) - 1)], -int(rng.gauss(550_000, 50_000) * k),
                 "PRLV SEPA URSSAF", "B1",
                 [("NPY", "URSSAF"), ("LIB", f"COTISATIONS {month:02d}")], "debit"),
                (days[-3 if len(days) > 3 else -1], -int(rng.gauss(1_300_000, 80_000) * k),
                 "VIR SEPA EMIS /MOTIF SALAIRES", "06", [("LIB", f"SALAIRES {month:02d}/{year}")],
                 "other_debit"),
                (days[0], -rng.randint(3_500, 6_000), "FRAIS TENUE DE COMPTE", "62", [], "fee"),
                (days[1 if len(days) > 1 else 0], -int(card_total * 0.004),
                 "COMMISSIONS CB", "62", [("LIB", f"COMMISSIONS CARTES {month:02d}/{year}")], "fee"),
                (rng.choice(days), -int(rng.gauss(250_000, 60_000) * k), "PRLV SEPA BIOGARAN",
                 "B1", [("NPY", "BIOGARAN")], "debit"),
            ]
            for d, amount, label, code, complements, kind in fixed:
                out.append(Movement(d, amount, label, self.bank_ref(d), code, complements, kind))
        return out

    def write_bank(self, folder: str, year: int, month: int, movements: list[Movement]) -> None:
        movements.sort(key=lambda m: (m.day, m.bank_ref))
        first, last = date(year, month, 1), month_end(year, month)
        opening = self.balance
        for name in self.ph.bank_files:
            path = os.path.join(folder, name)
            if name == "releve.cfonb":
                text = cfonb_statement(self.account, opening, first - timedelta(days=1), movements)
                with open(path, "w", encoding="ascii", newline="") as f:
                    f.write(text)
            elif name == "releve.camt.xml":
                text = camt_statement(self.account, opening, first, last, movements,
                                      f"{self.ph.finess}-{year:04d}{month:02d}")
                with open(path, "w", encoding="utf-8", newline="") as f:
                    f.write(text)
            else:
                with open(path, "w", encoding="ascii", newline="") as f:
                    f.write(ofx_statement(self.account, opening, first, last, movements))
        self.balance = opening + sum(m.amount for m in movements)
