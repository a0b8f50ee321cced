"""Planned fields convert their arguments exactly as strawberry does for resolvers."""

from typing import Any

import pytest
from graphql import (
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    is_required_argument,
)
from graphql.execution.values import get_argument_values
from graphql.language import FieldNode, parse
from strawberry.types.arguments import convert_arguments
from strawberry.types.field import StrawberryField

from api.planning.arguments import argument_converter
from api.schema import schema


def _fields_with_arguments() -> list[tuple[str, str]]:
    found = []
    for name, type_ in schema._schema.type_map.items():
        if isinstance(type_, GraphQLObjectType) and not name.startswith("__"):
            found += [(name, field) for field, d in type_.fields.items() if d.args]
    return found


def _both(type_name: str, field_name: str, arguments: str, variables: dict[str, Any]) -> Any:
    field = schema._schema.type_map[type_name].fields[field_name]  # type: ignore[union-attr]
    strawberry_field = field.extensions["strawberry-definition"]
    assert isinstance(strawberry_field, StrawberryField)
    operation = parse(f"{{ {field_name}{arguments} }}").definitions[0]
    node = operation.selection_set.selections[0]  # type: ignore[attr-defined]
    assert isinstance(node, FieldNode)
    values = get_argument_values(field, node, variables)
    registry, config = schema.schema_converter.scalar_registry, schema.config
    expected = convert_arguments(values, strawberry_field.arguments, registry, config)
    converted = argument_converter(strawberry_field.arguments, registry, config)(values)
    return converted, expected


SCALARS = {
    "Date": '"2020-01-02"',
    "DateTime": '"2020-01-02T03:04:05Z"',
    "Int": "2",
    "Float": "2.5",
    "Decimal": '"2.50"',
    "Boolean": "true",
}


def _literal(type_: Any) -> str:
    """A valid value of the input type, every input field given."""
    if isinstance(type_, GraphQLNonNull):
        return _literal(type_.of_type)
    if isinstance(type_, GraphQLList):
        return f"[{_literal(type_.of_type)}]"
    if isinstance(type_, GraphQLEnumType):
        return next(iter(type_.values))
    if isinstance(type_, GraphQLInputObjectType):
        fields = ", ".join(f"{name}: {_literal(f.type)}" for name, f in type_.fields.items())
        return f"{{{fields}}}"
    return SCALARS.get(type_.name, '"x"')


@pytest.mark.parametrize(("type_name", "field_name"), _fields_with_arguments())
def test_every_field_with_its_defaults_and_every_argument_given(
    type_name: str, field_name: str
) -> None:
    field = schema._schema.type_map[type_name].fields[field_name]  # type: ignore[union-attr]
    required = [name for name, a in field.args.items() if is_required_argument(a)]
    given = ", ".join(f"{name}: {_literal(field.args[name].type)}" for name in required)
    converted, expected = _both(type_name, field_name, f"({given})" if given else "", {})
    assert converted == expected
    every = ", ".join(f"{name}: {_literal(a.type)}" for name, a in field.args.items())
    converted, expected = _both(type_name, field_name, f"({every})", {})
    assert converted == expected


@pytest.mark.parametrize(
    "arguments",
    [
        '(filter: {kind: SERIES, genres: ["drama"], yearFrom: 1990, providers: []})',
        "(filter: null, orderBy: NAME_ASC, first: 5)",
        '(first: 3, after: "abc", filter: {streamableIn: "gb"})',
    ],
)
def test_input_objects_enums_and_lists(arguments: str) -> None:
    converted, expected = _both("Query", "titles", arguments, {})
    assert converted == expected
    assert [type(value) for value in converted.values()] == [
        type(value) for value in expected.values()
    ]
