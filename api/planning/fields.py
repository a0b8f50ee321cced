"""The one definition of each field: the SQL it reads, for both execution paths.

A field's definition is attached to its strawberry field (as metadata, by the
constructors in api/planning/declare.py). The planner composes definitions into
one statement per document; the reference resolvers run each definition on its
own, batched per parent. Definitions are functions of the row they read (`row.c`
holds its columns; a table or any alias of it) and of `Args`, through which every
argument reaches the SQL, so both paths bind the same values the same way.
"""

from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import ColumnElement, FromClause, Table

from api.planning.pages import Ordering, Row, SortKey

PLAN = "reelgraph.plan"  # the strawberry field metadata key holding a definition


def same(value: Any) -> Any:
    return value


Names = str | tuple[str, ...]


def pick(values: dict[str, Any], name: Names) -> Any:
    """An argument's value, or the tuple of several arguments' values."""
    if isinstance(name, tuple):
        return tuple(values.get(each) for each in name)
    return values.get(name)


class Args(Protocol):
    """A field's arguments (by Python name) as SQL."""

    def param(
        self, name: Names, convert: Callable[[Any], Any] = same, type_: Any = None
    ) -> ColumnElement[Any]:
        """A bind parameter: `convert` (which may refuse bad input) of the argument, or
        of the tuple of the arguments when `name` is a tuple of names."""
        ...

    def among(
        self, column: ColumnElement[Any], name: str, convert: Callable[[Any], Sequence[Any]]
    ) -> ColumnElement[bool]:
        """`column` is one of the values `convert` makes of the argument (a list)."""
        ...

    def shape(self, name: str, of: Callable[[Any], Hashable] = same) -> Any:
        """A value that changes the statement's shape (not only its parameters);
        keep its range small: each distinct value is a plan of its own."""
        ...

    def now(self) -> ColumnElement[datetime]:
        """The request's clock (availability windows)."""
        ...

    @property
    def dialect(self) -> str:
        """The database engine's name: "postgresql" or "sqlite"."""
        ...


Tags = Callable[[Row], Sequence[tuple[str, ColumnElement[int]]]]


Narrow = Callable[[Row, list[int]], ColumnElement[bool]]


@dataclass(frozen=True)
class Entity:
    """The table whose rows a GraphQL object type shows, one row per object, and
    the response-cache tags (prefix, id) each object records. `narrow`: for a derived
    table whose id is computed, a condition on its columns the database can search
    by, for the rows of some ids (else it derives every row to compare ids)."""

    table: Table
    tags: Tags = lambda _row: ()
    narrow: Narrow | None = None


Target = Callable[[Args], type | None]
"""The strawberry class of an object field (lazy, or chosen by argument: `node`)."""


@dataclass(frozen=True)
class Value:
    """A leaf, or a Python object resolved in Python (`Blurb`, `Money`), computed by
    `convert` from one SQL expression (or a tuple of them) over the parent row."""

    sql: Callable[[Row, Args], ColumnElement[Any] | tuple[ColumnElement[Any], ...]]
    convert: Callable[[Any], Any] = same


@dataclass(frozen=True)
class One:
    """The row of `target` matching `where` (null when none), the first in `order` when
    several match; `parent` is None at the root."""

    target: Target
    where: Callable[[Row, Row, Args], ColumnElement[bool]]
    order: Sequence[SortKey] = ()


@dataclass(frozen=True)
class Many:
    """Every row of `target` matching `where`, in `order`; the first `limit` of them
    when it is given (a bind parameter made from the arguments)."""

    target: Target
    where: Callable[[Row, Row, Args], ColumnElement[bool]]
    order: Sequence[SortKey]
    limit: Callable[[Args], ColumnElement[int]] | None = None


@dataclass(frozen=True)
class Scalars:
    """A list of leaves: `value` of each `table` row matching `where`, in `order`."""

    table: Table
    value: Callable[[Row], ColumnElement[Any]]
    where: Callable[[Row, Row, Args], ColumnElement[bool]]
    order: Sequence[SortKey]


class Listing(Protocol):
    """How a connection's rows are ordered, and what their cursors hold."""

    def name(self, args: Args) -> str: ...

    def keys(self, row: Row, args: Args) -> list[tuple[SortKey, ColumnElement[Any]]]: ...

    def source(self, row: Row, args: Args) -> FromClause:
        """What the rows are read from, with any table their keys read joined."""
        ...

    def counted(self, row: Row, args: Args) -> FromClause:
        """What totalCount counts: `source` without joins that only the keys read."""
        ...

    def after(self, row: Row, args: Args) -> ColumnElement[bool] | None:
        """Rows after the `after` cursor (None: from the start)."""
        ...

    def offset(self, args: Args) -> ColumnElement[int] | None:
        """Rows to skip (position cursors), None for keyset cursors."""
        ...

    def position_base(self, after: str | None) -> int | None:
        """A position cursor's offset, None for keyset lists (cursors hold sort keys)."""
        ...


@dataclass(frozen=True)
class Paged:
    """A Relay connection over `target` rows matching `where`. `counted` is what
    totalCount counts when `where` narrows the rows to those a page needs. `rows`
    is where the rows come from when not the target's own table (an episode's guest
    credits shown as `Credit`s): a table or subquery with every column the target's
    fields and tags read."""

    target: Target
    where: Callable[[Row, Row, Args], ColumnElement[bool]]
    listing: Listing
    default_first: int
    counted: Callable[[Row, Row, Args], ColumnElement[bool]] | None = None
    rows: FromClause | None = None

    def rows_of(self, entity: Entity) -> FromClause:
        """The table (or subquery) this connection's rows are read from."""
        return entity.table if self.rows is None else self.rows


Definition = Value | Scalars | One | Many | Paged


@dataclass(frozen=True)
class Keyset:
    """Keyset cursors over an ordering (chosen by argument, e.g. `orderBy`)."""

    choose: Callable[[Args], Ordering]

    def name(self, args: Args) -> str:
        return self.choose(args).name

    def keys(self, row: Row, args: Args) -> list[tuple[SortKey, ColumnElement[Any]]]:
        return self.choose(args).columns(row)

    def source(self, row: Row, args: Args) -> FromClause:
        return self.choose(args).source(row)

    def counted(self, row: Row, args: Args) -> FromClause:
        return row  # type: ignore[no-any-return]

    def after(self, row: Row, args: Args) -> ColumnElement[bool] | None:
        ordering = self.choose(args)
        nulls = args.shape("after", lambda cursor: _null_pattern(ordering, cursor))
        if nulls is None:
            return None
        values = [
            None if null else args.param("after", _cursor_value(ordering, i), type_=column.type)
            for i, ((_, column), null) in enumerate(zip(ordering.columns(row), nulls, strict=True))
        ]
        return ordering.after(row, values)

    def offset(self, args: Args) -> ColumnElement[int] | None:
        return None

    def position_base(self, after: str | None) -> int | None:
        return None


def _cursor_value(ordering: Ordering, index: int) -> Callable[[str], Any]:
    return lambda cursor: ordering.decode_cursor(cursor)[index]


def _null_pattern(ordering: Ordering, cursor: str | None) -> tuple[bool, ...] | None:
    if cursor is None:
        return None
    return tuple(value is None for value in ordering.decode_cursor(cursor))


def entity_of(cls: type) -> Entity | None:
    entity: Entity | None = getattr(cls, "__entity__", None)
    return entity
