"""Generic DataLoaders: one statement per batch of keys, whatever the batch size."""

from collections import defaultdict
from collections.abc import Callable, Hashable, Sequence
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, Select
from sqlalchemy.ext.asyncio import AsyncSession
from strawberry.dataloader import DataLoader

from api.reads import ReadSessions

KeyT = TypeVar("KeyT", bound=Hashable)
RowT = TypeVar("RowT")


class LoaderGroup:
    """One domain's DataLoaders for one request; each is created on first use
    (as a `cached_property`), so a request pays only for what its query touches."""

    def __init__(self, sessions: ReadSessions) -> None:
        self._sessions = sessions


def by_key(
    sessions: ReadSessions,
    stmt: Select[tuple[RowT]],
    key: ColumnElement[Any],
) -> DataLoader[Any, RowT | None]:
    """Loads the row whose `key` equals each requested key (None when missing)."""

    async def load(keys: list[Any]) -> list[RowT | None]:
        async with sessions() as session:
            rows = (await session.execute(stmt.add_columns(key).where(key.in_(keys)))).all()
        found = {row[-1]: row[0] for row in rows}
        return [found.get(k) for k in keys]

    return DataLoader(load_fn=load)


def grouped(
    sessions: ReadSessions,
    stmt: Select[Any],
    key: ColumnElement[Any],
    to_value: Callable[[Any], RowT] = lambda row: row[0],
) -> DataLoader[Any, list[RowT]]:
    """Loads, for each key, every row whose `key` matches, in `stmt`'s order."""

    async def load(keys: list[Any]) -> list[list[RowT]]:
        async with sessions() as session:
            rows = (await session.execute(stmt.add_columns(key).where(key.in_(keys)))).all()
        found: dict[Any, list[RowT]] = defaultdict(list)
        for row in rows:
            found[row[-1]].append(to_value(row))
        return [found.get(k, []) for k in keys]

    return DataLoader(load_fn=load)


def scoped(
    sessions: ReadSessions,
    load_scope: Callable[[AsyncSession, Hashable, Sequence[int]], Any],
) -> DataLoader[tuple[int, Hashable], Any]:
    """Keys are (parent id, scope); one call of `load_scope` per distinct scope.

    `load_scope(session, scope, parent_ids)` returns a dict parent id -> value.
    """

    async def load(keys: list[tuple[int, Hashable]]) -> list[Any]:
        by_scope: dict[Hashable, list[int]] = defaultdict(list)
        for parent_id, scope in keys:
            by_scope[scope].append(parent_id)
        values: dict[tuple[int, Hashable], Any] = {}
        async with sessions() as session:
            for scope, parent_ids in by_scope.items():
                found = await load_scope(session, scope, parent_ids)
                values |= {(pid, scope): found.get(pid) for pid in parent_ids}
        return [values[key] for key in keys]

    return DataLoader(load_fn=load)
