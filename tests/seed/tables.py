"""Every table's rows, to compare a database before and after an import."""

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

import models


async def snapshot(engine: AsyncEngine) -> dict[str, list[tuple[Any, ...]]]:
    tables: dict[str, list[tuple[Any, ...]]] = {}
    async with engine.connect() as connection:
        for table in models.metadata.sorted_tables:
            rows = [tuple(row) for row in await connection.execute(select(table))]
            tables[table.name] = sorted(rows, key=repr)
    return tables
