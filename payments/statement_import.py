"""Bank statements (CFONB 120, CAMT.053, OFX, CSV) → BankAccount, BankStatement, BankLine.

A bank line is identified by its bank reference when the file gives one, else
by a digest of (account, date, amount, label, position among identical lines
of the statement): overlapping statements never create a line twice. A
statement is found again by (account, period, balances), so a second import
of the same content creates nothing at all. Statements are small (a month is
~700 lines): the ORM's bulk operations are enough here, unlike claims.

Every statement must be of one of the pharmacy's accounts (`account_key`: a French
IBAN and the CFONB/OFX bank/branch/account of the same account are one) and in its
currency. A statement of an account the pharmacy does not have is shown in the
preview with a checkbox "Créer le compte …"; committed without it ticked, the file
is refused and nothing is written (another holder's statement never gets in by a
click on "Confirmer"). Scripts (`import_file_run`) confirm on the operator's behalf.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from decimal import Decimal
from typing import BinaryIO, cast

from claims.imports.result import ImportResult
from claims.imports.services import ALL_ACCOUNTS, import_max_bytes
from claims.models import ImportBatch
from core.problems import ImportFileError, Problem
from payments.classification import bank_lines_classify
from payments.models import BankAccount, BankLine, BankStatement
from payments.parsers import statement as parsed
from payments.parsers.detect import parse_file
from payments.parsers.statement import account_key
from pharmacies.models import Pharmacy

CENT = Decimal("0.01")
KEY_LENGTH = cast(int, BankLine._meta.get_field("natural_key").max_length)  # a CharField's
REFERENCE_LENGTH = BankLine._meta.get_field("bank_reference").max_length
LABEL_LENGTH = BankLine._meta.get_field("label").max_length
ACCOUNT_LENGTH = BankAccount._meta.get_field("account_id").max_length


def bank_line_natural_key(*, account_id: str, line: parsed.BankLine, reference_is_unique: bool = True) -> str:
    """The bank's reference when given (and unique in its statement), else a digest of
    what the line says and its rank among identical lines.

    A reference repeated inside one statement (seen in real CFONB files) cannot
    name a line alone: it then joins the digest instead of replacing it.
    """
    reference = (line.bank_reference or "").strip()
    if reference and reference_is_unique:
        if len(reference) + 4 <= KEY_LENGTH:
            return f"ref:{reference}"
        return "ref#" + hashlib.sha256(reference.encode()).hexdigest()[: KEY_LENGTH - 4]
    material = "\x1f".join(
        (
            account_id,
            reference,
            line.booking_date.isoformat(),
            str(line.amount.quantize(CENT)),
            " ".join(line.label.split()),
            str(line.position),
        )
    )
    return hashlib.sha256(material.encode()).hexdigest()


def parse_statement_file(data: bytes, *, max_bytes: int | None = None):
    """The parsers' result for a bank file of any supported format."""
    return parse_file(data, expected_finess=None, max_bytes=max_bytes or import_max_bytes()).result


def _is_balance_gap(problem: Problem) -> bool:
    """Balances that do not add up are reported, not refused: the movements are still the bank's.

    The parsers' `Problem` has no severity yet, so the balance check is known by its message
    (payments.parsers.statement.finish_statement).
    """
    return problem.column is None and "les soldes ne concordent pas" in problem.message


def statement_import(*, pharmacy: Pharmacy, batch_id: int, source: BinaryIO, **_) -> ImportResult:
    """Write a bank file's statements and lines; the caller commits or rolls back."""
    data = source.read()  # size-checked before; a statement file is small
    result_of_parse = parse_statement_file(data)
    result = ImportResult()
    for problem in result_of_parse.problems:
        if _is_balance_gap(problem):
            result.notes.append(str(problem))
        else:
            result.add_problems([problem])
    statements = result_of_parse.rows
    result.counts["rows"] = sum(len(s.lines) for s in statements)
    result.counts["statements"] = len(statements)
    if not statements:
        raise ImportFileError("Aucun relevé dans ce fichier.")

    keyed = []
    for statement in statements:
        account_id = statement.account_id.strip()[:ACCOUNT_LENGTH]
        lines = []
        references = Counter((line.bank_reference or "").strip() for line in statement.lines)
        for line in statement.lines:
            reference = (line.bank_reference or "").strip()
            key = bank_line_natural_key(
                account_id=account_id, line=line, reference_is_unique=references[reference] == 1
            )
            lines.append((key, line))
        keyed.append((account_id, statement, lines))
    accounts = _statement_accounts(pharmacy=pharmacy, batch_id=batch_id, keyed=keyed, result=result)
    if not result.ok:
        return result

    created = existing_count = statements_created = 0
    credits = debits = Decimal(0)
    for account_id, statement, lines in keyed:
        account = accounts[account_id]
        bank_statement, new_statement = BankStatement.objects.get_or_create(
            pharmacy=pharmacy,
            account=account,
            start_date=statement.start_date,
            end_date=statement.end_date,
            opening_balance=statement.opening_balance,
            closing_balance=statement.closing_balance,
            defaults={"import_batch_id": batch_id},
        )
        statements_created += new_statement
        known = set(
            BankLine.objects.filter(
                pharmacy=pharmacy, account=account, natural_key__in=[key for key, _ in lines]
            ).values_list("natural_key", flat=True)
        )
        new_lines = [
            BankLine(
                pharmacy=pharmacy,
                account=account,
                statement=bank_statement,
                natural_key=key,
                booking_date=line.booking_date,
                value_date=line.value_date,
                amount=line.amount,
                label=line.label[:LABEL_LENGTH],
                bank_reference=(line.bank_reference or "")[:REFERENCE_LENGTH],
                details=line.details,
            )
            for key, line in lines
            if key not in known
        ]
        # ignore_conflicts: a concurrent import of an overlapping statement may have won.
        BankLine.objects.bulk_create(new_lines, ignore_conflicts=True)
        created += len(new_lines)
        existing_count += len(lines) - len(new_lines)
        credits += sum((line.amount for _, line in lines if line.amount > 0), Decimal(0))
        debits += sum((line.amount for _, line in lines if line.amount < 0), Decimal(0))

    # Sorted in the import's transaction: no page ever counts an unsorted line.
    if created:
        bank_lines_classify(pharmacy_id=pharmacy.pk, everything=False, fresh_only=True)
    result.counts.update(
        created=created,
        updated=0,
        unchanged=existing_count,
        accounts_created=len(result.counts.get("new_accounts", [])),
        statements_created=statements_created,
        credits=str(credits),
        debits=str(debits),
    )
    return result


def _statement_accounts(
    *, pharmacy: Pharmacy, batch_id: int, keyed: list, result: ImportResult
) -> dict[str, BankAccount]:
    """The pharmacy's account of each statement (by its file id), created only when confirmed.

    A statement in another currency than its account's, or of an account the pharmacy
    does not have and the person did not confirm at commit, is a problem (refused). In
    the preview an unknown account is listed (`counts["new_accounts"]`) for the checkbox.
    """
    counts = ImportBatch.objects.filter(pk=batch_id).values_list("counts", flat=True).first() or {}
    committing = counts.get("step") == "commit"
    confirmed = counts.get("accounts_confirmed") or []
    known = {account_key(a.account_id): a for a in BankAccount.objects.filter(pharmacy=pharmacy)}
    accounts: dict[str, BankAccount] = {}
    new_accounts: list[dict] = []
    for account_id, statement, _ in keyed:
        currency = (statement.currency or "").strip().upper() or None
        if not account_id:  # a bank CSV without a `compte` column
            if len(known) == 1:
                accounts[account_id] = next(iter(known.values()))
                continue
            held = f"a {len(known)} comptes" if known else "n'a encore aucun compte"
            result.add_problems([Problem(None, None, (
                "Le relevé ne dit pas de quel compte il est (pas de colonne « compte ») et la "
                f"pharmacie {held} : ajoutez au fichier une colonne « compte » avec l'IBAN."
            ))])
            continue
        account = known.get(account_key(account_id))
        if account is not None:
            if currency and currency != account.currency:
                result.add_problems([Problem(None, None, (
                    f"Relevé du compte {account_id} en {currency}, alors que ce compte de la "
                    f"pharmacie est en {account.currency} : le fichier n'est pas importé. "
                    "Demandez à la banque le relevé du compte en euros."
                ))])
            accounts[account_id] = account
            continue
        if committing and confirmed != ALL_ACCOUNTS and account_id not in confirmed:
            result.add_problems([Problem(None, None, (
                f"Le relevé est celui du compte {account_id} ({currency or 'EUR'}), qui n'est pas "
                f"un compte de la pharmacie {pharmacy.name} : le fichier n'est pas importé. "
                "S'il s'agit bien d'un nouveau compte de la pharmacie, déposez à nouveau le "
                f"fichier et cochez « Créer le compte {account_id} » avant de confirmer ; "
                "sinon, c'est le relevé d'un autre titulaire."
            ))])
            continue
        # INSERT … ON CONFLICT DO NOTHING, then read: a concurrent import of the same new
        # account may create it first (it waits for that one's commit, never fails on it).
        BankAccount.objects.bulk_create(
            [BankAccount(pharmacy=pharmacy, account_id=account_id, currency=currency or "EUR")],
            ignore_conflicts=True,
        )
        account = BankAccount.objects.get(pharmacy=pharmacy, account_id=account_id)
        known[account_key(account_id)] = accounts[account_id] = account
        new_accounts.append({"account_id": account_id, "currency": account.currency})
    if new_accounts:
        result.counts["new_accounts"] = new_accounts
        if not committing:
            result.notes.extend(
                f"Le compte {a['account_id']} ({a['currency']}) n'est pas encore un compte de la "
                "pharmacie : cochez « Créer le compte » pour l'importer, sinon annulez (relevé "
                "d'un autre titulaire)."
                for a in new_accounts
            )
    return accounts
