"""The newest-first and oldest-first title lists read an index in list order: a page
costs the rows it returns, not a sort of every title.

The statement checked is the one the planner sends for `titles(first: 50)`. The
test catalogue is small enough that PostgreSQL may rightly prefer sorting it, so
its sorts are priced out of the plan (`enable_sort = off`, this transaction
only): what remains is the proof that an index delivers the order. A 20,000-title
catalogue plans the same index scan without that nudge.
"""

from typing import Any

import orjson
import pytest
from sqlalchemy import event, text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession, async_sessionmaker

from api.titles.sorters import TitleOrder
from models.titles import RELEASED_ASC_INDEX, RELEASED_DESC_INDEX
from tests.helpers import GraphQL, data

INDEX_OF = {
    TitleOrder.RELEASED_DESC: RELEASED_DESC_INDEX.name,
    TitleOrder.RELEASED_ASC: RELEASED_ASC_INDEX.name,
}


async def _first_page_sql(
    graphql: GraphQL, engine: AsyncEngine, order: TitleOrder
) -> tuple[str, Any]:
    """The SQL and parameters the planner sends for the first 50 titles in `order`."""
    sent: list[tuple[str, Any]] = []

    def record(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        sent.append((statement, parameters))

    query = f"{{ titles(first: 50, orderBy: {order.value}) {{ edges {{ node {{ id }} }} }} }}"
    event.listen(engine.sync_engine, "before_cursor_execute", record)
    try:
        data(await graphql(query))
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", record)
    (sql,) = sent
    return sql


def _nodes(plan: dict[str, Any]) -> list[dict[str, Any]]:
    return [plan, *(node for child in plan.get("Plans", []) for node in _nodes(child))]


async def _postgresql_plan(connection: AsyncConnection, sql: tuple[str, Any]) -> dict[str, Any]:
    statement, parameters = sql
    await connection.execute(text("SET LOCAL enable_sort = off"))
    result = await connection.exec_driver_sql(f"EXPLAIN (FORMAT JSON) {statement}", parameters)
    raw = result.scalar_one()
    plan: dict[str, Any] = (orjson.loads(raw) if isinstance(raw, str) else raw)[0]["Plan"]
    return plan


async def _sqlite_plan(connection: AsyncConnection, sql: tuple[str, Any]) -> list[str]:
    statement, parameters = sql
    result = await connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", parameters)
    return [row.detail for row in result]


@pytest.mark.parametrize("order", list(INDEX_OF))
async def test_first_page_of_a_released_order_reads_its_index_without_sorting(
    graphql: GraphQL,
    engine: AsyncEngine,
    sessions: async_sessionmaker[AsyncSession],
    order: TitleOrder,
) -> None:
    sql = await _first_page_sql(graphql, engine, order)
    async with sessions() as session, session.begin():
        connection = await session.connection()
        if connection.dialect.name == "postgresql":
            plan = await _postgresql_plan(connection, sql)
            nodes = _nodes(plan)
            assert not [node for node in nodes if "Sort" in node["Node Type"]], plan
            (scan,) = [node for node in nodes if node.get("Relation Name") == "titles"]
            assert scan["Node Type"] in ("Index Scan", "Index Only Scan"), plan
            assert scan["Index Name"] == INDEX_OF[order]
            assert scan["Scan Direction"] == "Forward"
        else:
            details = await _sqlite_plan(connection, sql)
            (scan,) = [d for d in details if d.startswith("SCAN titles_1 ")]
            assert scan.endswith(f"INDEX {INDEX_OF[order]}"), details  # COVERING or not
            assert not [d for d in details if "TEMP B-TREE" in d], details
