"""How a paginated list is ordered and what its opaque cursors hold.

A keyset cursor is the sort-key values of the row it points after, tagged with
the list's name, so deep pages cost the same as the first and rows added
meanwhile never shift a page. A ranked list (search) has position cursors.
"""

import base64
import binascii
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import orjson
from sqlalchemy import ColumnElement, FromClause, and_, false, or_

from api.core.errors import BadUserInput

MAX_FIRST = 100

Row = Any  # a table or an alias of it: definitions read its columns as `row.c.name`


def validate_first(first: int) -> int:
    if not 0 <= first <= MAX_FIRST:
        raise BadUserInput(
            f"`first` must be between 0 and {MAX_FIRST}, got {first}.", argument="first"
        )
    return first


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
class SortKey:
    column: Callable[[Row], ColumnElement[Any]]
    descending: bool = False
    nullable: bool = False
    # Turns a JSON cursor value back into a bind parameter, refusing wrong types
    # (a forged cursor must be bad input, not a database type error).
    parse: Callable[[Any], Any] = field(default=parse_int)


def sort_clauses(keys: Sequence[tuple[SortKey, ColumnElement[Any]]]) -> list[ColumnElement[Any]]:
    """ORDER BY items: NULLs last in both directions, on both engines."""
    clauses: list[ColumnElement[Any]] = []
    for key, column in keys:
        if key.nullable:
            clauses.append(column.is_(None))
        clauses.append(column.desc() if key.descending else column.asc())
    return clauses


@dataclass(frozen=True)
class Ordering:
    """A total order: the last key must be unique and non-null (the primary key).
    `join`: a to-one table the keys read (a credit's title, for its year), joined to
    the rows once, where a key's own subquery would run for each row and each use."""

    name: str
    keys: tuple[SortKey, ...]
    join: Callable[[Row], FromClause] | None = None

    def source(self, row: Row) -> FromClause:
        """What the ordered rows are read from: the row's table, with `join` if any."""
        return row if self.join is None else self.join(row)

    def columns(self, row: Row) -> list[tuple[SortKey, ColumnElement[Any]]]:
        return [(key, key.column(row)) for key in self.keys]

    def after(self, row: Row, values: Sequence[ColumnElement[Any] | None]) -> ColumnElement[bool]:
        """Rows strictly after the cursor `values` (None where the cursor holds NULL)."""
        alternatives: list[ColumnElement[bool]] = []
        equal_so_far: list[ColumnElement[bool]] = []
        for (key, column), value in zip(self.columns(row), values, strict=True):
            alternatives.append(and_(*equal_so_far, _beyond(key, column, value)))
            equal_so_far.append(column.is_(None) if value is None else column == value)
        return or_(*alternatives)

    def decode_cursor(self, cursor: str) -> tuple[Any, ...]:
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


def _beyond(key: SortKey, column: ColumnElement[Any], value: Any) -> ColumnElement[bool]:
    if value is None:
        return false()  # NULLs sort last: nothing beyond them but later keys
    strictly = column < value if key.descending else column > value
    return or_(strictly, column.is_(None)) if key.nullable else strictly


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


def position_after(list_name: str, cursor: str | None) -> int:
    """A position cursor's offset (0 for the first page)."""
    if cursor is None:
        return 0
    (offset,) = decode_cursor(cursor, list_name, 1)
    if type(offset) is not int or offset < 0:
        raise invalid_cursor(cursor)
    return offset
