"""The reference resolvers: each field's definition run on its own through strawberry.

This path answers what the planner leaves to strawberry (mutation payloads, a
request with bad arguments, which it reports field by field) and is what the
equivalence tests compare plans against. Each definition runs once per batch of
parents (a DataLoader per field of the document), on the request's read
connection.
"""

import functools
from collections import defaultdict
from collections.abc import Callable, Hashable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Column, ColumnElement, and_, func, literal, select, true
from sqlalchemy.engine import Row as SqlRow
from strawberry.dataloader import DataLoader

from api.core.connection import Connection, Cursor
from api.core.response_cache import LISTS, depends_on
from api.planning.fields import (
    Args,
    Definition,
    Many,
    Names,
    One,
    Paged,
    Scalars,
    Value,
    entity_of,
    pick,
    same,
)
from api.planning.pages import Row, sort_clauses, validate_first
from models.columns import UTCDateTime


class Loaded:
    """An object of an entity type on this path: its class, primary key and row, and
    the table (or subquery) the row is from, which its fields read."""

    __slots__ = ("cls", "pk", "row", "table")

    def __init__(self, cls: type, row: dict[str, Any], table: Any = None) -> None:
        self.cls = cls
        self.pk: int = row["id"]
        self.row = row
        entity = entity_of(cls)
        assert entity is not None
        self.table = entity.table if table is None else table
        for prefix, column in entity.tags(self.table):
            depends_on(f"{prefix}{row[str(column.key)]}")


class ReferenceArgs:
    """`Args` with the values of one field's arguments."""

    def __init__(self, values: dict[str, Any], now: datetime, dialect: str) -> None:
        self.values = values
        self._now = now
        self.dialect = dialect

    def param(
        self, name: Names, convert: Callable[[Any], Any] = same, type_: Any = None
    ) -> ColumnElement[Any]:
        return literal(convert(pick(self.values, name)), type_)

    def among(
        self, column: ColumnElement[Any], name: str, convert: Callable[[Any], Sequence[Any]]
    ) -> ColumnElement[bool]:
        return column.in_(list(convert(self.values.get(name))))

    def shape(self, name: str, of: Callable[[Any], Hashable] = same) -> Any:
        return of(self.values.get(name))

    def now(self) -> ColumnElement[datetime]:
        return literal(self._now, UTCDateTime())


class Batches:
    """One request's DataLoaders, one per field of the document (its AST node) and
    table its parents are from: a fragment's field may read rows of two tables."""

    def __init__(self) -> None:
        self._loaders: dict[tuple[int, int, int, str], DataLoader[Any, Any]] = {}
        self._built: dict[tuple[int, int, int], Any] = {}

    def built(
        self, definition: Definition, info: Any, parent: Row, build: Callable[[], Any]
    ) -> Any:
        """What `build` makes of a field's definition, once per request."""
        key = (id(definition), id(info._raw_info.field_nodes[0]), id(parent))
        if key not in self._built:
            self._built[key] = build()
        return self._built[key]

    def loader(
        self,
        definition: Definition,
        info: Any,
        parent: Row,
        load: Callable[[list[Any]], Any],
        part: str = "",
    ) -> DataLoader[Any, Any]:
        key = (id(definition), id(info._raw_info.field_nodes[0]), id(parent), part)
        found = self._loaders.get(key)
        if found is None:
            found = self._loaders[key] = DataLoader(load_fn=load)
        return found


def _context(info: Any) -> Any:
    return info.context


async def _rows(info: Any, stmt: Any) -> list[Any]:
    async with info.context.reads() as session:
        return list((await session.execute(stmt)).all())


def _target(definition: One | Many | Paged, args: Args) -> type | None:
    return definition.target(args)


def _load_row(cls: type, row: SqlRow[Any], skip: int = 0, table: Any = None) -> Loaded:
    mapping = dict(row._mapping)
    for name in list(mapping)[:skip]:
        del mapping[name]
    return Loaded(cls, mapping, table)


async def resolve(definition: Definition, root: Any, info: Any, values: dict[str, Any]) -> Any:
    context = _context(info)
    args = ReferenceArgs(values, context.now, context.dialect)
    parent = None if root is None or not isinstance(root, Loaded) else root
    match definition:
        case Value():
            return await _value(definition, parent, info, args)
        case Scalars():
            return await _scalars(definition, parent, info, args)
        case One():
            return await _one(definition, parent, info, args)
        case Many():
            return await _many(definition, parent, info, args)
        case Paged():
            return await _paged(definition, parent, info, args)


async def _value(definition: Value, root: Loaded | None, info: Any, args: Args) -> Any:
    assert root is not None
    row = _parent_table(root)
    sql = context_batches(info).built(definition, info, row, lambda: definition.sql(row, args))
    if isinstance(sql, Column) and sql.table is row:  # a column of the row already loaded
        return definition.convert(root.row[sql.key])
    expressions = sql if isinstance(sql, tuple) else (sql,)

    async def load(pks: list[int]) -> list[Any]:
        stmt = select(row.c.id, *expressions).where(_of_ids(root, row, pks))
        found: dict[int, tuple[Any, ...]] = {
            item[0]: tuple(item[1:]) for item in await _rows(info, stmt)
        }
        return [found[pk] if isinstance(sql, tuple) else found[pk][0] for pk in pks]

    raw = await context_batches(info).loader(definition, info, row, load).load(root.pk)
    return definition.convert(raw)


async def _scalars(definition: Scalars, root: Loaded | None, info: Any, args: Args) -> Any:
    assert root is not None
    parent = _parent_table(root)
    source = _alias(definition.table, "target")
    order = sort_clauses([(key, key.column(source)) for key in definition.order])
    condition = definition.where(parent, source, args)

    async def load(pks: list[int]) -> list[list[Any]]:
        stmt = (
            select(parent.c.id, definition.value(source))
            .select_from(parent.join(source, condition))
            .where(_of_ids(root, parent, pks))
            .order_by(parent.c.id, *order)
        )
        found: dict[int, list[Any]] = defaultdict(list)
        for item in await _rows(info, stmt):
            found[item[0]].append(item[1])
        return [found.get(pk, []) for pk in pks]

    return await context_batches(info).loader(definition, info, parent, load).load(root.pk)


def context_batches(info: Any) -> Batches:
    batches: Batches = _context(info).batches
    return batches


def _parent_table(root: Loaded) -> Any:
    return _alias(root.table, "parent")


def _of_ids(root: Loaded, parent: Any, pks: list[int]) -> Any:
    """The rows of `root`'s table with these ids."""
    condition = parent.c.id.in_(pks)
    entity = entity_of(root.cls)
    if entity is not None and entity.narrow is not None:
        condition &= entity.narrow(parent, pks)
    return condition


@functools.cache
def _alias(table: Any, name: str) -> Any:
    """Aliases are immutable and costly to build: one of each for the process."""
    return table.alias(name)


async def _one(definition: One, root: Loaded | None, info: Any, args: Args) -> Any:
    cls = _target(definition, args)
    entity = None if cls is None else entity_of(cls)
    if cls is None or entity is None:
        depends_on(LISTS)
        return None
    target = _alias(entity.table, "target")
    order = sort_clauses([(key, key.column(target)) for key in definition.order])
    if root is None:
        stmt = select(target).where(definition.where(None, target, args)).order_by(*order)
        found = await _rows(info, stmt.limit(1))
        if not found:
            depends_on(LISTS)  # a row added later must not stay hidden by a cached answer
            return None
        return _load_row(cls, found[0])
    parent = _parent_table(root)
    condition = definition.where(parent, target, args)

    async def load(pks: list[int]) -> list[Any]:
        stmt = (
            select(parent.c.id.label("parent_id"), target)
            .select_from(parent.join(target, condition))
            .where(_of_ids(root, parent, pks))
            .order_by(parent.c.id, *order)
        )
        found: dict[int, Loaded] = {}
        for row in await _rows(info, stmt):  # the first in `order` of each parent's rows
            found.setdefault(row[0], _load_row(cls, row, skip=1))
        return [found.get(pk) for pk in pks]

    return await context_batches(info).loader(definition, info, parent, load).load(root.pk)


async def _many(definition: Many, root: Loaded | None, info: Any, args: Args) -> Any:
    cls = _target(definition, args)
    entity = None if cls is None else entity_of(cls)
    assert cls is not None and entity is not None
    target = _alias(entity.table, "target")
    order = sort_clauses([(key, key.column(target)) for key in definition.order])
    limit = None if definition.limit is None else definition.limit(args)
    if root is None:
        depends_on(LISTS)
        stmt = select(target).where(definition.where(None, target, args)).order_by(*order)
        if limit is not None:
            stmt = stmt.limit(limit)
        return [_load_row(cls, row) for row in await _rows(info, stmt)]
    parent = _parent_table(root)
    condition = definition.where(parent, target, args)

    async def load(pks: list[int]) -> list[Any]:
        stmt = (
            select(parent.c.id.label("parent_id"), target)
            .select_from(parent.join(target, condition))
            .where(_of_ids(root, parent, pks))
        )
        if limit is not None:  # the first `limit` rows of each parent
            rank = func.row_number().over(partition_by=parent.c.id, order_by=order)
            ranked = stmt.add_columns(rank.label("rank")).subquery()
            stmt = select(*(c for c in ranked.c if c.key != "rank")).where(
                ranked.c["rank"] <= limit
            )
            order_by: list[Any] = [ranked.c.parent_id, ranked.c["rank"]]
        else:
            order_by = [parent.c.id, *order]
        found: dict[int, list[Loaded]] = defaultdict(list)
        for row in await _rows(info, stmt.order_by(*order_by)):
            found[row[0]].append(_load_row(cls, row, skip=1))
        return [found.get(pk, []) for pk in pks]

    return await context_batches(info).loader(definition, info, parent, load).load(root.pk)


async def _paged(definition: Paged, root: Loaded | None, info: Any, args: Args) -> Any:
    cls = _target(definition, args)
    entity = None if cls is None else entity_of(cls)
    assert cls is not None and entity is not None
    listing = definition.listing
    values = args.values  # type: ignore[attr-defined]
    first = validate_first(
        definition.default_first if values.get("first") is None else values["first"]
    )
    base = listing.position_base(values.get("after"))
    source = definition.rows_of(entity)
    target = _alias(source, "target")
    name = listing.name(args)
    keys = listing.keys(target, args)
    after = listing.after(target, args)
    sort_values = [column.label(f"sort{index}") for index, (_, column) in enumerate(keys)]
    counted = definition.counted or definition.where
    has_previous = values.get("after") is not None

    def cursor(position: int, row: SqlRow[Any], start: int) -> Cursor:
        if base is not None:
            return Cursor(name, (base + position + 1,))
        return Cursor(name, tuple(row[start : start + len(keys)]))

    if root is None:
        depends_on(LISTS)
        condition = and_(
            definition.where(None, target, args), after if after is not None else true()
        )
        stmt = (
            select(target.c.id, *sort_values)
            .select_from(listing.source(target, args))
            .where(condition)
            .order_by(*sort_clauses(keys))
            .limit(first + 1)
        )
        offset = listing.offset(args)
        if offset is not None:
            stmt = stmt.offset(offset)
        ranked = list(await _rows(info, stmt))
        loaded = await _by_id(info, cls, source, target, [row[0] for row in ranked[:first]])
        rows = [(loaded[row[0]], cursor(i, row, 1)) for i, row in enumerate(ranked[:first])]

        async def count() -> int:
            stmt = (
                select(func.count())
                .select_from(listing.counted(target, args))
                .where(counted(None, target, args))
            )
            return int((await _rows(info, stmt))[0][0])

        return Connection.of(rows, len(ranked) > first, has_previous, count)

    assert root is not None
    parent = _parent_table(root)
    condition = and_(definition.where(parent, target, args), after if after is not None else true())
    rank = func.row_number().over(partition_by=parent.c.id, order_by=sort_clauses(keys))

    async def load_pages(pks: list[int]) -> list[Any]:
        inner = (
            select(parent.c.id.label("parent_id"), target.c.id.label("row_id"), *sort_values)
            .add_columns(rank.label("rank"))
            .select_from(parent.join(listing.source(target, args), condition))
            .where(_of_ids(root, parent, pks))
            .subquery()
        )
        stmt = (
            select(inner)
            .where(inner.c["rank"] <= first + 1)
            .order_by(inner.c.parent_id, inner.c["rank"])
        )
        by_parent: dict[int, list[Any]] = defaultdict(list)
        ranked = list(await _rows(info, stmt))
        for row in ranked:
            by_parent[row[0]].append(row)
        ids = [row[1] for rows in by_parent.values() for row in rows[:first]]
        loaded = await _by_id(info, cls, source, target, ids)
        return [
            (
                [
                    (loaded[row[1]], cursor(i, row, 2))
                    for i, row in enumerate(by_parent[pk][:first])
                ],
                len(by_parent[pk]) > first,
            )
            for pk in pks
        ]

    async def load_counts(pks: list[int]) -> list[int]:
        stmt = (
            select(parent.c.id, func.count(target.c.id))
            .select_from(parent.join(listing.counted(target, args), counted(parent, target, args)))
            .where(_of_ids(root, parent, pks))
            .group_by(parent.c.id)
        )
        found = {row[0]: int(row[1]) for row in await _rows(info, stmt)}
        return [found.get(pk, 0) for pk in pks]

    batches = context_batches(info)
    rows, has_next = await batches.loader(definition, info, parent, load_pages).load(root.pk)
    counts = batches.loader(definition, info, parent, load_counts, part="count")
    return Connection.of(rows, has_next, has_previous, lambda: counts.load(root.pk))


async def _by_id(
    info: Any, cls: type, source: Any, target: Row, ids: list[int]
) -> dict[int, Loaded]:
    if not ids:
        return {}
    rows = await _rows(info, select(target).where(target.c.id.in_(ids)))
    return {row.id: _load_row(cls, row, table=source) for row in rows}
