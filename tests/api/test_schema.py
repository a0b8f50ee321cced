"""The exported SDL and the public contract: drift in either direction fails here."""

from pathlib import Path

from graphql import (
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLInterfaceType,
    GraphQLObjectType,
    build_schema,
)

from api.schema import schema

ROOT = Path(__file__).resolve().parents[2]
CONTRACT = Path(__file__).with_name("contract.graphql")


def test_committed_schema_graphql_matches_the_code() -> None:
    committed = (ROOT / "schema.graphql").read_text()
    assert committed.strip() == schema.as_str().strip(), (
        "schema.graphql is out of date: run `make schema` and commit it"
    )


def test_every_contract_type_field_and_argument_exists_with_the_same_signature() -> None:
    contract = build_schema(CONTRACT.read_text())
    ours = build_schema(schema.as_str())
    for name, expected in contract.type_map.items():
        if name.startswith("__"):
            continue
        actual = ours.get_type(name)
        assert actual is not None, f"type {name} is missing"
        assert type(actual) is type(expected), name
        if isinstance(expected, GraphQLInputObjectType) and list(expected.fields) == ["_"]:
            continue  # an input shape the contract leaves to us
        if isinstance(expected, GraphQLObjectType | GraphQLInterfaceType | GraphQLInputObjectType):
            for field_name, field in expected.fields.items():
                assert field_name in actual.fields, f"{name}.{field_name} is missing"  # type: ignore[union-attr]
                ours_field = actual.fields[field_name]  # type: ignore[union-attr]
                assert str(ours_field.type) == str(field.type), f"{name}.{field_name}"
                for arg_name, arg in getattr(field, "args", {}).items():
                    ours_arg = ours_field.args.get(arg_name)
                    assert ours_arg is not None, f"{name}.{field_name}({arg_name}) is missing"
                    assert str(ours_arg.type) == str(arg.type), f"{name}.{field_name}({arg_name})"
                    assert ours_arg.default_value == arg.default_value, f"default of {arg_name}"
                extra = set(getattr(ours_field, "args", {})) - set(getattr(field, "args", {}))
                required = [a for a in extra if str(ours_field.args[a].type).endswith("!")]
                assert not required, f"{name}.{field_name} gained required arguments {required}"
            if isinstance(expected, GraphQLObjectType):
                assert {i.name for i in expected.interfaces} <= {
                    i.name
                    for i in actual.interfaces  # type: ignore[union-attr]
                }, name
        elif isinstance(expected, GraphQLEnumType):
            assert list(actual.values) == list(expected.values), name  # type: ignore[attr-defined]
