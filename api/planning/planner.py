"""A document planned into one SQL statement that builds its whole answer as JSON.

Each object becomes a JSON array of its fields' values (and its cache tags),
each list an aggregate over an ordered subquery, each connection page a
`LIMIT`ed subquery, so a request is one round trip whatever its page sizes, on
PostgreSQL (json_build_array, json_agg) and SQLite (json_array,
json_group_array). What the statement returns is turned into the response by
`Shape`s built alongside the SQL: they decode values as the database driver
would, apply the fields' Python `convert` (ids, teasers, rounding) and serialize
them as strawberry does, so both paths answer the same bytes.

Fields are collected as graphql-core's executor collects them (fragments merged,
each fragment visited once per selection, `@include`/`@skip` applied), so planning
is linear in the document's size.
"""

import enum
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import orjson
import sqlalchemy as sa
from graphql import (
    FieldNode,
    GraphQLEnumType,
    GraphQLField,
    GraphQLInt,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLSchema,
    GraphQLString,
    OperationDefinitionNode,
    VariableNode,
    get_named_type,
    get_nullable_type,
    is_leaf_type,
    visit,
)
from graphql.execution.collect_fields import (
    FieldDetails,
    FragmentDetails,
    collect_fields,
    collect_subfields,
)
from graphql.execution.values import VariableValues, get_argument_values
from graphql.language import Visitor
from sqlalchemy import ColumnElement, Select, and_, bindparam, func, literal_column, null, select
from sqlalchemy.dialects.postgresql import ARRAY, aggregate_order_by
from sqlmodel import AutoString
from strawberry.types.field import StrawberryField

from api.core.response_cache import LISTS
from api.planning.arguments import Converter, argument_converter
from api.planning.fields import (
    PLAN,
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
from api.planning.pages import Row, SortKey, encode_cursor, sort_clauses, validate_first
from models.columns import UTCDateTime

MAX_ARRAY = 90  # json_build_array takes at most 100 arguments: longer objects are chunked
# What a connection, its edges and its PageInfo may hold: the planner builds them all.
CONNECTION_PARTS = frozenset(
    {
        "edges",
        "pageInfo",
        "totalCount",
        "cursor",
        "node",
        "hasNextPage",
        "hasPreviousPage",
        "startCursor",
        "endCursor",
    }
)


class NotPlannable(Exception):
    """The document (or a field of it) has no plan; strawberry answers it."""


@dataclass(frozen=True)
class Site:
    """One field of the document: its definitions and its (merged) AST node."""

    field: GraphQLField
    strawberry: StrawberryField
    node: FieldNode
    convert: Converter  # its arguments from graphql-core's values to its resolver's


class Bound:
    """One request's values: variables, each field's arguments, the clock."""

    def __init__(
        self, variables: VariableValues, now: datetime, tags: set[str] | None = None
    ) -> None:
        self.variables = variables
        self.now = now
        self.tags = tags  # the response cache's tags of the rows shown, when it records
        # By id(site), holding the site: a freed site's id could be another's.
        self._arguments: dict[int, tuple[Site, dict[str, Any]]] = {}

    def arguments(self, site: Site) -> dict[str, Any]:
        """The field's arguments as its resolver gets them (Python names and types)."""
        cached = self._arguments.get(id(site))
        if cached is not None:
            return cached[1]
        found = site.convert(get_argument_values(site.field, site.node, self.variables))
        self._arguments[id(site)] = (site, found)
        return found


Source = Callable[[Bound], Any]
Probe = Callable[[Bound], Hashable]
Shape = Callable[[Any, Bound], Any]
# A leaf the JSON already holds as the response shows it (a string, a date...): copied.
AS_IS: Shape | None = None


@dataclass
class Statement:
    """What a plan runs: SQL, its parameters' sources (`None`: a constant), shapes."""

    select: Select[Any] | None  # None: nothing to read (`{ __typename }`)
    shape: Shape
    sources: dict[str, Source] = field(default_factory=dict)
    # Every root field reads at most one row, found by key (`title(slug:)`, `node`...):
    # how many rows each part reads depends on the data, not on the request's values.
    by_key: bool = False


class _Json:
    """JSON construction in the engine's SQL."""

    def __init__(self, dialect: str) -> None:
        self.postgres = dialect == "postgresql"

    def array(self, values: Sequence[ColumnElement[Any]]) -> ColumnElement[Any]:
        build = func.json_build_array if self.postgres else func.json_array
        if len(values) > MAX_ARRAY:
            chunks = [values[i : i + MAX_ARRAY] for i in range(0, len(values), MAX_ARRAY)]
            return build(*(build(*chunk) for chunk in chunks))
        return build(*values)

    def value(self, expression: ColumnElement[Any]) -> ColumnElement[Any]:
        """A column's value as JSON. SQLite writes doubles with 15 digits in JSON,
        which does not give the same double back: as text with 17, it does."""
        if self.postgres or not isinstance(expression.type, sa.Float):
            return expression
        text = func.printf("%.17g", expression)
        return sa.case((expression.is_(None), null()), else_=text)

    def nested(self, subquery: ColumnElement[Any]) -> ColumnElement[Any]:
        """A subquery's JSON inside other JSON (SQLite returns it as text)."""
        return subquery if self.postgres else func.json(subquery)

    def aggregate(
        self, element: ColumnElement[Any], order: list[ColumnElement[Any]]
    ) -> ColumnElement[Any]:
        """The elements as a JSON array in `order`; on SQLite the rows must come
        from an ordered subquery (its json_group_array takes no ORDER BY)."""
        if self.postgres:
            aggregated = func.json_agg(aggregate_order_by(element, *order))
            return func.coalesce(aggregated, literal_column("'[]'::json"))
        return func.json_group_array(element)


def unpack(values: list[Any], size: int) -> list[Any]:
    if size > MAX_ARRAY:
        return [value for chunk in values for value in chunk]
    return values


def decoder(type_: Any) -> Callable[[Any], Any] | None:
    """A value as the JSON from either engine holds it, made what the driver returns."""
    if isinstance(type_, UTCDateTime | sa.DateTime):
        return _datetime
    if isinstance(type_, sa.Boolean):
        return bool
    if isinstance(type_, sa.Float):
        return float
    if isinstance(type_, sa.Numeric):
        step = Decimal(1).scaleb(-(type_.scale or 0))
        return lambda value: Decimal(str(value)).quantize(step)
    if isinstance(type_, sa.Date):
        return date.fromisoformat
    if isinstance(type_, sa.Enum) and type_.enum_class is not None:
        return type_.enum_class
    return None


def _shown_as_stored(column: Any, field: GraphQLOutputType) -> bool:
    """Whether the response shows the column's JSON value unchanged: text as a String,
    a 32-bit integer as an Int, a date as a Date (ISO 8601 in both), an enum stored as
    the names the schema gives its members."""
    if isinstance(get_nullable_type(field), GraphQLList):
        return False
    scalar = get_named_type(field)
    if isinstance(scalar, GraphQLEnumType):
        members = getattr(column, "enum_class", None)
        if not isinstance(column, sa.Enum) or members is None:
            return False
        return all(scalar.serialize(member) == member.value for member in members)
    if scalar is GraphQLString:  # SQLModel's AutoString is a String that changes no value
        return isinstance(column, AutoString) or (
            isinstance(column, sa.String) and not isinstance(column, sa.Enum)
        )
    if scalar is GraphQLInt:
        return isinstance(column, sa.Integer) and not isinstance(column, sa.BigInteger)
    if scalar.name == "Date":
        return type(column) is sa.Date
    return False


def _datetime(value: str) -> datetime:
    parsed = datetime.fromisoformat(value)
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def _decoded(decode: Callable[[Any], Any] | None) -> Callable[[Any], Any]:
    if decode is None:
        return same
    return lambda value: None if value is None else decode(value)


class PlanArgs:
    """`Args` while planning: arguments become bind parameters read per request, and
    shapes read from variables become the plan's probes."""

    def __init__(self, planner: "Planner", site: Site) -> None:
        self.planner = planner
        self.site = site
        self.dialect = planner.dialect

    def param(
        self, name: Names, convert: Callable[[Any], Any] = same, type_: Any = None
    ) -> ColumnElement[Any]:
        site = self.site
        return self.planner.param(lambda bound: convert(pick(bound.arguments(site), name)), type_)

    def among(
        self, column: ColumnElement[Any], name: str, convert: Callable[[Any], Sequence[Any]]
    ) -> ColumnElement[bool]:
        site = self.site

        def values(bound: Bound) -> list[Any]:
            chosen = convert(bound.arguments(site).get(name))
            return [item.value if isinstance(item, enum.Enum) else item for item in chosen]

        if self.planner.json.postgres:
            param = self.planner.param(values, None, key_type=ARRAY(sa.String()))
            return column == func.any(param)
        encoded = self.planner.param(lambda bound: _json_text(values(bound)), None)
        each = func.json_each(encoded).table_valued("value")
        return column.in_(select(each.c.value))

    def shape(self, name: str, of: Callable[[Any], Hashable] = same) -> Any:
        value = of(self.planner.bound.arguments(self.site).get(name))
        if _uses_variables(self.site, name, self.planner.schema.config.name_converter):
            site, probes = self.site, self.planner.probes
            count = sum(1 for key in probes if key[:2] == (id(site.node), name))  # type: ignore[index,misc]
            probes[id(site.node), name, count] = lambda bound: of(bound.arguments(site).get(name))
        return value

    def now(self) -> ColumnElement[datetime]:
        return self.planner.now()


def _json_text(values: list[Any]) -> str:
    return orjson.dumps(values).decode()


def _uses_variables(site: Site, name: str, converter: Any) -> bool:
    """Whether the argument (by Python name) is, or holds, a variable in the document."""
    wanted = next(
        converter.from_argument(argument)
        for argument in site.strawberry.arguments
        if argument.python_name == name
    )
    for argument in site.node.arguments or ():
        if argument.name.value == wanted:
            finder = _Variables()
            visit(argument.value, finder)
            return finder.found
    return False


class _Variables(Visitor):
    found = False

    def enter_variable(self, _node: VariableNode, *_: Any) -> None:
        self.found = True


class Planner:
    """Plans one operation for one set of probe values (the request's)."""

    def __init__(
        self,
        schema: Any,
        fragments: dict[str, FragmentDetails],
        operation: OperationDefinitionNode,
        bound: Bound,
        dialect: str,
    ) -> None:
        self.schema = schema
        self.graphql: GraphQLSchema = schema._schema
        self.fragments = fragments
        self.operation = operation
        self.bound = bound
        self.dialect = dialect
        self.json = _Json(dialect)
        self.sources: dict[str, Source] = {}
        self.types: dict[str, Any] = {}
        self.probes: dict[Hashable, Probe] = {}
        self._aliases = 0
        self._now: ColumnElement[Any] | None = None
        self._lists_at_root = False

    # Parameters and names

    def param(self, source: Source, type_: Any, key_type: Any = None) -> ColumnElement[Any]:
        key = f"p{len(self.sources)}"
        self.sources[key] = source
        self.types[key] = type_
        return bindparam(
            key, None, type_=key_type if key_type is not None else type_, required=False
        )

    def now(self) -> ColumnElement[Any]:
        if self._now is None:
            self._now = self.param(lambda bound: bound.now, UTCDateTime())
        return self._now

    def alias(self, table: Any) -> Row:
        self._aliases += 1
        return table.alias(f"{table.name}_{self._aliases}")

    # The operation

    def plan(self) -> Statement:
        root = self.graphql.query_type
        assert root is not None
        grouped = collect_fields(
            self.graphql, self.fragments, self.bound.variables, root, self.operation
        ).grouped_field_set
        values, shape = self._object(root, None, grouped, tags=())
        answer = self.json.array(values)
        if self.json.postgres:  # as text, not decoded by the driver: Python parses it once
            answer = sa.cast(answer, sa.Text)
        query = select(answer) if values else None
        return Statement(query, shape, self.sources, by_key=not self._lists_at_root)

    def _object(
        self,
        type_: GraphQLObjectType,
        row: Row | None,
        grouped: dict[str, list[FieldDetails]],
        tags: Sequence[tuple[str, ColumnElement[int]]],
    ) -> tuple[list[ColumnElement[Any]], Shape]:
        values: list[ColumnElement[Any]] = [column for _, column in tags]
        prefixes = list(enumerate(prefix for prefix, _ in tags))
        parts: list[tuple[str, int, Shape | None]] = []
        for key, details in grouped.items():
            name = details[0].node.name.value
            if name == "__typename":
                parts.append((key, 0, _constant(type_.name)))
                continue
            if name.startswith("__"):
                raise NotPlannable("introspection")
            value, shape = self._field(type_, row, details)
            parts.append((key, len(values), shape))
            values.append(value)
        size = len(values)
        chunked = size > MAX_ARRAY

        def shape_object(packed: list[Any], bound: Bound) -> dict[str, Any]:
            found = unpack(packed, size) if chunked else packed or [None]
            recorded = bound.tags
            if recorded is not None:
                for index, prefix in prefixes:
                    recorded.add(f"{prefix}{found[index]}")
            return {
                key: found[index] if shape is None else shape(found[index], bound)
                for key, index, shape in parts
            }

        return values, shape_object

    def _site(self, parent: GraphQLObjectType, details: list[FieldDetails]) -> Site:
        node = details[0].node
        definition = parent.fields[node.name.value]
        strawberry_field = (definition.extensions or {}).get("strawberry-definition")
        if not isinstance(strawberry_field, StrawberryField):
            raise NotPlannable(f"{parent.name}.{node.name.value}")
        converter = argument_converter(
            strawberry_field.arguments,
            self.schema.schema_converter.scalar_registry,
            self.schema.config,
        )
        return Site(definition, strawberry_field, node, converter)

    def _field(
        self, parent: GraphQLObjectType, row: Row | None, details: list[FieldDetails]
    ) -> tuple[ColumnElement[Any], Shape | None]:
        """The field's SQL and its shape (AS_IS: the JSON value as it is)."""
        site = self._site(parent, details)
        definition = site.strawberry.metadata.get(PLAN)
        args = PlanArgs(self, site)
        match definition:
            case Value():
                return self._value(definition, row, args, site, details)
            case Scalars():
                return self._scalars(definition, row, args, site)
            case One():
                return self._one(definition, row, args, site, details)
            case Many():
                return self._many(definition, row, args, site, details)
            case Paged():
                return self._paged(definition, row, args, site, details)
        raise NotPlannable(f"{parent.name}.{site.node.name.value} has no definition")

    # Field kinds

    def _value(
        self,
        definition: Value,
        row: Row | None,
        args: PlanArgs,
        site: Site,
        details: list[FieldDetails],
    ) -> tuple[ColumnElement[Any], Shape | None]:
        sql = definition.sql(row, args)
        complete = self._complete(site.field.type, details)
        convert = definition.convert
        if isinstance(sql, tuple):
            decoders = [_decoded(decoder(part.type)) for part in sql]

            def shape_tuple(value: list[Any], bound: Bound) -> Any:
                parts = tuple(decode(part) for decode, part in zip(decoders, value, strict=True))
                return complete(convert(parts), bound)

            return self.json.array([self.json.value(part) for part in sql]), shape_tuple
        if convert is same and _shown_as_stored(sql.type, site.field.type):
            return self.json.value(sql), AS_IS
        decode = _decoded(decoder(sql.type))
        return self.json.value(sql), lambda value, bound: complete(convert(decode(value)), bound)

    def _scalars(
        self, definition: Scalars, row: Row | None, args: PlanArgs, site: Site
    ) -> tuple[ColumnElement[Any], Shape]:
        source = self.alias(definition.table)
        self._lists_at_root |= row is None
        value = definition.value(source)
        keys = [(key, key.column(source)) for key in definition.order]
        inner = (
            select(value.label("value"), *_labels(keys))
            .where(definition.where(row, source, args))
            .order_by(*sort_clauses(keys))
            .correlate(*_outer(row))
            .subquery(f"{source.name}_list")
        )
        aggregated = self.json.aggregate(inner.c.value, _sorted(inner, keys))
        decode = _decoded(decoder(value.type))
        serialize = get_named_type(site.field.type).serialize  # type: ignore[attr-defined]
        subquery = select(aggregated).select_from(inner).scalar_subquery()
        return self.json.nested(subquery), lambda values, _bound: [
            serialize(decode(item)) for item in values
        ]

    def _target(self, definition: One | Many | Paged, args: PlanArgs) -> tuple[type, Any]:
        cls = definition.target(args)
        entity = None if cls is None else entity_of(cls)
        if cls is None or entity is None:
            raise NotPlannable("no entity")
        return cls, entity

    def _object_type(self, cls: type) -> GraphQLObjectType:
        name = cls.__strawberry_definition__.name  # type: ignore[attr-defined]
        found = self.graphql.get_type(name)
        assert isinstance(found, GraphQLObjectType)
        return found

    def _entity_object(
        self, cls: type, entity: Any, row: Row, details: list[FieldDetails]
    ) -> tuple[ColumnElement[Any], Shape]:
        type_ = self._object_type(cls)
        values, shape = self._object(type_, row, self._collect(type_, details), entity.tags(row))
        return self.json.array(values), shape

    def _one(
        self,
        definition: One,
        parent: Row | None,
        args: PlanArgs,
        site: Site,
        details: list[FieldDetails],
    ) -> tuple[ColumnElement[Any], Shape]:
        at_root = parent is None
        cls = definition.target(args)
        entity = None if cls is None else entity_of(cls)
        if cls is None or entity is None:  # `node` with an id of no known type
            return null(), lambda _value, bound: _missing(at_root, bound)
        row = self.alias(entity.table)
        value, shape = self._entity_object(cls, entity, row, details)
        order = sort_clauses([(key, key.column(row)) for key in definition.order])
        subquery = (
            select(value)
            .select_from(row)
            .where(definition.where(parent, row, args))
            .order_by(*order)
            .limit(_written(1))
        )

        def shape_one(found: Any, bound: Bound) -> Any:
            return _missing(at_root, bound) if found is None else shape(found, bound)

        return self.json.nested(subquery.scalar_subquery()), shape_one

    def _many(
        self,
        definition: Many,
        parent: Row | None,
        args: PlanArgs,
        site: Site,
        details: list[FieldDetails],
    ) -> tuple[ColumnElement[Any], Shape]:
        cls, entity = self._target(definition, args)
        row = self.alias(entity.table)
        self._lists_at_root |= parent is None
        keys = [(key, key.column(row)) for key in definition.order]
        chosen = (
            select(row, *_labels(keys))
            .where(definition.where(parent, row, args))
            .order_by(*sort_clauses(keys))
            .correlate(*_outer(parent))
        )
        if definition.limit is not None:
            chosen = chosen.limit(definition.limit(args))
        rows = chosen.subquery(f"{row.name}_rows")
        value, shape = self._entity_object(cls, entity, rows, details)
        aggregated = self.json.aggregate(value, _sorted(rows, keys))
        subquery = select(aggregated).select_from(rows).scalar_subquery()
        at_root = parent is None

        def shape_many(found: list[Any], bound: Bound) -> list[Any]:
            if at_root and bound.tags is not None:
                bound.tags.add(LISTS)
            return [shape(item, bound) for item in found]

        return self.json.nested(subquery), shape_many

    def _paged(
        self,
        definition: Paged,
        parent: Row | None,
        args: PlanArgs,
        site: Site,
        details: list[FieldDetails],
    ) -> tuple[ColumnElement[Any], Shape]:
        cls, entity = self._target(definition, args)
        listing = definition.listing
        default_first = definition.default_first

        def validated(first: int | None) -> int:
            return validate_first(default_first if first is None else first)

        def first_of(bound: Bound) -> int:
            return validated(bound.arguments(site).get("first"))

        row = self.alias(definition.rows_of(entity))
        self._lists_at_root |= parent is None
        keys = listing.keys(row, args)
        bound_before = len(self.sources)
        condition = definition.where(parent, row, args)
        after = listing.after(row, args)
        if after is not None:
            condition = and_(condition, after)
        # With a LIMIT it knows, PostgreSQL keeps one generic plan for the prepared
        # statement instead of planning it again for each request (half of W10's CPU);
        # but a generic plan guesses what a filter keeps, and guessed wrong it walks the
        # wrong index (W6: 4x slower). So the page size is written into the statement
        # (each size a plan of its own) unless the page's rows depend on bound values.
        if len(self.sources) > bound_before:
            limit = self.param(lambda bound: first_of(bound) + 1, None)
        else:
            limit = _written(args.shape("first", validated) + 1)
        page = (
            select(row, *_labels(keys))
            .select_from(listing.source(row, args))
            .where(condition)
            .order_by(*sort_clauses(keys))
            .limit(limit)
            .correlate(*_outer(parent))
        )
        offset = listing.offset(args)
        if offset is not None:
            page = page.offset(offset)
        rows = page.subquery(f"{row.name}_page")
        name = listing.name(args)
        connection = self._object_type_of(site.field.type)
        grouped = self._collect(connection, details)

        element = [self.json.value(rows.c[f"sort{i}"]) for i in range(len(keys))]
        decoders = [_decoded(decoder(column.type)) for _, column in keys]
        nodes: dict[tuple[str, str], tuple[int, Shape]] = {}
        edge_type = self._object_type_of(connection.fields["edges"].type)
        edge_groups: dict[str, dict[str, list[FieldDetails]]] = {}
        for key, part in grouped.items():
            if part[0].node.name.value == "edges":
                edge_groups[key] = self._collect(edge_type, part)
                for edge_key, edge_part in edge_groups[key].items():
                    if edge_part[0].node.name.value == "node":
                        value, shape = self._entity_object(cls, entity, rows, edge_part)
                        nodes[key, edge_key] = (len(element), shape)
                        element.append(value)
        selected = {part[0].node.name.value for part in grouped.values()}
        # `{ totalCount }` alone reads no page: its slot is an empty list.
        paged = bool(selected & {"edges", "pageInfo"})
        slots: list[ColumnElement[Any]] = [
            self.json.nested(
                select(self.json.aggregate(self.json.array(element), _sorted(rows, keys)))
                .select_from(rows)
                .scalar_subquery()
            )
            if paged
            else self.json.array([])
        ]
        counted = "totalCount" in selected
        if counted:
            counting = self.alias(definition.rows_of(entity))
            where = (definition.counted or definition.where)(parent, counting, args)
            slots.append(
                select(func.count())
                .select_from(listing.counted(counting, args))
                .where(where)
                .scalar_subquery()
            )
        page_info_type = self._object_type_of(connection.fields["pageInfo"].type)
        page_info_fields: dict[str, list[tuple[str, str]]] = {}
        for key, part in grouped.items():
            if part[0].node.name.value == "pageInfo":
                info = self._collect(page_info_type, part)
                page_info_fields[key] = [(k, p[0].node.name.value) for k, p in info.items()]
        sort_count = len(keys)
        at_root = parent is None
        # Per `edges` selection, what each edge shows: its node's (index, shape), or the
        # name of the field ("cursor", "__typename").
        edge_parts: dict[str, list[tuple[str, tuple[int, Shape] | str]]] = {
            key: [
                (edge_key, nodes.get((key, edge_key)) or edge_part[0].node.name.value)
                for edge_key, edge_part in groups.items()
            ]
            for key, groups in edge_groups.items()
        }

        def edges(
            parts: list[tuple[str, tuple[int, Shape] | str]],
            items: list[Any],
            cursor: Callable[[int], str],
            bound: Bound,
        ) -> list[dict[str, Any]]:
            if len(parts) == 1:
                edge_key, only = parts[0]
                if not isinstance(only, str):  # { node { ... } }
                    index, shape = only
                    return [{edge_key: shape(item[index], bound)} for item in items]
            return [
                {
                    edge_key: cursor(position)
                    if part == "cursor"
                    else edge_type.name
                    if isinstance(part, str)
                    else part[1](item[part[0]], bound)
                    for edge_key, part in parts
                }
                for position, item in enumerate(items)
            ]

        def shape_connection(found: list[Any], bound: Bound) -> dict[str, Any]:
            if at_root and bound.tags is not None:
                bound.tags.add(LISTS)
            first = first_of(bound)
            after_cursor = bound.arguments(site).get("after")
            items = found[0][:first]
            base = listing.position_base(after_cursor)

            def cursor(index: int) -> str:
                if base is not None:
                    return encode_cursor(name, [base + index + 1])
                values = items[index][:sort_count]
                return encode_cursor(name, [d(v) for d, v in zip(decoders, values, strict=True)])

            answer: dict[str, Any] = {}
            for key, part in grouped.items():
                field_name = part[0].node.name.value
                if field_name == "edges":
                    answer[key] = edges(edge_parts[key], items, cursor, bound)
                elif field_name == "__typename":
                    answer[key] = connection.name
                elif field_name == "totalCount":
                    answer[key] = found[1]
                elif field_name == "pageInfo":
                    answer[key] = _page_info(
                        page_info_fields[key],
                        page_info_type.name,
                        len(found[0]) > first,
                        after_cursor is not None,
                        items,
                        cursor,
                    )
                else:
                    raise NotPlannable(f"{connection.name}.{field_name}")
            return answer

        return self.json.array(slots), shape_connection

    def _collect(
        self, type_: GraphQLObjectType, details: list[FieldDetails]
    ) -> dict[str, list[FieldDetails]]:
        return collect_subfields(
            self.graphql, self.fragments, self.bound.variables, self.operation, type_, details
        ).grouped_field_set

    def _object_type_of(self, type_: GraphQLOutputType) -> GraphQLObjectType:
        named = get_named_type(type_)
        assert isinstance(named, GraphQLObjectType)
        return named

    # Values resolved in Python (leaves, `Blurb`, `Money`, `TruncatedText`)

    def _complete(self, type_: GraphQLOutputType, details: list[FieldDetails]) -> Shape:
        """Completes a Python value of `type_` as graphql-core's executor does."""
        if isinstance(type_, GraphQLNonNull):
            return self._complete(type_.of_type, details)
        if isinstance(type_, GraphQLList):
            item = self._complete(type_.of_type, details)
            return lambda value, bound: None if value is None else [item(v, bound) for v in value]
        if is_leaf_type(type_):
            serialize = type_.serialize
            return lambda value, _bound: None if value is None else serialize(value)
        assert isinstance(type_, GraphQLObjectType)
        grouped = self._collect(type_, details)
        parts: list[tuple[str, Callable[[Any, Bound], Any]]] = []
        for key, part in grouped.items():
            parts.append((key, self._python_field(type_, part)))

        def complete_object(value: Any, bound: Bound) -> Any:
            if value is None:
                return None
            return {key: resolve(value, bound) for key, resolve in parts}

        return complete_object

    def _python_field(
        self, type_: GraphQLObjectType, details: list[FieldDetails]
    ) -> Callable[[Any, Bound], Any]:
        name = details[0].node.name.value
        if name == "__typename":
            return lambda _value, _bound: type_.name
        site = self._site(type_, details)
        complete = self._complete(site.field.type, details)
        resolver = site.strawberry.base_resolver
        if resolver is None:
            attribute = site.strawberry.python_name
            return lambda value, bound: complete(getattr(value, attribute), bound)
        function: Any = resolver.wrapped_func
        if resolver.is_async:
            raise NotPlannable(f"{type_.name}.{name} resolves asynchronously")
        return lambda value, bound: complete(function(value, **bound.arguments(site)), bound)


def _page_info(
    fields: list[tuple[str, str]],
    type_name: str,
    has_next: bool,
    has_previous: bool,
    items: list[Any],
    cursor: Callable[[int], str],
) -> dict[str, Any]:
    values: dict[str, Any] = {
        "__typename": type_name,
        "hasNextPage": has_next,
        "hasPreviousPage": has_previous,
    }
    answer: dict[str, Any] = {}
    for key, name in fields:
        if name == "startCursor":
            answer[key] = cursor(0) if items else None
        elif name == "endCursor":
            answer[key] = cursor(len(items) - 1) if items else None
        else:
            answer[key] = values[name]
    return answer


def _labels(keys: Sequence[tuple[SortKey, ColumnElement[Any]]]) -> list[ColumnElement[Any]]:
    return [column.label(f"sort{index}") for index, (_, column) in enumerate(keys)]


def _sorted(rows: Any, keys: Sequence[tuple[SortKey, ColumnElement[Any]]]) -> list[Any]:
    """The ORDER BY of `keys`, over a subquery's sort columns."""
    return sort_clauses([(key, rows.c[f"sort{index}"]) for index, (key, _) in enumerate(keys)])


def _outer(parent: Row | None) -> tuple[Row, ...]:
    """What a subquery in FROM refers to outside itself (SQLAlchemy correlates only
    subqueries in WHERE and SELECT by itself)."""
    return () if parent is None else (parent,)


def _written(count: int) -> ColumnElement[int]:
    """A LIMIT written into the statement (not a parameter): see `_paged`."""
    return sa.literal(count, sa.Integer, literal_execute=True)


def _constant(value: Any) -> Shape:
    return lambda _value, _bound: value


def _missing(at_root: bool, bound: Bound) -> None:
    if at_root and bound.tags is not None:
        bound.tags.add(LISTS)  # a row added later must not stay hidden by a cached answer
    return None
