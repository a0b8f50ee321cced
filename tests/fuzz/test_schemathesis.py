"""Schemathesis fuzzes every Query and Mutation field over real HTTP: no response is
a server error, breaks the schema, or leaks internals."""

from datetime import UTC, date, datetime
from typing import Any

import pytest
import schemathesis
from graphql import get_introspection_query, graphql_sync
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from api.schema import schema as reelgraph_schema
from tests.helpers import assert_no_leak

# Custom scalars get well-formed values; malformed ones are the variables' business.
String = schemathesis.graphql.nodes.String
schemathesis.graphql.scalar(
    "Date", st.dates(date(1870, 1, 1), date(2100, 1, 1)).map(date.isoformat).map(String)
)
schemathesis.graphql.scalar(
    "DateTime",
    st.datetimes(datetime(2000, 1, 1), datetime(2040, 1, 1), timezones=st.just(UTC))
    .map(datetime.isoformat)
    .map(String),
)
schemathesis.graphql.scalar("Decimal", st.decimals(-10, 10_000, places=2).map(str).map(String))

# The fuzzer holds an editor key, so critics' writes are FORBIDDEN to it.
EXPECTED_CODES = {"BAD_USER_INPUT", "NOT_FOUND", "CONFLICT", "QUERY_TOO_COMPLEX", "FORBIDDEN"}

# schemathesis' pytest plugin does not run on pytest 9, so its strategies are driven
# by Hypothesis directly, one test per root field.
_introspection = graphql_sync(reelgraph_schema._schema, get_introspection_query()).data
OPERATIONS = {
    result.ok().label: result.ok()
    for result in schemathesis.graphql.from_dict(_introspection).get_all_operations()
}


@pytest.mark.parametrize("label", sorted(OPERATIONS))
def test_no_server_errors_and_no_leaks(label: str, fuzz_server: tuple[str, str]) -> None:
    url, key = fuzz_server
    operation = OPERATIONS[label]

    @settings(
        max_examples=25, deadline=None, suppress_health_check=list(HealthCheck), database=None
    )
    @given(case=operation.as_strategy())
    def fuzz(case: Any) -> None:
        response = case.call(base_url=url, headers={"Authorization": f"Bearer {key}"})
        assert response.status_code < 500, response.text
        body = response.json()
        assert isinstance(body, dict) and ("data" in body or "errors" in body), body
        assert_no_leak(body)
        # Errors are fine when they are the client's (bad input, not found...); a null
        # in a non-null field or an internal error is ours.
        for error in body.get("errors", []):
            assert "Cannot return null for non-nullable field" not in error["message"], error
            assert error["extensions"]["code"] in EXPECTED_CODES, (case.body, error)

    fuzz()
