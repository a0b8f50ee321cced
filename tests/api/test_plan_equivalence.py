"""Generated documents: whatever a client may send, its plan answers the same bytes
as the reference resolvers (or leaves the request to them).

hypothesis-graphql (the strategies schemathesis fuzzes with) writes valid query
documents from the schema: any field, alias, nesting and argument value. Each one
is sent to an app that plans reads and to one that resolves them field by field.
"""

import httpx
from graphql import StringValueNode
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis_graphql import queries

from api.schema import schema

# Responses carry their request id: the same one on both sides, so bytes compare.
SAME_ID = {"X-Request-ID": "compared"}

DOCUMENTS = queries(
    schema._schema,
    custom_scalars={
        "Date": st.dates().map(lambda day: StringValueNode(value=day.isoformat())),
        "DateTime": st.datetimes().map(lambda at: StringValueNode(value=at.isoformat() + "Z")),
        "Decimal": st.decimals(allow_nan=False, places=2).map(
            lambda d: StringValueNode(value=str(d))
        ),
    },
    allow_x00=False,
)


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(document=DOCUMENTS)
async def test_a_generated_document_gets_the_same_bytes_from_its_plan(
    client: httpx.AsyncClient,
    reference_client: httpx.AsyncClient,
    document: str,
) -> None:
    payload = {"query": document}
    expected = await reference_client.post("/graphql", json=payload, headers=SAME_ID)
    planned = await client.post("/graphql", json=payload, headers=SAME_ID)
    assert planned.status_code == expected.status_code
    assert planned.content == expected.content, document
