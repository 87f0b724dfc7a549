"""The rejection-reason catalogue: reference data, pure Python (no Django import).

This is a *realistic* catalogue, not an official one: the codes imitate the
shapes payers use (AMO NOEMIE codes `0450 072` = 4 + 3 digits, the harmonised
CNAM/MSA numbering `0009-816` used since autumn 2024, and three-digit codes in
the style of the Inter-AMC harmonised list for complementary payers), and the
labels imitate their terse upper-case wording, but no code here was copied
from a payer's table. A real code met in a return that is not here is added
"à classer" by the import.

The foundation loads `REASONS` into `rejections.RejectionReason` with a data
migration (field names are the model's); the synthetic data generator draws
reject codes from it with `weight` as relative frequency. Codes of the
`recovery` category label `INDU` lines, those of `silent_unpaid` are internal
codes for claims no payer ever answered (no payer sends them).

The advice includes the counter checklist of the Backoffice article on summer
rejections: scan every document, attestation younger than 3 months, update
the Vitale card, choose the mutuelle by its télétransmission code and the
right contract, and the rule for departures abroad of more than one month
(pharmacist's agreement from the caisse, at most 6 months).
"""

from __future__ import annotations

from dataclasses import dataclass

AMO = "AMO"
AMC = "AMC"

CATEGORY_LABELS: dict[str, str] = {
    "amo_rights": "Droits AMO",
    "amc_rights": "Droits AMC / contrat",
    "patient_identification": "Identification du patient",
    "prescriber": "Prescripteur / prescription",
    "pricing": "Tarification / codage",
    "duplicate": "Doublon",
    "technical": "Technique",
    "supporting_documents": "Pièces justificatives",
    "recovery": "Récupération (indu)",
    "silent_unpaid": "Impayé sans retour",
}

FAULTS = ("counter", "lgo", "pharmacy", "payer")


@dataclass(frozen=True, slots=True)
class ReasonEntry:
    code: str
    payer_kind: str  # "AMO" or "AMC"
    label: str
    category: str  # a key of CATEGORY_LABELS
    fault: str  # one of FAULTS
    advice_fix: str
    advice_prevent: str
    avoidable_at_counter: bool
    weight: float  # relative frequency among rejections, for the generator


# Advice shared by several codes: written once so the wording stays consistent.
_VITALE = (
    "Mettre à jour la carte Vitale à chaque passage (borne ou lecteur) et demander au "
    "patient s'il y a eu un changement de situation : exonération, caisse, mutuelle."
)
_ADRI = (
    "Consulter les droits en ligne (ADRi) quand la carte n'est pas à jour ou que le "
    "patient est de passage."
)
_ATTESTATION = (
    "Exiger une attestation de tiers payant de moins de 3 mois, la scanner, et vérifier "
    "que le patient y figure bien."
)
_MUTUELLE = (
    "Choisir la mutuelle par son code de télétransmission (numéro AMC de l'attestation), "
    "pas par son nom, et appliquer le bon contrat : celui indiqué sur l'attestation."
)
_SCAN = (
    "Scanner l'ordonnance et tous les documents (carte Vitale, carte mutuelle, "
    "attestation) au moment de la délivrance et vérifier qu'ils sont lisibles."
)
_RESEND_NEW = (
    "Corriger la facture dans le LGO et la renvoyer sous un nouveau numéro de facture : "
    "un renvoi sous le même numéro revient en « facture déjà payée »."
)
_ABROAD = (
    "Départ à l'étranger de plus d'un mois : la prescription doit porter l'accord du "
    "médecin et la quantité à délivrer en une fois, et le patient doit obtenir l'accord "
    "du service médical de sa caisse (prescription et attestation sur l'honneur). "
    "La dérogation peut ne couvrir que certains médicaments et ne dépasse pas 6 mois."
)


def _r(code, kind, label, category, fault, fix, prevent, avoidable, weight) -> ReasonEntry:
    return ReasonEntry(code, kind, label, category, fault, fix, prevent, avoidable, weight)


REASONS: tuple[ReasonEntry, ...] = (
    # --- AMO: rights -------------------------------------------------------------
    _r("0450 072", AMO, "DROITS AMO FERMES A LA DATE DES SOINS", "amo_rights", "counter",
       "Vérifier les droits en ligne (ADRi) à la date des soins. Si des droits sont "
       "ouverts ailleurs, refacturer sous un nouveau numéro à la bonne caisse ; sinon "
       "facturer la part au patient.", f"{_VITALE} {_ADRI}", True, 12),
    _r("0009-816", AMO, "ASSURE INCONNU DE LA CAISSE DESTINATAIRE", "amo_rights", "counter",
       "Retrouver la caisse d'affiliation actuelle (ADRi ou attestation de droits) et "
       f"refacturer à cette caisse. {_RESEND_NEW}", f"{_VITALE} {_ADRI}", True, 8),
    _r("0450 075", AMO, "EXONERATION ALD NON TROUVEE", "amo_rights", "counter",
       "Vérifier le protocole ALD (carte Vitale à jour, ADRi) et que les produits relèvent "
       "bien de l'ordonnance bizone ; sinon refacturer au taux normal sous un nouveau "
       "numéro.", f"{_VITALE} Ne coder l'exonération que pour les lignes de la partie "
       "haute d'une ordonnance bizone.", True, 6),
    _r("0009-820", AMO, "BENEFICIAIRE NON RATTACHE A L OUVRANT DROIT", "amo_rights", "counter",
       "Contrôler le rattachement de l'enfant ou de l'ayant droit (carte Vitale du parent "
       "à jour, ADRi) et refacturer sous l'ouvrant droit correct.",
       f"{_VITALE} Pour un enfant, sélectionner le bon ouvrant droit quand il est "
       "rattaché aux deux parents.", True, 4),
    _r("0450 083", AMO, "DROITS C2S EXPIRES", "amo_rights", "counter",
       "Vérifier la date de fin de la Complémentaire santé solidaire en ligne ; si elle "
       "est expirée, facturer la part complémentaire au patient ou à sa nouvelle mutuelle.",
       f"{_VITALE} Lire la date de fin C2S affichée par le LGO avant de valider.", True, 3),
    _r("0009-812", AMO, "ORGANISME DESTINATAIRE ERRONE", "amo_rights", "counter",
       f"Identifier la caisse de rattachement actuelle du patient et refacturer. {_RESEND_NEW}",
       f"{_VITALE} Un patient qui a déménagé ou changé de régime garde parfois une "
       "ancienne carte.", True, 4),
    _r("0450 090", AMO, "MATERNITE HORS PERIODE D EXONERATION", "amo_rights", "counter",
       "Vérifier la date de début de grossesse ou d'accouchement et refacturer au taux "
       "normal si la période d'exonération n'est pas couverte.",
       "Demander la date présumée de début de grossesse et la saisir au lieu de cocher "
       "l'exonération maternité par défaut.", True, 1.5),
    _r("0009-831", AMO, "ACCIDENT DU TRAVAIL NON RECONNU", "amo_rights", "counter",
       "Vérifier la feuille d'accident du travail (numéro et date) auprès du patient ; "
       "à défaut de reconnaissance, refacturer en maladie sous un nouveau numéro.",
       "Scanner la feuille d'accident du travail et saisir son numéro et sa date à chaque "
       "délivrance en AT.", True, 1.5),
    _r("0450 121", AMO, "DELIVRANCE ETRANGER SANS ACCORD PREALABLE", "amo_rights", "counter",
       "Demander au patient l'accord du service médical de sa caisse et refacturer avec "
       "cet accord ; sinon, facturer au patient la quantité dépassant un mois.",
       _ABROAD, True, 1),
    # --- AMO: patient identification -----------------------------------------------
    _r("0009-801", AMO, "NIR ERRONE OU CLE INCORRECTE", "patient_identification", "counter",
       f"Relire le NIR sur la carte Vitale ou l'attestation, corriger et refacturer. "
       f"{_RESEND_NEW}",
       "Lire la carte Vitale plutôt que de saisir le NIR à la main ; en saisie manuelle, "
       "faire contrôler la clé par le LGO.", True, 5),
    _r("0450 011", AMO, "RANG DE NAISSANCE ERRONE", "patient_identification", "counter",
       "Corriger le rang de naissance (jumeaux, enfants sur la carte d'un parent) et "
       f"refacturer. {_RESEND_NEW}",
       "Sélectionner le bénéficiaire dans la carte Vitale plutôt que de le créer à la main.",
       True, 4),
    _r("0450 013", AMO, "DATE DE NAISSANCE INCOHERENTE AVEC LE NIR", "patient_identification",
       "counter",
       f"Corriger la date de naissance dans la fiche patient et refacturer. {_RESEND_NEW}",
       "Vérifier la fiche patient lors de sa création ; éviter les doublons de fiche.",
       True, 2.5),
    _r("0009-805", AMO, "NOM DU BENEFICIAIRE DISCORDANT", "patient_identification", "counter",
       "Aligner le nom et le prénom sur la carte Vitale ou l'attestation de droits, puis "
       "refacturer.", "Fusionner les fiches patient en double et reprendre l'identité de "
       "la carte Vitale.", True, 1.5),
    # --- AMO: prescriber / prescription -------------------------------------------
    _r("0450 212", AMO, "PRESCRIPTEUR INCONNU", "prescriber", "counter",
       "Saisir le numéro RPPS du prescripteur (annuaire santé) à la place du numéro "
       f"générique et refacturer. {_RESEND_NEW}",
       "Tenir à jour le fichier des prescripteurs du LGO avec leur RPPS ; ne jamais "
       "utiliser de prescripteur « fourre-tout ».", True, 4),
    _r("0009-842", AMO, "IDENTIFIANT RPPS INVALIDE", "prescriber", "counter",
       "Relire le RPPS (11 chiffres commençant par 1) sur l'ordonnance, le vérifier dans "
       "l'annuaire santé et refacturer.", "Scanner l'ordonnance et recopier le RPPS du "
       "prescripteur, pas son ancien numéro ADELI.", True, 3),
    _r("0450 215", AMO, "DATE DE PRESCRIPTION INVALIDE", "prescriber", "counter",
       f"Corriger la date de prescription d'après l'ordonnance scannée. {_RESEND_NEW}",
       "Saisir la date de l'ordonnance, pas celle du jour ; contrôler la cohérence avec "
       "la date de délivrance.", True, 2.5),
    _r("0009-845", AMO, "ETABLISSEMENT PRESCRIPTEUR INCONNU", "prescriber", "counter",
       "Saisir le FINESS de l'établissement (ordonnance hospitalière) et le RPPS du "
       "prescripteur, puis refacturer.", "Pour une ordonnance d'hôpital, renseigner le "
       "FINESS géographique imprimé sur l'ordonnance.", True, 2),
    _r("0450 218", AMO, "ORDONNANCE PERIMEE A LA DATE DE DELIVRANCE", "prescriber", "counter",
       "Vérifier les dates (premier renouvellement dans les 3 mois) ; à défaut, facturer "
       "au patient ou obtenir une nouvelle ordonnance.", "Contrôler la date de "
       "l'ordonnance avant toute délivrance, surtout pour les renouvellements.", True, 2),
    _r("0009-848", AMO, "PRESCRIPTION RESTREINTE NON RESPECTEE", "prescriber", "counter",
       "Vérifier la qualité du prescripteur exigée (médicament d'exception, prescription "
       "hospitalière initiale) et joindre les pièces ; sinon facturer au patient.",
       "Lire l'alerte de prescription restreinte du LGO et scanner l'ordonnance initiale.",
       True, 1),
    # --- AMO: pricing / coding -----------------------------------------------------
    _r("0450 301", AMO, "PRODUIT NON REMBOURSABLE", "pricing", "counter",
       "Vérifier le statut de remboursement du produit à la date de délivrance ; s'il "
       "n'est pas remboursable, facturer au patient.",
       "Ne pas forcer la prise en charge d'un produit signalé non remboursable par le LGO.",
       True, 2),
    _r("0009-861", AMO, "CODE CIP INCONNU OU RADIE", "pricing", "lgo",
       "Mettre à jour la base médicaments du LGO, recoder le produit et refacturer.",
       "Faire les mises à jour de la base médicaments du LGO dès leur parution.", False, 1.5),
    _r("0450 305", AMO, "PRIX SUPERIEUR AU TARIF DE RESPONSABILITE", "pricing", "lgo",
       "Contrôler le prix facturé contre le tarif de la base, corriger et refacturer ; "
       "l'écart éventuel est à la charge du patient.",
       "Tenir la base tarifaire du LGO à jour et ne pas modifier les prix à la main.",
       False, 1.5),
    _r("0009-866", AMO, "TAUX DE PRISE EN CHARGE ERRONE", "pricing", "counter",
       "Recalculer avec le taux du produit et de la situation du patient (ALD, maternité, "
       f"AT) puis refacturer. {_RESEND_NEW}", "Ne pas forcer le taux à la main ; vérifier "
       "l'exonération sur la carte Vitale à jour.", True, 1.5),
    _r("0450 310", AMO, "QUANTITE SUPERIEURE A LA PRESCRIPTION", "pricing", "counter",
       "Ramener la quantité à la prescription (ou au conditionnement le plus économique) "
       "et refacturer ; le surplus est à la charge du patient.", f"Respecter la durée de "
       f"traitement prescrite. {_ABROAD}", True, 1.5),
    _r("0009-870", AMO, "CODE LPP INCOMPATIBLE AVEC LE PRODUIT", "pricing", "lgo",
       "Recoder la ligne de dispositif médical avec le bon code LPP et refacturer.",
       "Associer une fois pour toutes chaque dispositif du stock à son code LPP dans le LGO.",
       False, 1),
    # --- AMO: duplicates -----------------------------------------------------------
    _r("0450 401", AMO, "FACTURE DEJA PAYEE", "duplicate", "pharmacy",
       "Vérifier dans les bordereaux que la facture d'origine a bien été payée : dans ce "
       "cas il n'y a rien à faire. Si elle avait été rejetée, refacturer sous un nouveau "
       "numéro.", "Ne jamais renvoyer une facture corrigée sous son numéro d'origine ; "
       "pointer les bordereaux avant toute relance.", False, 2.5),
    _r("0009-880", AMO, "FACTURE DEJA TRANSMISE DANS UN AUTRE LOT", "duplicate", "pharmacy",
       "Contrôler l'ARL du premier lot : s'il était positif, attendre le paiement de la "
       "première transmission et clore ce rejet.", "Ne renvoyer un lot qu'après un ARL "
       "négatif, jamais par précaution.", False, 1.5),
    # --- AMO: technical ------------------------------------------------------------
    _r("0009-901", AMO, "ARL NEGATIF LOT REJETE", "technical", "lgo",
       "Renvoyer le lot depuis le LGO après correction de la cause indiquée par l'ARL ; "
       "les factures gardent leur numéro car elles n'ont pas été traitées.",
       "Contrôler chaque jour les ARL dans le LGO et relancer l'éditeur si un lot reste "
       "sans accusé.", False, 1),
    _r("0450 905", AMO, "SIGNATURE DU LOT INVALIDE", "technical", "lgo",
       "Faire vérifier le lecteur et le module SESAM-Vitale par l'éditeur du LGO, puis "
       "renvoyer le lot.", "Garder les modules SESAM-Vitale à jour.", False, 0.6),
    _r("0009-907", AMO, "CARTE CPS REVOQUEE OU EXPIREE", "technical", "pharmacy",
       "Commander une nouvelle carte CPS ou e-CPS, puis renvoyer les lots signés avec la "
       "carte révoquée.", "Surveiller la date de fin de validité des cartes CPS du "
       "personnel.", False, 0.5),
    _r("0450 910", AMO, "FORMAT DE FACTURE NON CONFORME", "technical", "lgo",
       "Signaler le rejet à l'éditeur du LGO et refacturer après correctif.",
       "Installer les mises à jour réglementaires du LGO.", False, 0.6),
    # --- AMO: supporting documents -------------------------------------------------
    _r("0009-920", AMO, "PIECE JUSTIFICATIVE ABSENTE SCOR", "supporting_documents", "counter",
       "Numériser l'ordonnance et l'envoyer par SCOR rattachée à la facture.", _SCAN, True, 2.5),
    _r("0450 922", AMO, "ORDONNANCE NUMERISEE ILLISIBLE", "supporting_documents", "counter",
       "Rescanner l'ordonnance en bonne qualité et la renvoyer par SCOR.", _SCAN, True, 1.5),
    # --- AMO: recovery (INDU lines) --------------------------------------------------
    _r("0009-950", AMO, "INDU REGULARISATION NEGATIVE", "recovery", "payer",
       "Rapprocher la ligne négative du paiement d'origine ; contester auprès de la caisse "
       "si l'indu n'est pas justifié.", "Rien au comptoir : l'indu vient d'un contrôle "
       "de la caisse ; vérifier qu'il n'est pas récupéré deux fois.", False, 1),
    _r("0450 955", AMO, "RECUPERATION D INDU SUR PAIEMENT", "recovery", "payer",
       "Identifier la facture d'origine et vérifier le montant retenu sur le bordereau.",
       "Pointer chaque bordereau : une retenue passe inaperçue dans un virement net.",
       False, 1),
    # --- AMO: silent unpaid (internal code) ----------------------------------------
    _r("NR-AMO", AMO, "AUCUN RETOUR APRES LE DELAI DE LA CAISSE", "silent_unpaid", "payer",
       "Vérifier l'ARL du lot ; s'il est positif, relancer la caisse avec le numéro de "
       "facture et de lot ; s'il manque, renvoyer la facture.",
       "Pointer les bordereaux chaque semaine pour repérer tôt les factures sans retour.",
       False, 1),
    # --- AMC: rights / contract ----------------------------------------------------
    _r("101", AMC, "ADHERENT INCONNU", "amc_rights", "counter",
       f"Vérifier l'attestation du patient. {_MUTUELLE} Refacturer sous un nouveau numéro.",
       f"{_ATTESTATION} {_MUTUELLE}", True, 7),
    _r("102", AMC, "CONTRAT SUSPENDU OU RESILIE", "amc_rights", "counter",
       "Demander au patient sa nouvelle attestation ; à défaut, facturer la part "
       "complémentaire au patient.", f"{_ATTESTATION} {_VITALE}", True, 6),
    _r("103", AMC, "HORS PERIODE DE DROITS", "amc_rights", "counter",
       "Comparer la période de validité de l'attestation à la date des soins ; "
       "refacturer à la nouvelle mutuelle ou facturer au patient.", _ATTESTATION, True, 5),
    _r("104", AMC, "BENEFICIAIRE NON COUVERT PAR LE CONTRAT", "amc_rights", "counter",
       "Vérifier que le bénéficiaire figure sur l'attestation ; sinon facturer sa part "
       "au patient.", f"{_ATTESTATION} Vérifier que chaque bénéficiaire servi figure sur "
       "l'attestation.", True, 3),
    _r("105", AMC, "GARANTIE NON SOUSCRITE OU PLAFOND ATTEINT", "amc_rights", "counter",
       "Vérifier la garantie du contrat pour ce type de produit ; facturer au patient la "
       "part non couverte.", f"{_MUTUELLE} Interroger les droits en ligne quand le LGO le "
       "permet.", True, 2.5),
    _r("106", AMC, "CONVENTION DE TIERS PAYANT INEXISTANTE", "amc_rights", "counter",
       f"{_MUTUELLE} Si la mutuelle n'a pas de convention avec la pharmacie, facturer "
       "la part complémentaire au patient.", f"{_MUTUELLE} Tenir à jour la liste des "
       "conventions dans le LGO.", True, 2),
    _r("107", AMC, "ORGANISME COMPLEMENTAIRE ERRONE", "amc_rights", "counter",
       f"Reprendre le numéro AMC de l'attestation et refacturer au bon organisme. {_RESEND_NEW}",
       _MUTUELLE, True, 4),
    # --- AMC: patient identification -------------------------------------------------
    _r("201", AMC, "NUMERO D ADHERENT ERRONE", "patient_identification", "counter",
       "Recopier le numéro d'adhérent de l'attestation (ou lire son datamatrix) et "
       "refacturer.", f"{_SCAN} Lire le datamatrix de l'attestation plutôt que de saisir.",
       True, 3),
    _r("202", AMC, "NIR DU BENEFICIAIRE DISCORDANT", "patient_identification", "counter",
       "Aligner le NIR sur celui de l'attestation de la mutuelle et refacturer.",
       f"{_VITALE} {_ATTESTATION}", True, 2),
    # --- AMC: prescriber -------------------------------------------------------------
    _r("301", AMC, "PRESCRIPTEUR ABSENT OU INVALIDE", "prescriber", "counter",
       "Compléter le RPPS du prescripteur et refacturer.",
       "Tenir à jour le fichier des prescripteurs du LGO avec leur RPPS.", True, 1.5),
    # --- AMC: pricing ------------------------------------------------------------------
    _r("401", AMC, "MONTANT COMPLEMENTAIRE SUPERIEUR AU TICKET MODERATEUR", "pricing",
       "lgo", "Recalculer la part complémentaire selon le contrat et refacturer ; le reste "
       "revient au patient.", f"{_MUTUELLE} Vérifier le paramétrage des contrats dans le "
       "LGO.", False, 2),
    _r("402", AMC, "ACTE OU PRODUIT NON PRIS EN CHARGE", "pricing", "counter",
       "Facturer au patient la part que le contrat ne couvre pas.",
       "Consulter les garanties du contrat avant de proposer le tiers payant sur un "
       "produit non remboursé par l'AMO.", True, 1.5),
    _r("403", AMC, "PART AMO ABSENTE OU INCOHERENTE", "pricing", "lgo",
       "Attendre ou corriger la facture AMO correspondante puis refacturer la part "
       "complémentaire sous un nouveau numéro.", "Ne pas dissocier à la main les parts "
       "AMO et AMC d'une même facture.", False, 1),
    # --- AMC: duplicates -----------------------------------------------------------
    _r("501", AMC, "FACTURE DEJA REGLEE", "duplicate", "pharmacy",
       "Retrouver le paiement d'origine dans les bordereaux de l'opérateur et clore le "
       "rejet.", "Pointer les bordereaux avant de renvoyer une facture ; ne jamais la "
       "renvoyer sous le même numéro.", False, 2),
    # --- AMC: technical --------------------------------------------------------------
    _r("601", AMC, "FLUX NON CONFORME OPERATEUR", "technical", "lgo",
       "Signaler le rejet à l'éditeur du LGO et renvoyer la facture après correction.",
       "Installer les mises à jour du LGO et des tables des opérateurs.", False, 0.8),
    _r("602", AMC, "ROUTAGE IMPOSSIBLE VERS L ORGANISME", "technical", "lgo",
       f"{_MUTUELLE} Mettre à jour l'annuaire AMC du LGO et renvoyer.",
       "Faire les mises à jour de l'annuaire AMC du LGO.", False, 0.8),
    # --- AMC: supporting documents -----------------------------------------------------
    _r("701", AMC, "ATTESTATION OU ORDONNANCE NON TRANSMISE", "supporting_documents",
       "counter", "Envoyer à l'organisme l'attestation et l'ordonnance scannées.",
       f"{_SCAN} {_ATTESTATION}", True, 1.5),
    # --- AMC: recovery -------------------------------------------------------------------
    _r("801", AMC, "REGULARISATION PAIEMENT A TORT", "recovery", "payer",
       "Rapprocher la retenue de la facture d'origine et la contester si elle n'est pas "
       "justifiée.", "Pointer les bordereaux de l'opérateur pour repérer les retenues.",
       False, 1),
    # --- AMC: silent unpaid (internal code) ------------------------------------------
    _r("NR-AMC", AMC, "AUCUN RETOUR APRES LE DELAI DE LA MUTUELLE", "silent_unpaid", "payer",
       "Relancer l'opérateur ou la mutuelle avec le numéro de facture ; si la facture "
       "n'a jamais été reçue, la renvoyer.",
       f"{_MUTUELLE} Pointer les bordereaux chaque semaine pour repérer tôt les "
       "factures sans retour.", False, 1),
)

REJECTION_CATEGORIES = (
    "amo_rights",
    "amc_rights",
    "patient_identification",
    "prescriber",
    "pricing",
    "duplicate",
    "technical",
    "supporting_documents",
)
"""Categories a payer rejects a claim with (the others label INDU lines and silence)."""
