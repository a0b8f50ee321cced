"""Keyset (cursor) pagination over SQL, for root lists and batched per parent.

A cursor is the sort-key values of the last row it points after, tagged with the
ordering it belongs to, so deep pages cost the same as the first and rows added
meanwhile never shift a page.
"""

import base64
import binascii
from collections import defaultdict
from collections.abc import Awaitable, Callable, Hashable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Generic, NamedTuple, TypeVar

import orjson
from sqlalchemy import ColumnElement, Select, and_, false, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from strawberry.dataloader import DataLoader

from api.errors import BadUserInput
from api.reads import ReadSessions

MAX_FIRST = 100

RowT = TypeVar("RowT")
CursorValues = tuple[Any, ...]


def validate_first(first: int) -> int:
    if not 0 <= first <= MAX_FIRST:
        raise BadUserInput(
            f"`first` must be between 0 and {MAX_FIRST}, got {first}.", argument="first"
        )
    return first


@dataclass(frozen=True)
class SortKey:
    column: ColumnElement[Any]
    descending: bool = False
    nullable: bool = False
    # Turns a JSON cursor value back into a bind parameter, refusing wrong types
    # (a forged cursor must be bad input, not a database type error).
    parse: Callable[[Any], Any] = field(default=lambda value: parse_int(value))


def parse_int(value: Any) -> int:
    if type(value) is not int:
        raise TypeError(value)
    return value


def parse_float(value: Any) -> float:
    if type(value) not in (int, float):
        raise TypeError(value)
    return float(value)


def parse_str(value: Any) -> str:
    if not isinstance(value, str):
        raise TypeError(value)
    return value


def parse_date(value: Any) -> date:
    return date.fromisoformat(parse_str(value))


@dataclass(frozen=True)
class Ordering:
    """A total order: the last key must be unique and non-null (the primary key)."""

    name: str
    keys: tuple[SortKey, ...]

    def order_by(self) -> list[ColumnElement[Any]]:
        clauses: list[ColumnElement[Any]] = []
        for key in self.keys:
            if key.nullable:  # NULLs last in both directions, on both engines
                clauses.append(key.column.is_(None))
            clauses.append(key.column.desc() if key.descending else key.column.asc())
        return clauses

    def after(self, values: CursorValues) -> ColumnElement[bool]:
        """Rows strictly after `values` in this order (lexicographic, NULLs last)."""
        alternatives: list[ColumnElement[bool]] = []
        equal_so_far: list[ColumnElement[bool]] = []
        for key, value in zip(self.keys, values, strict=True):
            alternatives.append(and_(*equal_so_far, _beyond(key, value)))
            equal_so_far.append(key.column.is_(None) if value is None else key.column == value)
        return or_(*alternatives)

    def decode_cursor(self, cursor: str) -> CursorValues:
        raw = decode_cursor(cursor, self.name, len(self.keys))
        try:
            values = tuple(
                None if value is None else key.parse(value)
                for key, value in zip(self.keys, raw, strict=True)
            )
        except (ValueError, TypeError):
            raise invalid_cursor(cursor) from None
        if values[-1] is None:
            raise invalid_cursor(cursor)
        return values


def encode_cursor(list_name: str, values: Sequence[Any]) -> str:
    payload = orjson.dumps([list_name, *values])
    return base64.urlsafe_b64encode(payload).decode().rstrip("=")


def decode_cursor(cursor: str, list_name: str, size: int) -> list[Any]:
    """The values of a cursor made by `encode_cursor` for the same list."""
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        name, *values = orjson.loads(base64.urlsafe_b64decode(padded.encode("ascii")))
    except (ValueError, TypeError, UnicodeError, binascii.Error):
        raise invalid_cursor(cursor) from None
    if name != list_name or len(values) != size:
        raise invalid_cursor(cursor)
    return list(values)


def invalid_cursor(cursor: str) -> BadUserInput:
    return BadUserInput(
        f"Invalid cursor {cursor!r} for this list; pass an endCursor it returned.",
        argument="after",
    )


def _beyond(key: SortKey, value: Any) -> ColumnElement[bool]:
    if value is None:
        return false()  # NULLs sort last: nothing beyond them but later keys
    strictly = key.column < value if key.descending else key.column > value
    return or_(strictly, key.column.is_(None)) if key.nullable else strictly


class Cursor(NamedTuple):
    """A row's place in its list, encoded only if a client asks for the cursor."""

    list_name: str
    values: tuple[Any, ...]

    def encode(self) -> str:
        return encode_cursor(self.list_name, self.values)


class Page(NamedTuple, Generic[RowT]):
    rows: list[tuple[RowT, Cursor]]
    has_next_page: bool
    has_previous_page: bool


def _page(
    rows: Sequence[Any], ordering: Ordering, first: int, has_previous: bool, skip: int
) -> "Page[Any]":
    """`rows` are (entity, *skipped columns, *sort values); one more than `first` was asked."""
    kept = [(row[0], Cursor(ordering.name, tuple(row[1 + skip :]))) for row in rows[:first]]
    return Page(kept, len(rows) > first, has_previous)


def _sort_columns(ordering: Ordering) -> list[ColumnElement[Any]]:
    return [key.column.label(f"sort{index}") for index, key in enumerate(ordering.keys)]


async def fetch_page(
    session: AsyncSession,
    stmt: Select[Any],
    ordering: Ordering,
    first: int,
    after: CursorValues | None,
) -> Page[Any]:
    """One page of a root list; `stmt` selects a single entity."""
    stmt = stmt.add_columns(*_sort_columns(ordering))
    if after is not None:
        stmt = stmt.where(ordering.after(after))
    stmt = stmt.order_by(*ordering.order_by()).limit(first + 1)
    rows = (await session.execute(stmt)).all()
    return _page(rows, ordering, first, after is not None, skip=0)


class PageKey(NamedTuple):
    parent_id: int
    first: int
    after: CursorValues | None
    scope: Hashable = None  # extra filter (e.g. credit roles) shared by the batch


async def fetch_pages(
    session: AsyncSession,
    entity: type[Any],
    stmt: Select[Any],
    parent: ColumnElement[int],
    ordering: Ordering,
    keys: Sequence[PageKey],
) -> dict[PageKey, Page[Any]]:
    """The same page for many parents in one statement (ROW_NUMBER per parent)."""
    first, after = keys[0].first, keys[0].after
    rank = func.row_number().over(partition_by=parent, order_by=ordering.order_by())
    inner = stmt.with_only_columns(
        entity.id.label("row_id"),
        parent.label("parent_id"),
        *_sort_columns(ordering),
        rank.label("rank"),
    ).where(parent.in_({key.parent_id for key in keys}))
    if after is not None:
        inner = inner.where(ordering.after(after))
    ranked = inner.subquery()
    sort_values = [ranked.c[f"sort{index}"] for index in range(len(ordering.keys))]
    # Joined back by primary key: the ranking subquery carries only keys.
    outer = (
        select(entity, ranked.c.parent_id, *sort_values)
        .join(ranked, ranked.c.row_id == entity.id)
        .where(ranked.c["rank"] <= first + 1)
        .order_by(ranked.c.parent_id, ranked.c["rank"])
    )
    by_parent: dict[int, list[Any]] = defaultdict(list)
    for row in (await session.execute(outer)).all():
        by_parent[row[1]].append(row)
    return {
        key: _page(by_parent[key.parent_id], ordering, first, after is not None, skip=1)
        for key in keys
    }


PageQuery = Callable[[Hashable], Select[Any]]


def page_loader(
    sessions: ReadSessions,
    entity: type[Any],
    parent: ColumnElement[int],
    ordering: Ordering,
    query: PageQuery,
) -> DataLoader[PageKey, Page[Any]]:
    """Batches page requests of many parents; one statement per distinct argument set."""

    async def load(keys: list[PageKey]) -> list[Page[Any]]:
        groups: dict[tuple[int, CursorValues | None, Hashable], list[PageKey]] = defaultdict(list)
        for key in keys:
            groups[key.first, key.after, key.scope].append(key)
        pages: dict[PageKey, Page[Any]] = {}
        async with sessions() as session:
            for (_, _, scope), group in groups.items():
                pages |= await fetch_pages(session, entity, query(scope), parent, ordering, group)
        return [pages[key] for key in keys]

    return DataLoader(load_fn=load)


class CountKey(NamedTuple):
    parent_id: int
    scope: Hashable = None


def count_loader(
    sessions: ReadSessions,
    parent: ColumnElement[int],
    query: PageQuery,
) -> DataLoader[CountKey, int]:
    """Batched `totalCount` of a per-parent list; `query(scope)` selects its rows."""

    async def load(keys: list[CountKey]) -> list[int]:
        groups: dict[Hashable, set[int]] = defaultdict(set)
        for key in keys:
            groups[key.scope].add(key.parent_id)
        counts: dict[CountKey, int] = {}
        async with sessions() as session:
            for scope, parent_ids in groups.items():
                stmt = (
                    query(scope)
                    .with_only_columns(parent, func.count())
                    .where(parent.in_(parent_ids))
                    .group_by(parent)
                )
                counts |= {CountKey(pid, scope): n for pid, n in (await session.execute(stmt))}
        return [counts.get(key, 0) for key in keys]

    return DataLoader(load_fn=load)


CountFn = Callable[[], Awaitable[int]]
