"""The `factures` CSV: a valid file reads fully; every fault is a French problem with line and column."""

import io
from datetime import date
from decimal import Decimal

import pytest

from claims.parsers.claims_csv import iter_claim_rows, parse_claims
from core.problems import ImportFileError, Problem

from .conftest import FILES

FINESS = "690001235"
HEADER = (
    "finess;facture;lot;date_soins;date_transmission;nir;rang;patient;payeur;organisme;"
    "organisme_nom;montant;operateur;prescripteur"
)
GOOD = "690001235;000123456;L1;05/01/2024;06/01/2024;185077512345608;1;DUPONT Jean;AMO;016912345;CPAM;23,40;MARIE;10001234567"


def claims(*rows: str, header: str = HEADER, encoding: str = "utf-8") -> bytes:
    return "\n".join([header, *rows]).encode(encoding)


def only_problem(result) -> Problem:
    assert len(result.problems) == 1, result.problems
    return result.problems[0]


def test_it_reads_the_round_trip_fixture():
    result = parse_claims((FILES / "factures.csv").read_bytes(), expected_finess=FINESS)
    assert result.problems == []
    amo, amc, corsica = result.rows
    assert (amo.line, amo.invoice_number, amo.payer_kind, amo.organism_code) == (
        2,
        "000123456",
        "AMO",
        "016912345",
    )
    assert (amo.nir, amo.nir_key, amo.birth_rank) == ("1850775123456", "08", 1)
    assert (amo.care_date, amo.transmission_date) == (date(2024, 1, 5), date(2024, 1, 6))
    assert amo.amount_claimed == Decimal("23.40")
    assert amo.prescriber_rpps == "10001234567"
    # AMC numbers are left-padded to 10; "1 234,56 €" is a French amount.
    assert (amc.organism_code, amc.amount_claimed) == ("0007123456", Decimal("1234.56"))
    # Corsica NIR (2A), ISO and two-digit-year dates, optional columns empty.
    assert (corsica.nir, corsica.nir_key) == ("287052A123456", "79")
    assert (corsica.care_date, corsica.transmission_date) == (date(2024, 1, 7), date(2024, 1, 8))
    assert (corsica.birth_rank, corsica.prescriber_rpps, corsica.lot_number) == (None, "", "")
    assert corsica.patient_name == "MARTIN Léa"


def test_it_streams_rows_from_a_binary_file():
    items = list(iter_claim_rows(io.BytesIO(claims(GOOD)), expected_finess=FINESS))
    assert [type(i).__name__ for i in items] == ["ClaimRow"]


def test_it_accepts_windows_1252():
    data = claims(GOOD.replace("DUPONT Jean", "DUPRÉ Hélène"), encoding="cp1252")
    assert parse_claims(data, expected_finess=FINESS).rows[0].patient_name == "DUPRÉ Hélène"


def test_it_accepts_utf8_with_bom_and_crlf():
    data = b"\xef\xbb\xbf" + claims(GOOD.replace("DUPONT Jean", "DUPRÉ Hélène")).replace(
        b"\n", b"\r\n"
    )
    result = parse_claims(data, expected_finess=FINESS)
    assert result.problems == []
    assert result.rows[0].patient_name == "DUPRÉ Hélène"


def test_it_sniffs_comma_and_tab_separators_and_loose_headers():
    header = (
        "FINESS,Facture,Date Soins,Date-Transmission,NIR,Patient,Payeur,Organisme,Montant,Opérateur"
    )
    row = '690001235,000123456,05/01/2024,06/01/2024,185077512345608,"DUPONT, Jean",AMO,016912345,"23,40",MARIE'
    result = parse_claims(claims(row, header=header), expected_finess=FINESS)
    assert result.problems == []
    assert (result.rows[0].patient_name, result.rows[0].amount_claimed) == (
        "DUPONT, Jean",
        Decimal("23.40"),
    )
    tabbed = claims(GOOD.replace(";", "\t"), header=HEADER.replace(";", "\t"))
    assert len(parse_claims(tabbed, expected_finess=FINESS).rows) == 1


def test_an_empty_file_is_refused():
    with pytest.raises(ImportFileError, match="vide"):
        parse_claims(b"", expected_finess=FINESS)


def test_a_file_with_only_the_header_is_refused():
    with pytest.raises(ImportFileError, match="que l'en-tête"):
        parse_claims(claims(), expected_finess=FINESS)


def test_a_wrong_separator_is_refused():
    with pytest.raises(ImportFileError, match="séparateur"):
        parse_claims(
            claims(GOOD.replace(";", "|"), header=HEADER.replace(";", "|")), expected_finess=FINESS
        )


def test_a_missing_required_column_is_named():
    header = HEADER.replace(";nir", "")
    row = GOOD.replace(";185077512345608", "")
    with pytest.raises(ImportFileError) as error:
        parse_claims(claims(row, header=header), expected_finess=FINESS)
    assert [(p.line, p.column) for p in error.value.problems] == [(1, "nir")]
    assert "colonne nir : colonne obligatoire absente" in str(error.value)


def test_rows_of_another_pharmacy_are_refused():
    other = GOOD.replace("690001235", "750000010", 1)
    result = parse_claims(
        claims(GOOD.replace("000123456", "000123999"), other), expected_finess=FINESS
    )
    assert len(result.rows) == 1
    problem = only_problem(result)
    assert (problem.line, problem.column) == (3, "finess")
    assert "750000010 différent de celui de la pharmacie (690001235)" in problem.message


def test_a_bad_nir_key_gives_the_expected_key():
    result = parse_claims(
        claims(GOOD.replace("185077512345608", "185077512345699")), expected_finess=FINESS
    )
    assert result.rows == []
    assert (
        str(only_problem(result))
        == "ligne 2, colonne nir : clé de contrôle incorrecte (attendue 08)"
    )


def test_an_unknown_payer_kind_is_refused():
    problem = only_problem(
        parse_claims(claims(GOOD.replace(";AMO;", ";RO;")), expected_finess=FINESS)
    )
    assert (problem.line, problem.column) == (2, "payeur")
    assert "payeur « RO » inconnu (attendu AMO ou AMC)" in problem.message


def test_a_negative_amount_is_refused():
    problem = only_problem(
        parse_claims(claims(GOOD.replace(";23,40;", ";-23,40;")), expected_finess=FINESS)
    )
    assert (problem.line, problem.column) == (2, "montant")
    assert "montant négatif" in problem.message


def test_an_invalid_date_is_reported_with_line_and_column():
    problem = only_problem(
        parse_claims(
            claims(
                GOOD, GOOD.replace("000123456", "000123457").replace("05/01/2024", "31/02/2024")
            ),
            expected_finess=FINESS,
        )
    )
    assert (
        str(problem)
        == "ligne 3, colonne date_soins : date invalide « 31/02/2024 » (attendu JJ/MM/AAAA)"
    )


def test_a_duplicate_row_names_both_lines():
    result = parse_claims(
        claims(GOOD, GOOD.replace(";AMO;016912345", ";AMC;12345"), GOOD), expected_finess=FINESS
    )
    assert len(result.rows) == 2  # AMO and AMC of one invoice are two claims
    problem = only_problem(result)
    assert (problem.line, problem.column) == (4, "facture")
    assert "facture 000123456 (AMO) en double : déjà présente ligne 2" in problem.message


@pytest.mark.parametrize(
    ("old", "new", "column"),
    [
        (";000123456;", ";12345;", "facture"),
        (";016912345;", ";01691234;", "organisme"),
        (";10001234567", ";20001234567", "prescripteur"),
        (";DUPONT Jean;", ";;", "patient"),
        (";MARIE;", ";;", "operateur"),
        (";1;DUPONT", ";12;DUPONT", "rang"),
    ],
)
def test_each_field_rule_is_checked(old, new, column):
    problem = only_problem(parse_claims(claims(GOOD.replace(old, new)), expected_finess=FINESS))
    assert (problem.line, problem.column) == (2, column)


def test_every_bad_row_is_reported_not_only_the_first():
    bad_nir = GOOD.replace("185077512345608", "185077512345699")
    bad_both = (
        GOOD.replace("000123456", "000123457").replace(";AMO;", ";XX;").replace(";23,40;", ";abc;")
    )
    result = parse_claims(claims(bad_nir, bad_both), expected_finess=FINESS)
    assert [(p.line, p.column) for p in result.problems] == [
        (2, "nir"),
        (3, "payeur"),
        (3, "montant"),
    ]


# --- one encoding, one width (issue 19) ----------------------------------------------------

def many(count: int, start: int = 100000001) -> list[str]:
    """`count` good rows with distinct invoices (about 150 bytes each)."""
    return [GOOD.replace("000123456", str(start + i)) for i in range(count)]


def test_a_utf8_line_after_64_kb_of_windows_1252_is_refused_at_its_line():
    rows = many(600)  # > 64 KB, all ASCII but the first, in Windows-1252
    rows[0] = rows[0].replace("DUPONT Jean", "DUPRÉ Hélène")
    head = claims(*rows, encoding="cp1252")
    assert len(head) > 64 * 1024
    data = head + b"\n" + many(1, start=200000001)[0].replace("DUPONT Jean", "DUPONT Hélène").encode()
    with pytest.raises(ImportFileError) as error:
        parse_claims(data, expected_finess=FINESS)
    assert str(error.value) == (
        "ligne 602 : texte en UTF-8 alors que le début du fichier est en Windows-1252 : le fichier "
        "mélange deux encodages, ré-exportez le fichier en UTF-8 depuis votre logiciel"
    )


def test_a_windows_1252_line_after_64_kb_of_utf8_is_refused_at_its_line():
    rows = many(600)
    rows[0] = rows[0].replace("DUPONT Jean", "DUPRÉ Hélène")
    data = claims(*rows) + b"\n" + many(1, start=200000001)[0].replace(
        "DUPONT Jean", "DUPONT Hélène").encode("cp1252")
    with pytest.raises(ImportFileError) as error:
        parse_claims(data, expected_finess=FINESS)
    assert str(error.value) == (
        "ligne 602 : caractères illisibles en UTF-8 (l'encodage du début du fichier) : le fichier "
        "mélange deux encodages, ré-exportez le fichier en UTF-8 depuis votre logiciel"
    )


def test_an_unquoted_decimal_comma_in_a_comma_file_is_refused_not_read_as_23():
    header, row = HEADER.replace(";", ","), GOOD.replace(";", ",")  # 23,40 is now two fields
    result = parse_claims(claims(row, header=header), expected_finess=FINESS)
    assert result.rows == []
    assert [str(p) for p in result.problems] == [
        "ligne 2 : 15 champs au lieu de 14 (les colonnes de l'en-tête) : une valeur contient-elle "
        "une virgule sans guillemets (un montant « 23,40 ») ?"
    ]
    quoted = GOOD.replace(";", ",").replace("23,40", '"23,40"')
    assert parse_claims(claims(quoted, header=header), expected_finess=FINESS).rows[0].amount_claimed == Decimal("23.40")


def test_a_row_with_fewer_fields_is_refused():
    result = parse_claims(claims(GOOD.rsplit(";", 2)[0]), expected_finess=FINESS)
    assert [str(p) for p in result.problems] == [
        "ligne 2 : 12 champs au lieu de 14 (les colonnes de l'en-tête)"
    ]


def test_rows_with_another_separator_than_the_header_say_so():
    result = parse_claims(claims(*[r.replace(";", ",") for r in many(2)]), expected_finess=FINESS)
    assert {p.message for p in result.problems} == {
        "1 champ au lieu de 14 (les colonnes de l'en-tête) : les lignes n'utilisent pas le "
        "séparateur de l'en-tête (« ; »)"
    }


def test_a_utf8_header_over_windows_1252_rows_is_refused_at_line_1_not_a_missing_column():
    header = HEADER.replace("operateur", "opérateur").encode("utf-8")
    rows = "\n".join(many(3)).replace("DUPONT Jean", "DUPRÉ Hélène").encode("cp1252")
    with pytest.raises(ImportFileError) as error:
        parse_claims(header + b"\n" + rows, expected_finess=FINESS)
    assert str(error.value).startswith(
        "ligne 1 : texte en UTF-8 alors que le début du fichier est en Windows-1252"
    )
