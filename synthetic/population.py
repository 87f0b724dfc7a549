"""Pharmacies, their staff, patients and prescribers: everything fixed for a pharmacy.

A pharmacy is built from its own `random.Random`, seeded from (seed, index), so
pharmacy k is the same whatever the number of pharmacies generated.
"""

from __future__ import annotations

import bisect
import itertools
import unicodedata
from dataclasses import dataclass, field
from random import Random

from claims.reference import (
    AMC_PAYERS,
    CPAMS,
    SPECIAL_REGIMES,
    OrganismEntry,
    cpam_for_departement,
    mgen_for_departement,
    msa_for_departement,
)

from .identifiers import make_finess, make_iban, make_nir, make_rpps

LAST_NAMES = (
    "MARTIN", "BERNARD", "THOMAS", "PETIT", "ROBERT", "RICHARD", "DURAND", "DUBOIS", "MOREAU",
    "LAURENT", "SIMON", "MICHEL", "LEFÈVRE", "LEROY", "ROUX", "DAVID", "BERTRAND", "MOREL",
    "FOURNIER", "GIRARD", "BONNET", "DUPONT", "LAMBERT", "FONTAINE", "ROUSSEAU", "VINCENT",
    "MULLER", "LEFÈBVRE", "FAURE", "ANDRÉ", "MERCIER", "BLANC", "GUÉRIN", "BOYER", "GARNIER",
    "CHEVALIER", "FRANÇOIS", "LEGRAND", "GAUTHIER", "GARCIA", "PERRIN", "ROBIN", "CLÉMENT",
    "MORIN", "NICOLAS", "HENRY", "ROUSSEL", "MATHIEU", "GAUTIER", "MASSON", "MARCHAND", "DUVAL",
    "DENIS", "DUMONT", "MARIE", "LEMAIRE", "NOËL", "MEYER", "DUFOUR", "MEUNIER", "BRUN",
    "BLANCHARD", "GIRAUD", "JOLY", "RIVIÈRE", "LUCAS", "BRUNET", "GAILLARD", "BARBIER", "ARNAUD",
    "MARTINEZ", "GÉRARD", "ROCHE", "RENARD", "SCHMITT", "ROY", "LEROUX", "COLIN", "VIDAL",
    "CARON", "PICARD", "ROGER", "FABRE", "AUBERT", "LEMOINE", "RENAUD", "DUMAS", "LACROIX",
    "OLIVIER", "PHILIPPE", "BOURGEOIS", "PIERRE", "BENOÎT", "REY", "LECLERC", "PAYET", "ROLLAND",
    "LECLERCQ", "GUILLAUME", "LECOMTE", "LÓPEZ", "JEAN", "DUPUY", "GUILLOT", "HUBERT", "BERGER",
    "CARPENTIER", "SÁNCHEZ", "DUPUIS", "MOULIN", "LOUIS", "DESCHAMPS", "HUET", "VASSEUR", "PEREZ",
    "BOUCHER", "FLEURY", "ROYER", "KLEIN", "JACQUET", "ADAM", "PARIS", "POIRIER", "MARTY",
    "AUBRY", "GUYOT", "CARRÉ", "CHARLES", "RENAULT", "CHARPENTIER", "MÉNARD", "MAILLARD",
    "BARON", "BERTIN", "BAILLY", "HERVÉ", "SCHNEIDER", "FERNANDEZ", "LE GALL", "COLLET",
    "LÉGER", "BOUVIER", "JULIEN", "PRÉVOST", "MILLET", "PERROT", "DANIEL", "LE ROUX", "COUSIN",
    "GERMAIN", "BRETON", "BESSON", "LANGLOIS", "RÉMY", "LE GOFF", "PELLETIER", "LÉVÊQUE",
    "PERRIER", "LEBLANC", "BARRÉ", "LEBRUN", "MARCHAL", "WEBER", "MALLET", "HAMON", "BOULANGER",
    "JACOB", "MONNIER", "MICHAUD", "RODRIGUEZ", "GUICHARD", "GILLET", "ÉTIENNE", "GRONDIN",
    "POULAIN", "TESSIER", "CHEVALLIER", "COLLIN", "CHAUVIN", "DA SILVA", "BOUCHET", "GAY",
    "LEMAÎTRE", "BÉNARD", "MARÉCHAL", "HUMBERT", "REYNAUD", "ANTOINE", "HOARAU", "PERRET",
    "BARTHÉLEMY", "CORDIER", "PICHON", "LEJEUNE", "GILBERT", "LAMY", "DELAUNAY", "PASQUIER",
    "CARLIER", "LAPORTE", "SANTONI", "LUCIANI", "CASANOVA", "PAOLI", "MATTEI", "GIACOMETTI",
)
FEMALE_FIRST = (
    "Marie", "Jeanne", "Françoise", "Monique", "Catherine", "Nathalie", "Isabelle", "Sylvie",
    "Hélène", "Cécile", "Thérèse", "Agnès", "Brigitte", "Christine", "Valérie", "Sandrine",
    "Stéphanie", "Céline", "Julie", "Aurélie", "Émilie", "Léa", "Chloé", "Manon", "Camille",
    "Inès", "Zoé", "Anaïs", "Maëlys", "Gaëlle", "Noémie", "Clémence", "Josiane", "Geneviève",
    "Odette", "Ginette", "Mélanie", "Océane", "Andrée", "Renée", "Élodie", "Jade", "Louise",
)
MALE_FIRST = (
    "Jean", "Pierre", "Michel", "André", "Philippe", "René", "Louis", "Alain", "Jacques",
    "Bernard", "Gérard", "Daniel", "Christian", "François", "Éric", "Frédéric", "Stéphane",
    "Jérôme", "Sébastien", "Benoît", "Loïc", "Cédric", "Noël", "Raphaël", "Mathéo", "Théo",
    "Hugo", "Lucas", "Gabriel", "Léo", "Noé", "Joël", "Hervé", "Rémi", "Maël", "Gaël", "Yannick",
    "Thierry", "Dominique", "Olivier", "Nicolas", "Thomas", "Grégoire",
)
# (city, département) — Corsica and overseas included so their identifiers occur.
CITIES = (
    ("Lyon", "69"), ("Villeurbanne", "69"), ("Vénissieux", "69"), ("Paris", "75"),
    ("Marseille", "13"), ("Aix-en-Provence", "13"), ("Toulouse", "31"), ("Nice", "06"),
    ("Nantes", "44"), ("Strasbourg", "67"), ("Montpellier", "34"), ("Bordeaux", "33"),
    ("Lille", "59"), ("Roubaix", "59"), ("Rennes", "35"), ("Reims", "51"), ("Le Havre", "76"),
    ("Saint-Étienne", "42"), ("Toulon", "83"), ("Grenoble", "38"), ("Dijon", "21"),
    ("Angers", "49"), ("Nîmes", "30"), ("Clermont-Ferrand", "63"), ("Le Mans", "72"),
    ("Tours", "37"), ("Amiens", "80"), ("Limoges", "87"), ("Annecy", "74"), ("Perpignan", "66"),
    ("Besançon", "25"), ("Orléans", "45"), ("Rouen", "76"), ("Mulhouse", "68"), ("Caen", "14"),
    ("Nancy", "54"), ("Argenteuil", "95"), ("Montreuil", "93"), ("Créteil", "94"),
    ("Versailles", "78"), ("Nanterre", "92"), ("Évry-Courcouronnes", "91"), ("Meaux", "77"),
    ("Bourg-en-Bresse", "01"), ("Valence", "26"), ("Chambéry", "73"), ("Pau", "64"),
    ("Bayonne", "64"), ("La Rochelle", "17"), ("Poitiers", "86"), ("Brest", "29"),
    ("Quimper", "29"), ("Vannes", "56"), ("Lorient", "56"), ("Saint-Brieuc", "22"),
    ("Laval", "53"), ("Cholet", "49"), ("La Roche-sur-Yon", "85"), ("Niort", "79"),
    ("Angoulême", "16"), ("Périgueux", "24"), ("Agen", "47"), ("Montauban", "82"),
    ("Albi", "81"), ("Rodez", "12"), ("Aurillac", "15"), ("Le Puy-en-Velay", "43"),
    ("Mende", "48"), ("Privas", "07"), ("Gap", "05"), ("Digne-les-Bains", "04"),
    ("Avignon", "84"), ("Carcassonne", "11"), ("Foix", "09"), ("Tarbes", "65"), ("Auch", "32"),
    ("Mont-de-Marsan", "40"), ("Cahors", "46"), ("Tulle", "19"), ("Guéret", "23"),
    ("Châteauroux", "36"), ("Bourges", "18"), ("Nevers", "58"), ("Auxerre", "89"),
    ("Troyes", "10"), ("Chaumont", "52"), ("Bar-le-Duc", "55"), ("Épinal", "88"),
    ("Metz", "57"), ("Vesoul", "70"), ("Belfort", "90"), ("Lons-le-Saunier", "39"),
    ("Mâcon", "71"), ("Moulins", "03"), ("Blois", "41"), ("Chartres", "28"), ("Évreux", "27"),
    ("Alençon", "61"), ("Saint-Lô", "50"), ("Beauvais", "60"), ("Laon", "02"),
    ("Charleville-Mézières", "08"), ("Arras", "62"), ("Calais", "62"), ("Ajaccio", "2A"),
    ("Porto-Vecchio", "2A"), ("Bastia", "2B"), ("Corte", "2B"), ("Pointe-à-Pitre", "971"),
    ("Fort-de-France", "972"), ("Cayenne", "973"), ("Saint-Denis", "974"), ("Mamoudzou", "976"),
)
PHARMACY_NAMES = (
    "Pharmacie du Centre", "Pharmacie de la Gare", "Pharmacie des Halles", "Pharmacie du Marché",
    "Pharmacie de la Poste", "Pharmacie de l'Hôtel de Ville", "Pharmacie du Parc",
    "Pharmacie des Écoles", "Pharmacie Saint-Jean", "Pharmacie de la Cathédrale",
    "Pharmacie du Pont", "Pharmacie des Tilleuls", "Grande Pharmacie", "Pharmacie du Théâtre",
    "Pharmacie de la République", "Pharmacie des Quatre Chemins", "Pharmacie du Lac",
)
WHOLESALERS = ("OCP REPARTITION", "CERP ROUEN", "ALLIANCE HEALTHCARE", "CERP RHIN RHONE",
               "PHOENIX PHARMA")


def ascii_fold(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()


class Weighted:
    """Draw items by weight in O(log n) with precomputed cumulative weights."""

    __slots__ = ("items", "cum", "total")

    def __init__(self, items, weights) -> None:
        self.items = list(items)
        self.cum = list(itertools.accumulate(weights))
        self.total = self.cum[-1]

    def draw(self, rng: Random):
        return self.items[bisect.bisect_right(self.cum, rng.random() * self.total)]


@dataclass(slots=True)
class Staff:
    first_name: str
    last_name: str
    role: str  # titulaire | adjoint | preparateur
    operator_code: str
    email: str
    error_factor: float  # multiplies the counter-error rate


@dataclass(slots=True)
class Patient:
    nir: str
    rank: str
    name: str  # "NOM Prénom"
    amo: OrganismEntry
    amc: OrganismEntry | None


@dataclass(slots=True)
class Pharmacy:
    index: int
    finess: str
    name: str
    city: str
    departement: str
    size_factor: float
    delegation: str
    delegation_hours: int | None
    staff: list[Staff]
    error_prone_operator: str
    bank_format: str  # the format named in pharmacies.json
    bank_files: list[str]
    iban: str
    bank_code: str
    branch_code: str
    account: str
    encoding: str  # of the LGO's CSV exports
    wholesaler: str
    patients: Weighted = field(repr=False)
    prescribers: Weighted = field(repr=False)
    operators: Weighted = field(repr=False)

    def as_json(self) -> dict:
        return {
            "finess": self.finess,
            "name": self.name,
            "city": self.city,
            "departement": self.departement,
            "delegation": self.delegation,
            "delegation_hours": self.delegation_hours,
            "staff": [
                {"first_name": s.first_name, "last_name": s.last_name, "role": s.role,
                 "operator_code": s.operator_code, "email": s.email}
                for s in self.staff
            ],
            "error_prone_operator": self.error_prone_operator,
            "bank_format": self.bank_format,
            "bank_files": self.bank_files,
            "iban": self.iban,
            "encoding": self.encoding,
            "size_factor": self.size_factor,
        }


# Share of dispensations (outside the 100 % AMO ones) whose complementary part is
# billed in tiers-payant: gives ~1.4 claims per dispensation with ~7 % AMO-only.
AMC_SHARE = 0.43


def _person(rng: Random) -> tuple[str, str, int]:
    sex = rng.choice((1, 2))
    first = rng.choice(MALE_FIRST if sex == 1 else FEMALE_FIRST)
    return first, rng.choice(LAST_NAMES), sex


def _staff(rng: Random, size_factor: float, domain: str) -> tuple[list[Staff], str]:
    roles = ["titulaire"] * (2 if rng.random() < 0.25 else 1)
    roles += ["adjoint"] * max(1, round(1.5 * size_factor + rng.random()))
    roles += ["preparateur"] * max(2, round(3.5 * size_factor + rng.random()))
    staff: list[Staff] = []
    codes: list[str] = []
    for role in roles:
        first, last, _ = _person(rng)
        base = ascii_fold(first[0] + last.replace(" ", "")[:2]).upper()
        code = base
        n = 1
        while code in codes:
            n += 1
            code = f"{base}{n}"
        codes.append(code)
        email_local = ascii_fold(f"{first}.{last}").lower().replace(" ", "-")
        staff.append(Staff(first, last.title(), role, code, f"{email_local}@{domain}",
                           rng.lognormvariate(0, 0.25)))
    # One clearly error-prone person at the counter (a préparateur or an adjoint).
    candidates = [s for s in staff if s.role != "titulaire"]
    prone = rng.choice(candidates)
    prone.error_factor = 3.5
    return staff, prone.operator_code


def _amo_for_patient(rng: Random, departement: str) -> OrganismEntry:
    u = rng.random()
    if u < 0.78:
        return cpam_for_departement(departement)
    if u < 0.84:  # visitors and people who moved: another département's CPAM
        return rng.choice(list(CPAMS.values()))
    if u < 0.92:
        return msa_for_departement(departement)
    if u < 0.96:
        return mgen_for_departement(departement)
    return rng.choice(SPECIAL_REGIMES)


def _birth_place(rng: Random, departement: str) -> str:
    u = rng.random()
    if u < 0.55:
        return departement
    if u < 0.60:
        return rng.choice(("2A", "2B"))  # some Corsican-born patients everywhere
    if u < 0.90:
        return rng.choice(CITIES)[1]
    return "99"


def make_pharmacy(seed: int, index: int, *, scale: float = 1.0) -> Pharmacy:
    rng = Random(f"synthetic:{seed}:pharmacy:{index}")
    city, departement = rng.choice(CITIES)
    size_factor = round(min(2.5, max(0.35, rng.lognormvariate(0, 0.35))), 2)
    name = rng.choice(PHARMACY_NAMES)
    if rng.random() < 0.3:
        name = f"Pharmacie {rng.choice(LAST_NAMES).title()}"
    domain = ascii_fold(f"{name}-{city}").lower().replace("'", "-").replace(" ", "-") + ".fr"
    staff, prone = _staff(rng, size_factor, domain)
    delegation = rng.choices(("none", "partial", "total"), (50, 30, 20))[0]
    hours = rng.choice((4, 8, 12, 16, 24, 40)) if delegation == "partial" else None
    u = rng.random()
    if u < 0.10:
        primary = rng.choice(("cfonb", "camt"))
        bank_format, files = "ofx", ["releve.ofx", _bank_file(primary)]
    else:
        bank_format = "cfonb" if u < 0.58 else "camt"
        files = [_bank_file(bank_format)]
    iban, bank_code, branch, account = make_iban(rng)
    encoding = rng.choices(("cp1252", "utf-8", "utf-8-sig"), (40, 40, 20))[0]
    finess = make_finess(rng, departement)
    wholesaler = rng.choice(WHOLESALERS)

    # The population has its own stream so that --size never changes the identity above.
    rng = Random(f"synthetic:{seed}:patients:{index}")
    # Patients: a heavy-tailed visit frequency; the AMC is assigned so that its
    # share of visits is on target whatever the tail (stratified, not drawn).
    n_patients = max(150, int(1900 * size_factor * scale))
    weights = [rng.lognormvariate(0, 1.0) for _ in range(n_patients)]
    amc_weights = [rng.lognormvariate(0, 0.3) / (r + 1) ** 1.1 for r in range(len(AMC_PAYERS))]
    amc_pick = Weighted(AMC_PAYERS, amc_weights)
    order = sorted(range(n_patients), key=weights.__getitem__, reverse=True)
    with_amc = [False] * n_patients
    covered = total = 0.0
    for i in order:
        total += weights[i]
        if covered < AMC_SHARE * total:
            with_amc[i] = True
            covered += weights[i]
    patients = []
    for i in range(n_patients):
        first, last, sex = _person(rng)
        age = min(99, max(0, int(rng.triangular(0, 98, 72))))
        year = 2025 - age
        nir = make_nir(rng, sex=sex, year=year, month=rng.randint(1, 12),
                       birth_place=_birth_place(rng, departement))
        rank = "1" if rng.random() < 0.93 else rng.choice("23")
        patients.append(Patient(nir, rank, f"{last} {first}", _amo_for_patient(rng, departement),
                                amc_pick.draw(rng) if with_amc[i] else None))
    prescribers = [make_rpps(rng) for _ in range(max(15, int(45 * size_factor)))]
    volume = {"titulaire": 0.5, "adjoint": 1.0, "preparateur": 1.3}
    operator_weights = [volume[s.role] * rng.uniform(0.7, 1.3) for s in staff]
    # Normalise error factors so the pharmacy's rejection rate stays on target.
    mean_factor = sum(w * s.error_factor for w, s in zip(operator_weights, staff, strict=True)) / sum(
        operator_weights
    )
    for s in staff:
        s.error_factor /= mean_factor
    return Pharmacy(
        index=index, finess=finess, name=name, city=city,
        departement=departement, size_factor=size_factor, delegation=delegation,
        delegation_hours=hours, staff=staff, error_prone_operator=prone,
        bank_format=bank_format, bank_files=files, iban=iban, bank_code=bank_code,
        branch_code=branch, account=account, encoding=encoding,
        wholesaler=wholesaler,
        patients=Weighted(patients, weights),
        prescribers=Weighted(prescribers, [1 / (r + 1) ** 0.9 for r in range(len(prescribers))]),
        operators=Weighted(staff, operator_weights),
    )


def _bank_file(fmt: str) -> str:
    return {"cfonb": "releve.cfonb", "camt": "releve.camt.xml", "ofx": "releve.ofx"}[fmt]
