"""What every write that hangs off a title shares."""

from collections.abc import Iterable
from typing import Any

import strawberry
from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from api.errors import NotFound
from api.ids import decode_id
from models import Title


def title_pk(title_id: strawberry.ID) -> int:
    return decode_id(title_id, "Title")[1]


async def lock_title(session: AsyncSession, title_id: strawberry.ID) -> int:
    """Locks the title row (PostgreSQL; SQLite serialises writers anyway) so concurrent
    writes to one title's credits or offers queue up instead of colliding; returns its key."""
    pk = title_pk(title_id)
    stmt = select(Title.id).where(Title.id == pk).with_for_update()
    if await session.scalar(stmt) is None:
        raise NotFound(f"No title with ID {title_id!r}.", argument="titleId")
    return pk


def upsert_statement(session: AsyncSession, table: Any) -> Any:
    """INSERT with ON CONFLICT support: both engines have it, each in its dialect."""
    dialect = session.bind.dialect.name if session.bind else "sqlite"
    return (postgresql_insert if dialect == "postgresql" else sqlite_insert)(table)


async def ids_by_slug(session: AsyncSession, table: Any, slugs: Iterable[str]) -> dict[str, int]:
    """The ids of the rows of `table` (genres, people...) with these slugs; absent
    slugs are simply missing from the answer."""
    found = await session.execute(select(table.slug, table.id).where(table.slug.in_(set(slugs))))
    return dict(found.all())
