"""Sort bank lines into tiers-payant and the rest: one SQL statement per pharmacy.

Only an insurer's transfer can be a "virement non rapproché"; the bank account also
holds card remittances, direct debits, fees, salaries. Each line gets a `kind` and
the `kind_source` that decided it, the first that applies of:

1. `manual`: a person moved the line (never overwritten here);
2. `rule`: one of the pharmacy's own rules (`BankRule`) names words of its text
   (the longest pattern wins);
3. `match`: a credit already linked to slips is an insurer's transfer;
4. `code`: the bank's own operation code says card, direct debit or fee
   (CFONB operation code, CAMT family / sub-family, OFX TRNTYPE);
5. `payer`: a credit naming a known payer (name, operator, or the 9 digits of
   its code, as the matching reads them) or "tiers payant";
6. `label`: usual words of the label ("REMISE CB", "PRLV", "FRAIS"…);
7. `sign`: anything else is another credit or another debit.

A credit kind applies to credits only, a debit kind to debits only. Texts are
compared in the form the matching uses (`match_normalize`, `BankLine.match_text`).
The statement only writes the lines whose kind changes, so a second run writes
nothing (and leaves no audit event).
"""

from __future__ import annotations

from django.db import connection

from audit.context import audit_job
from payments.models import BankLine

Kind = BankLine.Kind
CREDIT_KINDS = (Kind.INSURER, Kind.CARD, Kind.OTHER_CREDIT)

# What the bank's codes say, by scheme: (scheme, code, applies to credits?, kind).
# CFONB: the interbank operation code of the 04 record (positions 33-34), or a CAMT
# entry's proprietary code issued by "CFONB".
# CAMT: the family and sub-family of `BkTxCd` (Domn/Fmly/SubFmly).
# OFX: TRNTYPE. A code that says "transfer received" decides nothing: whether it
# is an insurer's is the payer's name's job (rule 5).
BANK_CODES: tuple[tuple[str, str, bool, str], ...] = (
    ("cfonb", "A1", True, Kind.CARD),
    ("cfonb", "B1", False, Kind.DIRECT_DEBIT),
    ("cfonb", "62", False, Kind.FEE),
    ("camt_family", "CCRD", True, Kind.CARD),
    ("camt_family", "MCRD", True, Kind.CARD),
    ("camt_family", "IDDT", False, Kind.DIRECT_DEBIT),
    ("camt_family", "RDDT", False, Kind.DIRECT_DEBIT),
    *(("camt_sub", sub, False, Kind.FEE) for sub in ("CHRG", "FEES", "COMM", "COMI", "COME", "INTR")),
    ("ofx", "FEE", False, Kind.FEE),
    ("ofx", "SRVCHG", False, Kind.FEE),
    ("ofx", "DIRECTDEBIT", False, Kind.DIRECT_DEBIT),
)

# Words of a label (normalised, matched at the start of a word), in order: a direct
# debit's label may speak of "cotisations" or "frais", so debits are tried first.
LABEL_WORDS: tuple[tuple[str, bool, str], ...] = (
    ("REMISE CB", True, Kind.CARD),
    ("REMISE CARTE", True, Kind.CARD),
    ("REM CB", True, Kind.CARD),
    ("PRLV", False, Kind.DIRECT_DEBIT),
    ("PRELEVEMENT", False, Kind.DIRECT_DEBIT),
    ("FRAIS", False, Kind.FEE),
    ("COMMISSION", False, Kind.FEE),
    ("AGIOS", False, Kind.FEE),
    ("TENUE DE COMPTE", False, Kind.FEE),
    ("COTISATION CARTE", False, Kind.FEE),
)

# Said by insurers' transfers whatever the payer (an OFX export keeps 32 characters
# of the label, often cut before the payer's name ends).
PAYER_WORDS = ("TIERS PAYANT", "CPAM", "CGSS", "CAISSE PRIMAIRE")

CLASSIFY_SQL = """
WITH payer AS MATERIALIZED (  -- every known payer's words, normalised once
    SELECT DISTINCT term FROM (
        SELECT ' ' || trim(match_normalize(name)) || ' ' FROM claims_organism WHERE name <> ''
        UNION ALL
        SELECT ' ' || trim(match_normalize(operator)) || ' ' FROM claims_organism WHERE operator <> ''
        UNION ALL
        SELECT ' ' || w || ' ' FROM unnest(%(payer_words)s::text[]) w
        UNION ALL  -- the payer's code digits opening a word (an insurer's transfer reference
                   -- starts with them, as the matching reads it), never inside a longer
                   -- number (a SIRET or a card merchant's number that happens to hold them)
        SELECT ' ' || right(regexp_replace(code, '[^0-9]', '', 'g'), 9) FROM claims_organism
    ) t (term)
    WHERE length(trim(term)) >= 3
), rule AS MATERIALIZED (
    SELECT ' ' || trim(match_normalize(pattern)) || ' ' AS term, kind,
           kind = ANY(%(credit_kinds)s::text[]) AS credit
    FROM payments_bankrule WHERE pharmacy_id = %(p)s
), code AS (
    SELECT * FROM unnest(%(code_scheme)s::text[], %(code_value)s::text[],
                         %(code_credit)s::boolean[], %(code_kind)s::text[])
                  AS c (scheme, value, credit, kind)
), word AS (
    SELECT * FROM unnest(%(word_text)s::text[], %(word_credit)s::boolean[], %(word_kind)s::text[])
                  WITH ORDINALITY AS w (text, credit, kind, n)
), sorted AS (
    SELECT b.id,
        CASE
            WHEN r.kind IS NOT NULL THEN r.kind || ' rule'
            WHEN b.amount > 0 AND b.matched_amount <> 0 THEN 'insurer match'
            WHEN c.kind IS NOT NULL THEN c.kind || ' code'
            WHEN b.amount > 0 AND EXISTS (SELECT 1 FROM payer
                                          WHERE position(payer.term IN b.match_text) > 0)
                THEN 'insurer payer'
            WHEN w.kind IS NOT NULL THEN w.kind || ' label'
            WHEN b.amount > 0 THEN 'other_credit sign'
            ELSE 'other_debit sign'
        END AS decided
    FROM payments_bankline b
    LEFT JOIN LATERAL (
        SELECT rule.kind FROM rule
        WHERE rule.credit = (b.amount > 0) AND position(rule.term IN b.match_text) > 0
        ORDER BY length(rule.term) DESC, rule.term LIMIT 1
    ) r ON true
    LEFT JOIN LATERAL (
        SELECT code.kind FROM code
        WHERE code.credit = (b.amount > 0)
          AND code.value = CASE code.scheme
              WHEN 'cfonb' THEN coalesce(
                  b.details ->> 'operation_code',
                  CASE WHEN b.details ->> 'BkTxCdIssr' = 'CFONB'
                       THEN b.details ->> 'BkTxCdPrtry' END)
              WHEN 'camt_family' THEN split_part(b.details ->> 'BkTxCd', '/', 2)
              WHEN 'camt_sub' THEN split_part(b.details ->> 'BkTxCd', '/', 3)
              WHEN 'ofx' THEN upper(b.details ->> 'TRNTYPE') END
        LIMIT 1
    ) c ON true
    LEFT JOIN LATERAL (
        SELECT word.kind FROM word
        WHERE word.credit = (b.amount > 0) AND position(' ' || word.text IN b.match_text) > 0
        ORDER BY word.n LIMIT 1
    ) w ON true
    WHERE b.pharmacy_id = %(p)s AND b.kind_source <> 'manual'
      -- An import sorts only its own new lines (not yet sorted): it never updates a line
      -- the night or another import may be updating, so no two of them wait on each other.
      AND (NOT %(fresh_only)s OR b.kind = '')
      AND (%(everything)s
           -- A rule added or removed: the lines with its words, and those a rule sorted.
           OR b.kind_source = 'rule' AND %(touching)s::text IS NOT NULL
           OR position(' ' || trim(match_normalize(%(touching)s::text)) || ' ' IN b.match_text) > 0
           -- The night's and the import's share: what may have changed since the last
           -- sort (new lines, credits linked since, credits no rule recognised, which
           -- a payer seen since may name).
           OR b.kind = ''
           OR (b.amount > 0 AND (b.kind_source = 'sign'
                                 OR (b.matched_amount <> 0
                                     AND b.kind_source NOT IN ('match', 'rule')))))
)
UPDATE payments_bankline b
SET kind = split_part(s.decided, ' ', 1), kind_source = split_part(s.decided, ' ', 2)
FROM sorted s
WHERE b.id = s.id AND b.pharmacy_id = %(p)s
  AND (b.kind, b.kind_source) IS DISTINCT FROM
      (split_part(s.decided, ' ', 1), split_part(s.decided, ' ', 2))
"""


def classify_parameters(pharmacy_id: int, *, everything: bool = True,
                        touching: str | None = None, fresh_only: bool = False) -> dict:
    return {
        "p": pharmacy_id,
        "everything": everything,
        "fresh_only": fresh_only,
        "touching": touching,
        "credit_kinds": [str(k) for k in CREDIT_KINDS],
        "payer_words": list(PAYER_WORDS),
        "code_scheme": [c[0] for c in BANK_CODES],
        "code_value": [c[1] for c in BANK_CODES],
        "code_credit": [c[2] for c in BANK_CODES],
        "code_kind": [str(c[3]) for c in BANK_CODES],
        "word_text": [w[0] for w in LABEL_WORDS],
        "word_credit": [w[1] for w in LABEL_WORDS],
        "word_kind": [str(w[2]) for w in LABEL_WORDS],
    }


def bank_lines_classify(*, pharmacy_id: int, everything: bool = True,
                        touching: str | None = None, fresh_only: bool = False) -> int:
    """Sort the bank lines of one pharmacy (but those a person sorted); returns the lines changed.

    `everything=False` (the import, the night) sorts only what may have changed since
    the last sort, plus, with `touching` (a rule's pattern, added or removed), the
    lines holding its words and those a rule sorted: the same result as sorting
    every line, at the cost of the few that can change (docs/benchmarks.md).
    `fresh_only` (the import) sorts only lines never sorted: its own new ones.
    """
    parameters = classify_parameters(pharmacy_id, everything=everything, touching=touching,
                                     fresh_only=fresh_only)
    with audit_job("bank_lines_classify", pharmacy_id=pharmacy_id), connection.cursor() as cursor:
        cursor.execute(CLASSIFY_SQL, parameters)
        return cursor.rowcount
