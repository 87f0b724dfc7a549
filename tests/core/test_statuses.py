"""core.statuses: the one vocabulary, and the SQL lists built from it."""

import pytest

from core import statuses as s


def test_sql_lists_are_rendered_from_the_sets():
    assert s.sql_in(s.MONEY_RETURN_STATUSES) == "('PAYE', 'PARTIEL', 'INDU')"
    assert s.sql_literal(s.RETURN_REJECTED) == "'REJETE'"


@pytest.mark.parametrize("bad", ["PAYE'); DROP TABLE x; --", "a b", "", "é"])
def test_only_plain_words_become_sql(bad):
    with pytest.raises(ValueError):
        s.sql_literal(bad)


def test_an_empty_set_has_no_sql_list():
    with pytest.raises(ValueError):
        s.sql_in([])


def test_the_sets_are_made_of_known_values():
    assert set(s.OPEN_CLAIM_STATUSES) | set(s.HUMAN_CLAIM_STATUSES) < {
        s.CLAIM_TRANSMITTED, s.CLAIM_PAID, s.CLAIM_PARTIAL, s.CLAIM_REJECTED, s.CLAIM_UNPAID,
        s.CLAIM_WRITTEN_OFF, s.CLAIM_REINVOICED, s.CLAIM_TAKEN_BACK,
    }
    assert s.CLAIM_PAID not in s.OPEN_CLAIM_STATUSES
    assert set(s.PAYMENT_RETURN_STATUSES) < set(s.MONEY_RETURN_STATUSES) < set(s.RETURN_STATUSES)
    assert s.RETURN_REJECTED not in s.MONEY_RETURN_STATUSES
    assert set(s.ACTIONABLE_REJECTION_STATUSES) < set(s.OPEN_REJECTION_STATUSES)
    assert s.REJECTION_CLOSED not in s.OPEN_REJECTION_STATUSES
