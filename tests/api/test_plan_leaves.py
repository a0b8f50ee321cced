"""Leaves a plan copies from the statement's JSON without a Python call (AS_IS)."""

import enum

import sqlalchemy as sa
from graphql import GraphQLEnumType, GraphQLEnumValue, GraphQLList, GraphQLNonNull, GraphQLString
from sqlmodel import AutoString

from api.planning.planner import _shown_as_stored
from models import CreditRole, Title


class Stored(enum.Enum):
    SHOWN = "SHOWN"
    ALSO = "ALSO"


class Renamed(enum.Enum):
    SHOWN = "SHOWN"
    LOWER = "lower"  # stored as "lower", shown as LOWER


def _graphql(members: type[enum.Enum]) -> GraphQLEnumType:
    values = {member.name: GraphQLEnumValue(member) for member in members}
    return GraphQLEnumType(members.__name__, values)


def test_an_enum_stored_as_the_names_it_is_shown_by_is_copied() -> None:
    column = sa.Enum(Stored, values_callable=lambda members: [m.value for m in members])
    assert _shown_as_stored(column, GraphQLNonNull(_graphql(Stored)))


def test_an_enum_with_a_member_stored_otherwise_is_converted() -> None:
    column = sa.Enum(Renamed, values_callable=lambda members: [m.value for m in members])
    assert not _shown_as_stored(column, _graphql(Renamed))
    assert not _shown_as_stored(sa.String(), _graphql(Stored))


def test_lists_are_always_shaped() -> None:
    column = sa.Enum(Stored, values_callable=lambda members: [m.value for m in members])
    assert not _shown_as_stored(column, GraphQLList(_graphql(Stored)))


def test_the_schemas_credit_roles_are_copied() -> None:
    from api.schema import schema

    role = schema._schema.type_map["CreditRole"]
    assert isinstance(role, GraphQLEnumType)
    column = sa.Enum(CreditRole, values_callable=lambda members: [m.value for m in members])
    assert _shown_as_stored(column, role)


def test_text_is_copied_whether_a_string_or_sqlmodels_autostring() -> None:
    assert _shown_as_stored(sa.String(), GraphQLString)
    assert _shown_as_stored(AutoString(), GraphQLNonNull(GraphQLString))
    assert isinstance(Title.__table__.c.name.type, AutoString)  # type: ignore[attr-defined]
    assert not _shown_as_stored(sa.Enum(Stored), GraphQLString)  # stored by member names
