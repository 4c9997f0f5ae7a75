"""raw_statements.raw: the posting statement converted once to PostgreSQL's $n placeholders, as psycopg
would."""

from __future__ import annotations

import pytest
from psycopg._queries import PostgresQuery
from psycopg.adapt import Transformer

from paybridge.adapters.postgres.posting_sql import post_sql
from paybridge.adapters.postgres.raw_statements import parameter_names, raw


def test_each_name_gets_one_number_in_order_of_first_use() -> None:
    statement = raw("SELECT %(a)s, %(b)s, %(a)s::int")
    assert statement.text == "SELECT $1, $2, $1::int" and statement.names == ("a", "b")
    assert parameter_names(statement.text) == ("a", "b")


@pytest.mark.parametrize("variant", [{"kyc": True, "express": True}, {"kyc": True}, {"hold": "settle"}])
def test_the_posting_statement_converts_exactly_as_psycopg_does(variant: dict[str, object]) -> None:
    statement = post_sql(**variant)
    converted = raw(statement)
    names = dict.fromkeys(converted.names, 1)
    query = PostgresQuery(Transformer())
    query.convert(statement, names)
    assert bytes(query.query).decode() == converted.text
    assert tuple(query._order or ()) == converted.names


@pytest.mark.parametrize("text", ["SELECT %s", "SELECT 100 %% 7, %(a)s"])
def test_only_named_placeholders_are_converted(text: str) -> None:
    with pytest.raises(ValueError, match="placeholders can be converted"):
        raw(text)
