"""Every field a read can reach is planned: it has its one definition, or the
planner builds it from what it knows (connections) or resolves it in Python.

A new field without a definition fails here, naming the field, instead of being
silently left to the slower reference resolvers.
"""

from graphql import GraphQLObjectType, GraphQLSchema
from strawberry.types.field import StrawberryField

from api.planning.fields import PLAN, entity_of
from api.planning.planner import CONNECTION_PARTS
from api.schema import schema

GRAPHQL: GraphQLSchema = schema._schema


def _strawberry(field: object) -> StrawberryField:
    found = (getattr(field, "extensions", None) or {}).get("strawberry-definition")
    assert isinstance(found, StrawberryField)
    return found


def _object_types() -> list[GraphQLObjectType]:
    mutation = GRAPHQL.mutation_type
    return [
        type_
        for name, type_ in GRAPHQL.type_map.items()
        if isinstance(type_, GraphQLObjectType)
        and not name.startswith("__")
        and type_ is not mutation
    ]


def _origin(type_: GraphQLObjectType) -> type | None:
    definition = (type_.extensions or {}).get("strawberry-definition")
    return getattr(definition, "origin", None)


def test_every_field_of_the_root_and_of_entity_types_has_a_definition() -> None:
    undefined = [
        f"{type_.name}.{name}"
        for type_ in _object_types()
        if type_ is GRAPHQL.query_type or entity_of(_origin(type_) or object) is not None
        for name, field in type_.fields.items()
        if PLAN not in _strawberry(field).metadata
    ]
    assert undefined == []


def test_connection_types_hold_only_what_the_planner_builds() -> None:
    connections = [t for t in _object_types() if t.name.endswith(("Connection", "Edge"))]
    assert connections
    for type_ in [*connections, GRAPHQL.get_type("PageInfo")]:
        assert isinstance(type_, GraphQLObjectType)
        assert set(type_.fields) <= CONNECTION_PARTS, type_.name


def test_other_types_are_resolved_in_python_without_the_database() -> None:
    """Values like `Blurb` or `Money` come whole from their parent's row: their fields
    are attributes or plain (not async) resolvers."""
    for type_ in _object_types():
        origin = _origin(type_)
        if (
            type_ in (GRAPHQL.query_type, GRAPHQL.subscription_type)
            or entity_of(origin or object) is not None
            or type_.name.endswith(("Connection", "Edge"))
            or type_.name == "PageInfo"
        ):
            continue
        for name, field in type_.fields.items():
            resolver = _strawberry(field).base_resolver
            assert resolver is None or not resolver.is_async, f"{type_.name}.{name}"
