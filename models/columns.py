"""Column types shared by the tables."""

import enum
from datetime import UTC, datetime
from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy.engine import Dialect
from sqlmodel import SQLModel

# Stable constraint names, so migrations can refer to them on every engine.
SQLModel.metadata.naming_convention = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utc_now() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(sa.TypeDecorator[datetime]):
    """An aware UTC datetime on every engine.

    SQLite stores datetimes as naive text, so values are normalised to UTC on
    the way in and made aware again on the way out; text comparison then orders
    them correctly.
    """

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime; pass an aware one")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def enum_column(enum_class: type[enum.Enum], name: str, **kwargs: Any) -> sa.Column[Any]:
    """A VARCHAR with a CHECK, not a native PostgreSQL enum: adding a member
    then needs no type migration."""
    return sa.Column(
        sa.Enum(
            enum_class,
            name=name,
            native_enum=False,
            create_constraint=True,
            length=16,
            values_callable=lambda members: [member.value for member in members],
        ),
        **kwargs,
    )


def table_of(model: type[SQLModel]) -> sa.Table:
    """A model's table, typed (SQLModel declares no `__table__` for type checkers)."""
    table = sa.inspect(model).local_table
    assert isinstance(table, sa.Table)
    return table


def id_column(column: int | None) -> sa.ColumnElement[int]:
    """A primary key as SQL reads it back: never NULL, though the model types it
    `int | None` (None only before the row is inserted)."""
    return cast(sa.ColumnElement[int], column)
