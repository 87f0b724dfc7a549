"""The schema keeps the tenancy rule: every index of a tenant table starts with pharmacy_id."""

from django.db import connection

# Indexes that deliberately do not start with pharmacy_id, and why.
ALLOWED = {
    # A login belongs to at most one pharmacy: a global uniqueness, by nature.
    "pharmacies_staffmember_user_id_key",
    # The access rule itself looks assignments up by manager.
    "backoffice__manager_590be3_idx",
    # A deposit finds its token by its hash alone, before it knows whose it is.
    "unique_api_token_hash",
}


def test_every_index_on_a_tenant_table_starts_with_the_pharmacy(db):
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT i.indexname, i.indexdef
            FROM pg_indexes i
            WHERE i.schemaname = current_schema()
              AND i.indexname NOT LIKE '%%_pkey'
              AND EXISTS (
                SELECT 1 FROM information_schema.columns c
                WHERE c.table_schema = i.schemaname AND c.table_name = i.tablename
                  AND c.column_name = 'pharmacy_id')
            """
        )
        offenders = [
            (name, definition)
            for name, definition in cursor.fetchall()
            if "(pharmacy_id" not in definition and name not in ALLOWED
        ]
    assert offenders == []


def test_money_columns_are_numeric_12_2(db):
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT table_name, column_name, data_type, numeric_precision, numeric_scale
            FROM information_schema.columns
            WHERE table_schema = current_schema()
              AND column_name IN ('amount', 'amount_claimed', 'amount_paid', 'total',
                                  'matched_amount', 'recovered_amount')
            """
        )
        columns = cursor.fetchall()
    assert columns, "no money column found"
    assert all(col[2:] == ("numeric", 12, 2) for col in columns), columns
