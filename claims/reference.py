"""Reference data for payers (organisms): pure Python, no Django import.

Realistic, not official. The shapes are right — AMO code = grand régime (2
digits) + caisse (3) + centre (4); AMC number = 10 characters, zero-padded —
and the AMO organisms follow the real organisation (one CPAM per département,
the MSA, special régimes such as 91 MGEN or 95 MNH), but caisse and centre
codes, AMC numbers, operators and delays are invented: do not use them to
route real claims. The foundation creates `claims.Organism` rows from
`ORGANISMS` (same field names); the synthetic generator draws payers from it.

`AMC_PAYERS` is listed by decreasing market share: the generator gives the
payer of rank r a Pareto weight ~ 1 / r**1.1, so a handful of large
complementary insurers carry most of the volume and dozens of small ones the
tail. `usual_delay_days` is in working days from transmission to payment.
"""

from __future__ import annotations

import unicodedata
import zlib
from dataclasses import dataclass

AMO = "AMO"
AMC = "AMC"
OPERATORS = ("Almerys", "Viamedis", "iSanté", "SP Santé", "Kalixia")


@dataclass(frozen=True, slots=True)
class OrganismEntry:
    kind: str  # "AMO" or "AMC"
    code: str  # AMO: 9 digits; AMC: 10 characters
    name: str
    operator: str  # one of OPERATORS, or "" when the payer is reached directly
    usual_delay_days: int  # working days, transmission -> payment


# (code, name, article used in "CPAM du Rhône")
DEPARTEMENTS: tuple[tuple[str, str, str], ...] = (
    ("01", "Ain", "de l'"), ("02", "Aisne", "de l'"), ("03", "Allier", "de l'"),
    ("04", "Alpes-de-Haute-Provence", "des"), ("05", "Hautes-Alpes", "des"),
    ("06", "Alpes-Maritimes", "des"), ("07", "Ardèche", "de l'"), ("08", "Ardennes", "des"),
    ("09", "Ariège", "de l'"), ("10", "Aube", "de l'"), ("11", "Aude", "de l'"),
    ("12", "Aveyron", "de l'"), ("13", "Bouches-du-Rhône", "des"), ("14", "Calvados", "du"),
    ("15", "Cantal", "du"), ("16", "Charente", "de la"), ("17", "Charente-Maritime", "de la"),
    ("18", "Cher", "du"), ("19", "Corrèze", "de la"), ("2A", "Corse-du-Sud", "de la"),
    ("2B", "Haute-Corse", "de la"), ("21", "Côte-d'Or", "de la"),
    ("22", "Côtes-d'Armor", "des"), ("23", "Creuse", "de la"), ("24", "Dordogne", "de la"),
    ("25", "Doubs", "du"), ("26", "Drôme", "de la"), ("27", "Eure", "de l'"),
    ("28", "Eure-et-Loir", "d'"), ("29", "Finistère", "du"), ("30", "Gard", "du"),
    ("31", "Haute-Garonne", "de la"), ("32", "Gers", "du"), ("33", "Gironde", "de la"),
    ("34", "Hérault", "de l'"), ("35", "Ille-et-Vilaine", "d'"), ("36", "Indre", "de l'"),
    ("37", "Indre-et-Loire", "d'"), ("38", "Isère", "de l'"), ("39", "Jura", "du"),
    ("40", "Landes", "des"), ("41", "Loir-et-Cher", "du"), ("42", "Loire", "de la"),
    ("43", "Haute-Loire", "de la"), ("44", "Loire-Atlantique", "de la"),
    ("45", "Loiret", "du"), ("46", "Lot", "du"), ("47", "Lot-et-Garonne", "du"),
    ("48", "Lozère", "de la"), ("49", "Maine-et-Loire", "du"), ("50", "Manche", "de la"),
    ("51", "Marne", "de la"), ("52", "Haute-Marne", "de la"), ("53", "Mayenne", "de la"),
    ("54", "Meurthe-et-Moselle", "de"), ("55", "Meuse", "de la"), ("56", "Morbihan", "du"),
    ("57", "Moselle", "de la"), ("58", "Nièvre", "de la"), ("59", "Nord", "du"),
    ("60", "Oise", "de l'"), ("61", "Orne", "de l'"), ("62", "Pas-de-Calais", "du"),
    ("63", "Puy-de-Dôme", "du"), ("64", "Pyrénées-Atlantiques", "des"),
    ("65", "Hautes-Pyrénées", "des"), ("66", "Pyrénées-Orientales", "des"),
    ("67", "Bas-Rhin", "du"), ("68", "Haut-Rhin", "du"), ("69", "Rhône", "du"),
    ("70", "Haute-Saône", "de la"), ("71", "Saône-et-Loire", "de"), ("72", "Sarthe", "de la"),
    ("73", "Savoie", "de la"), ("74", "Haute-Savoie", "de la"), ("75", "Paris", "de"),
    ("76", "Seine-Maritime", "de la"), ("77", "Seine-et-Marne", "de"),
    ("78", "Yvelines", "des"), ("79", "Deux-Sèvres", "des"), ("80", "Somme", "de la"),
    ("81", "Tarn", "du"), ("82", "Tarn-et-Garonne", "du"), ("83", "Var", "du"),
    ("84", "Vaucluse", "du"), ("85", "Vendée", "de la"), ("86", "Vienne", "de la"),
    ("87", "Haute-Vienne", "de la"), ("88", "Vosges", "des"), ("89", "Yonne", "de l'"),
    ("90", "Territoire de Belfort", "du"), ("91", "Essonne", "de l'"),
    ("92", "Hauts-de-Seine", "des"), ("93", "Seine-Saint-Denis", "de la"),
    ("94", "Val-de-Marne", "du"), ("95", "Val-d'Oise", "du"), ("971", "Guadeloupe", "de la"),
    ("972", "Martinique", "de la"), ("973", "Guyane", "de la"), ("974", "La Réunion", "de"),
    ("976", "Mayotte", "de"),
)
DEPARTEMENT_NAMES: dict[str, str] = {code: name for code, name, _ in DEPARTEMENTS}


def ascii_upper(text: str) -> str:
    """'Côte-d'Or' -> 'COTE D OR': the way payers and banks print names."""
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return " ".join(folded.upper().replace("-", " ").replace("'", " ").split())


def _caisse(departement: str) -> str:
    """3-digit caisse code: Corsica 201/202, overseas its own 97x, else département + 1."""
    if departement == "2A":
        return "201"
    if departement == "2B":
        return "202"
    if len(departement) == 3:
        return departement
    return departement + "1"


def _amo_name(prefix: str, article: str, name: str) -> str:
    joined = f"{article}{name}" if article.endswith("'") else f"{article} {name}"
    return f"{prefix} {ascii_upper(joined)}"


def _cpam(code: str, name: str, article: str) -> OrganismEntry:
    # Overseas the general régime is served by a CGSS (CSSM in Mayotte), not a CPAM.
    prefix = "CSSM" if code == "976" else "CGSS" if len(code) == 3 else "CPAM"
    return OrganismEntry(AMO, f"01{_caisse(code)}0000", _amo_name(prefix, article, name), "", 2)


def _msa(code: str, name: str) -> OrganismEntry:
    return OrganismEntry(AMO, f"02{_caisse(code)}0000", f"MSA {ascii_upper(name)}", "", 3)


def _mgen(code: str, name: str) -> OrganismEntry:
    return OrganismEntry(AMO, f"91{_caisse(code)}0000", f"MGEN SECTION {ascii_upper(name)}", "", 3)


CPAMS: dict[str, OrganismEntry] = {c: _cpam(c, n, a) for c, n, a in DEPARTEMENTS}
MSAS: dict[str, OrganismEntry] = {c: _msa(c, n) for c, n, _ in DEPARTEMENTS}
MGEN_SECTIONS: dict[str, OrganismEntry] = {c: _mgen(c, n) for c, n, _ in DEPARTEMENTS}

# National special régimes (one paying centre each).
SPECIAL_REGIMES: tuple[OrganismEntry, ...] = (
    OrganismEntry(AMO, "041310000", "CPRP SNCF", "", 3),
    OrganismEntry(AMO, "057510000", "CCAS RATP", "", 3),
    OrganismEntry(AMO, "061710000", "ENIM MARINS", "", 4),
    OrganismEntry(AMO, "088310000", "CNMSS MILITAIRES", "", 4),
    OrganismEntry(AMO, "107510000", "CRPCEN", "", 3),
    OrganismEntry(AMO, "957510000", "MNH MUTUELLE NATIONALE DES HOSPITALIERS", "", 4),
    OrganismEntry(AMO, "927510000", "MGP MUTUELLE GENERALE DE LA POLICE", "", 4),
)

AMO_ORGANISMS: tuple[OrganismEntry, ...] = (
    *CPAMS.values(), *MSAS.values(), *MGEN_SECTIONS.values(), *SPECIAL_REGIMES,
)


def cpam_for_departement(departement: str) -> OrganismEntry:
    """The general-régime caisse of a département ('69' -> CPAM DU RHONE, '2A' -> ...)."""
    return CPAMS[departement.upper()]


def msa_for_departement(departement: str) -> OrganismEntry:
    return MSAS[departement.upper()]


def mgen_for_departement(departement: str) -> OrganismEntry:
    return MGEN_SECTIONS[departement.upper()]


# (name, operator or "", usual delay in working days), by decreasing market share.
_AMC: tuple[tuple[str, str, int], ...] = (
    ("HARMONIE MUTUELLE", "Almerys", 2), ("MGEN COMPLEMENTAIRE", "", 3),
    ("MALAKOFF HUMANIS", "Viamedis", 2), ("AG2R LA MONDIALE", "Viamedis", 2),
    ("AXA FRANCE SANTE", "iSanté", 2), ("GROUPAMA GAN SANTE", "SP Santé", 2),
    ("AESIO MUTUELLE", "Almerys", 2), ("MUTUELLE GENERALE", "Viamedis", 2),
    ("ALLIANZ SANTE", "iSanté", 2), ("APRIL SANTE PREVOYANCE", "SP Santé", 3),
    ("KLESIA PREVOYANCE", "Kalixia", 2), ("SWISSLIFE PREVOYANCE SANTE", "iSanté", 2),
    ("MACIF MUTUALITE", "Almerys", 2), ("PRO BTP", "", 4),
    ("APICIL PREVOYANCE", "Kalixia", 2), ("MUTUELLE DE FRANCE UNIE", "Almerys", 3),
    ("MAAF SANTE", "SP Santé", 2), ("MATMUT MUTUALITE", "SP Santé", 2),
    ("GENERALI VIE SANTE", "iSanté", 2), ("UNEO", "Almerys", 3),
    ("INTERIALE", "Viamedis", 3), ("MNT MUTUELLE NATIONALE TERRITORIALE", "Almerys", 3),
    ("VIASANTE MUTUELLE", "Almerys", 2), ("SOLIMUT MUTUELLE DE FRANCE", "Almerys", 3),
    ("MUTUELLE BLEUE", "Viamedis", 3), ("CREDIT AGRICOLE ASSURANCES SANTE", "SP Santé", 2),
    ("ALAN SANTE", "Viamedis", 2), ("HUMANIS PREVOYANCE", "Viamedis", 2),
    ("SMATIS FRANCE", "Kalixia", 3), ("MUTUELLE VERTE", "", 6), ("CCMO MUTUELLE", "", 5),
    ("RADIANCE MUTUELLE", "Almerys", 3), ("ADREA MUTUELLE", "Almerys", 3),
    ("LA MUTUELLE FAMILIALE", "", 5), ("MUTUELLE INTERGROUP", "", 6),
    ("MNFCT", "", 7), ("OCIANE MATMUT", "SP Santé", 3), ("MUTUELLE DES PAYS DE VILAINE", "", 11),
    ("EOVI MCD MUTUELLE", "Almerys", 3), ("MUTUELLE SAINT MARTIN", "", 12),
    ("UMC MUTUELLE CATHOLIQUE", "", 10), ("MUTUELLE DU REMPART", "", 14),
    ("MUTUELLE ENTRENOUS", "", 10), ("MUTUELLE DE LA CORSE", "", 12),
    ("SMERRA ETUDIANTS", "Viamedis", 3), ("HEYME ETUDIANTS", "Viamedis", 3),
    ("MUTUELLE DES CHEMINOTS DE LA REGION", "", 15), ("MUTUELLE LOCALE DU VAL", "", 18),
    ("MUTUELLE DE L ARTISANAT", "", 13), ("MUTUELLE D ENTREPRISE METALLURGIE", "", 16),
    ("CAISSE MUTUELLE DES PECHEURS", "", 20), ("MUTUELLE DU PERSONNEL HOSPITALIER", "", 11),
    ("MUTUELLE DES AGENTS DES IMPOTS", "", 10), ("MUTUELLE FRATERNELLE", "", 14),
    ("PREVOYANCE MUTUALISTE DU BATIMENT", "", 12),
    # A few payers that take months (private accident insurers, tiny funds).
    ("ASSURANCE ACCIDENTS DU TRAVAIL PRIVEE", "", 60), ("CAISSE DE PREVOYANCE DES CLERCS", "", 45),
    ("MUTUELLE DES EXPATRIES", "", 75),
)


def _amc_number(name: str, rank: int) -> str:
    """A stable, unique, SIREN-like number padded to 10 characters."""
    digest = zlib.crc32(name.encode())
    if rank % 9 == 8:  # some routing numbers are shorter: 8 digits, padded with '00'
        return f"{digest % 10**8:08d}".zfill(10)
    prefix = ("775", "776", "779", "784", "302", "352")[rank % 6]
    return f"0{prefix}{digest % 10**6:06d}"


AMC_PAYERS: tuple[OrganismEntry, ...] = tuple(
    OrganismEntry(AMC, _amc_number(name, rank), name, operator, delay)
    for rank, (name, operator, delay) in enumerate(_AMC)
)

ORGANISMS: tuple[OrganismEntry, ...] = AMO_ORGANISMS + AMC_PAYERS

assert len({(o.kind, o.code) for o in ORGANISMS}) == len(ORGANISMS), "duplicate organism code"
