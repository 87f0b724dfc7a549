from datetime import date
from decimal import Decimal

from payments.parsers.bank_csv import parse_bank_csv


def test_it_reads_date_label_amount_with_french_rules():
    data = "Date;Libellé;Montant\n05/01/2024;VIR SEPA RECU /DE CPAM DU RHONE;1 234,56\n06/01/24;FRAIS;-3,00\n\n06/01/24;FRAIS;-3,00\n".encode(
        "cp1252"
    )
    result = parse_bank_csv(data)
    assert result.problems == []
    (statement,) = result.rows
    assert [(bl.booking_date, bl.amount, bl.label, bl.position) for bl in statement.lines] == [
        (date(2024, 1, 5), Decimal("1234.56"), "VIR SEPA RECU /DE CPAM DU RHONE", 0),
        (date(2024, 1, 6), Decimal("-3.00"), "FRAIS", 0),
        (date(2024, 1, 6), Decimal("-3.00"), "FRAIS", 1),
    ]
    assert (statement.start_date, statement.end_date) == (date(2024, 1, 5), date(2024, 1, 6))


def test_bad_rows_are_reported_by_line_and_column():
    result = parse_bank_csv(b"date;libelle;montant\n31/13/2024;X;1\n01/01/2024;Y;douze\n")
    assert [(p.line, p.column) for p in result.problems] == [(2, "date"), (3, "montant")]
