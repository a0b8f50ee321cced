"""GraphQL document limits: tokens, depth, aliases and requested nodes (cost).

One schema extension, `QueryLimits`, refuses a document before any resolver
runs when it is over a limit, with one `QUERY_TOO_COMPLEX` error whose
`extensions.limit` names the first limit exceeded, in this order: `tokens`
(while parsing), `depth`, `aliases`, `nodes` (after validation).
Every response to a parsed document reports its cost in the top-level
`extensions`: `{"cost": {"requestedNodes": N, "limit": 25000}}`.

The cost is GitHub's node limit: a connection field (one with a `first`
argument returning a `...Connection`) multiplies what is below it by its
`first`, a list of objects (`offers`, `genres`, ...) by `LIST_ESTIMATE`, and the
requested nodes are the sum, over those fields, of the product of the
multipliers from the root down to and including the field. So
`titles(first: 100) { edges { node { credits(first: 100) { totalCount } } } }`
requests 100 + 100 * 100 = 10,100 nodes, whatever leaves are selected.
`first` comes from the literal, the request's variables (or the variable's
default), or the schema's default when the argument is omitted; anything that is
not a valid page size counts as `MAX_FIRST` (the resolver refuses it anyway).
Introspection (`__schema`, `__type`) counts no depth (its `ofType` chains are
deep by design) but does count nodes: it touches no table, yet its whole answer
is computed on the event loop, so every object it answers counts, one object
fields included, and its lists are multiplied by what this schema really holds
(`types` by the number of types, `fields` by the average fields per type...).
GraphiQL's full introspection costs a few thousand nodes; a document repeating
it under aliases is refused.
`INTROSPECTION=false` switches it off entirely. The
counts are upper bounds: a field or fragment selected twice counts twice, though
execution merges them.

The measures are computed in one walk of the operation, with fragments measured
once each (a fragment spread many times costs one walk), so a document built to
expand exponentially cannot make the walk itself expensive. The walk runs in
`on_execute`, after validation and before execution; no `resolve()` hook is
added (it would wrap every field of every response).
"""

from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLEnumType,
    GraphQLError,
    GraphQLField,
    GraphQLInputObjectType,
    GraphQLInterfaceType,
    GraphQLList,
    GraphQLNamedType,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLSchema,
    GraphQLSyntaxError,
    InlineFragmentNode,
    IntValueNode,
    OperationDefinitionNode,
    SchemaMetaFieldDef,
    SelectionSetNode,
    Token,
    TokenKind,
    TypeMetaFieldDef,
    TypeNameMetaFieldDef,
    Undefined,
    ValueNode,
    VariableNode,
    get_named_type,
    is_abstract_type,
    is_composite_type,
    is_introspection_type,
    parse,
)
from graphql.execution import ExecutionResult as GraphQLExecutionResult
from graphql.utilities import get_operation_ast, value_from_ast_untyped
from strawberry.extensions import SchemaExtension
from strawberry.types.graphql import OperationType

from api.core.errors import ErrorCode
from api.core.lru import LRU
from api.planning.pages import MAX_FIRST
from api.settings import Settings

LIST_ESTIMATE = 10
"""Nodes assumed for a list of objects that has no `first` (offers, genres, providers)."""

PARSE_CACHE_SIZE = 256
PARSE_CACHE_BYTES = 8_000_000
"""Of parsed documents (`document_bytes`): with MAX_BODY_BYTES up to 10 MB, a count
alone is no bound."""
TOKEN_BYTES = 400
"""What a parsed document holds per token besides text (the token, its node, name and
location): 380-390 bytes measured with tracemalloc on documents of 2,000 tokens."""


@dataclass(frozen=True)
class DocumentLimits:
    max_tokens: int
    max_depth: int
    max_aliases: int
    max_nodes: int

    @classmethod
    def from_settings(cls, settings: Settings) -> "DocumentLimits":
        return cls(
            max_tokens=settings.max_query_tokens,
            max_depth=settings.max_query_depth,
            max_aliases=settings.max_query_aliases,
            max_nodes=settings.max_query_nodes,
        )


@dataclass(frozen=True)
class Measure:
    nodes: int = 0
    depth: int = 0
    aliases: int = 0


ZERO = Measure()


def too_complex(message: str, limit: str) -> GraphQLError:
    return GraphQLError(
        message, extensions={"code": ErrorCode.QUERY_TOO_COMPLEX.value, "limit": limit}
    )


document_cache: LRU[tuple[str, int], DocumentNode] = LRU(
    max_entries=PARSE_CACHE_SIZE, max_bytes=PARSE_CACHE_BYTES
)


def _parse(query: str, max_tokens: int) -> DocumentNode:
    document = document_cache.get((query, max_tokens))
    if document is None:
        # `max_tokens` (unlike the newer `max_lexical_tokens`) counts comments too, so
        # a document padded with comments is cut short as well; graphql-core 3.3 keeps
        # it without a runtime warning.
        document = parse(query, max_tokens=max_tokens)
        _drop_comments(document)
        document_cache.put((query, max_tokens), document, document_bytes(query, document))
    return document


def _tokens(document: DocumentNode) -> Iterator[Token]:
    token: Token | None = None if document.loc is None else document.loc.start_token
    while token is not None and token.prev is not None:
        token = token.prev
    while token is not None:
        following = token.next  # read first: the caller may unlink `token`
        yield token
        token = following


def _drop_comments(document: DocumentNode) -> None:
    """Unlinks comment tokens from the document's token list: each holds a copy of its
    text (a 95 KB comment doubled a cached document) and nothing reads them after
    parsing."""
    for token in _tokens(document):
        if token.kind is TokenKind.COMMENT and token.prev is not None:
            token.prev.next = token.next
            if token.next is not None:
                token.next.prev = token.prev


def document_bytes(query: str, document: DocumentNode) -> int:
    """What `document`, parsed from `query`, holds in memory: the source, and per token
    TOKEN_BYTES and the text its value copies (names, numbers, strings)."""
    return len(query) + sum(TOKEN_BYTES + len(token.value or "") for token in _tokens(document))


def parse_limited(query: str, max_tokens: int) -> DocumentNode:
    """Parse (cached, like strawberry's ParserCache); a token or nesting overflow is
    `QUERY_TOO_COMPLEX`, any other syntax error stays a syntax error."""
    try:
        return _parse(query, max_tokens)
    except GraphQLSyntaxError as error:
        if f"Document contains more than {max_tokens} tokens." in error.message:
            raise too_complex(
                f"Query has more than {max_tokens:,} tokens; the limit is {max_tokens:,}.",
                "tokens",
            ) from None
        if "Document is nested too deeply." in error.message:
            raise too_complex("Query is nested too deeply to be parsed.", "depth") from None
        raise


class QueryLimits(SchemaExtension):
    """Pass as a zero-argument factory: `lambda: QueryLimits(limits)`.

    It parses the document itself (with a shared LRU cache), so it replaces
    strawberry's `ParserCache`; do not list both.
    """

    def __init__(self, limits: DocumentLimits) -> None:
        super().__init__()
        self.limits = limits
        self._measure: Measure | None = None
        self._measured = False

    def on_parse(self) -> Iterator[None]:
        context = self.execution_context
        if context.graphql_document is None and context.query:
            context.graphql_document = parse_limited(context.query, self.limits.max_tokens)
        yield

    def on_execute(self) -> Iterator[None]:
        # Runs only for documents that passed validation, before any resolver.
        # A result set here replaces execution: the refused document runs nothing.
        measure = self.measure()
        if measure is not None and self.execution_context.result is None:
            error = violation(measure, self.limits)
            if error is not None:
                if self.execution_context.operation_type is OperationType.SUBSCRIPTION:
                    # strawberry subscribes whatever `result` holds; raising stops it.
                    raise error
                self.execution_context.result = GraphQLExecutionResult(data=None, errors=[error])
        yield

    def get_results(self) -> dict[str, Any]:
        measure = self.measure()
        return {} if measure is None else cost_extension(measure, self.limits)

    def measure(self) -> Measure | None:
        """The selected operation's measures; None when there is no document or operation."""
        if not self._measured:
            self._measured = True
            context = self.execution_context
            document = context.graphql_document
            if document is not None:
                operation = get_operation_ast(document, context.operation_name)
                if operation is not None:
                    walker = Walker(context.schema._schema, document, operation, context.variables)
                    self._measure = walker.measure()
        return self._measure


def cost_extension(measure: Measure, limits: DocumentLimits) -> dict[str, Any]:
    return {"cost": {"requestedNodes": measure.nodes, "limit": limits.max_nodes}}


def violation(measure: Measure, limits: DocumentLimits) -> GraphQLError | None:
    """The first limit exceeded, in the order depth, aliases, nodes (the response's
    `cost` extension still tells the requested nodes)."""
    if measure.depth > limits.max_depth:
        message = f"Query depth is {measure.depth:,}; the limit is {limits.max_depth:,}."
        return too_complex(message, "depth")
    if measure.aliases > limits.max_aliases:
        message = f"Query uses {measure.aliases:,} aliases; the limit is {limits.max_aliases:,}."
        return too_complex(message, "aliases")
    if measure.nodes > limits.max_nodes:
        message = f"Query requests {measure.nodes:,} nodes; the limit is {limits.max_nodes:,}."
        return too_complex(message, "nodes")
    return None


class Walker:
    """Measures one operation: requested nodes, depth and aliases.

    Tolerates documents that failed validation (unknown fields or fragments,
    fragment cycles): what it cannot type simply multiplies by nothing.
    """

    def __init__(
        self,
        schema: GraphQLSchema,
        document: DocumentNode,
        operation: OperationDefinitionNode,
        variables: dict[str, Any] | None,
    ) -> None:
        self.schema = schema
        self.operation = operation
        self.variables = variables or {}
        self.fragments = {
            definition.name.value: definition
            for definition in document.definitions
            if isinstance(definition, FragmentDefinitionNode)
        }
        self.variable_defaults = {
            definition.variable.name.value: definition.default_value
            for definition in operation.variable_definitions or ()
        }
        self.introspection_lists = introspection_list_sizes(schema)
        self._fragment_measures: dict[str, Measure] = {}
        self._walking: set[str] = set()

    def measure(self) -> Measure:
        root = self.schema.get_root_type(self.operation.operation)
        return self.selection_set(self.operation.selection_set, root)

    def selection_set(
        self, selection_set: SelectionSetNode, parent: GraphQLNamedType | None
    ) -> Measure:
        nodes = depth = aliases = 0
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                measure = self.field(selection, parent)
            elif isinstance(selection, InlineFragmentNode):
                condition = selection.type_condition
                scope = parent if condition is None else self.schema.get_type(condition.name.value)
                measure = self.selection_set(selection.selection_set, scope)
            elif isinstance(selection, FragmentSpreadNode):
                measure = self.fragment(selection.name.value)
            else:  # pragma: no cover - graphql-core has no other selection kinds
                measure = ZERO
            nodes += measure.nodes
            depth = max(depth, measure.depth)
            aliases += measure.aliases
        return Measure(nodes, depth, aliases)

    def fragment(self, name: str) -> Measure:
        known = self._fragment_measures.get(name)
        if known is not None:
            return known
        definition = self.fragments.get(name)
        if definition is None or name in self._walking:  # unknown, or a cycle
            return ZERO
        self._walking.add(name)
        scope = self.schema.get_type(definition.type_condition.name.value)
        measure = self.selection_set(definition.selection_set, scope)
        self._walking.discard(name)
        self._fragment_measures[name] = measure
        return measure

    def field(self, node: FieldNode, parent: GraphQLNamedType | None) -> Measure:
        alias = 1 if node.alias else 0
        definition = _field(parent, node.name.value)
        below = ZERO
        if node.selection_set is not None:
            child = None if definition is None else get_named_type(definition.type)
            below = self.selection_set(node.selection_set, child)
        multiplier = self.multiplier(node, definition, parent)
        nodes = below.nodes if multiplier is None else multiplier * (1 + below.nodes)
        if node.name.value.startswith("__"):  # introspection: no depth (ofType chains)
            return Measure(nodes, 0, alias + below.aliases)
        depth = 0 if node.selection_set is None else 1 + below.depth
        return Measure(nodes, depth, alias + below.aliases)

    def multiplier(
        self, node: FieldNode, definition: GraphQLField | None, parent: GraphQLNamedType | None
    ) -> int | None:
        if definition is None:
            return None
        if parent is not None and (
            definition in (SchemaMetaFieldDef, TypeMetaFieldDef) or is_introspection_type(parent)
        ):
            # Every introspection object counts, lists by what they really hold.
            if not is_composite_type(get_named_type(definition.type)):
                return None
            return self.introspection_lists.get((parent.name, node.name.value), 1)
        if "first" in definition.args and _is_connection(get_named_type(definition.type)):
            return self.first(node, definition)
        field_type = definition.type
        if isinstance(field_type, GraphQLNonNull):
            field_type = field_type.of_type
        if (
            isinstance(field_type, GraphQLList)
            and is_composite_type(get_named_type(field_type))
            and not _is_connection(parent)  # a connection's `edges` are counted by `first`
        ):
            return LIST_ESTIMATE
        return None

    def first(self, node: FieldNode, definition: GraphQLField) -> int:
        argument = next((a for a in node.arguments or () if a.name.value == "first"), None)
        value: object
        if argument is None:
            value = definition.args["first"].default_value
        else:
            value = self.value(argument.value)
        if isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= MAX_FIRST:
            return value
        return MAX_FIRST

    def value(self, node: ValueNode) -> object:
        if isinstance(node, IntValueNode):
            return int(node.value)
        if isinstance(node, VariableNode):
            name = node.name.value
            if name in self.variables:
                return self.variables[name]
            default = self.variable_defaults.get(name)
            return Undefined if default is None else value_from_ast_untyped(default)
        return Undefined


@lru_cache(maxsize=16)
def introspection_list_sizes(schema: GraphQLSchema) -> dict[tuple[str, str], int]:
    """How many objects each introspection list holds in `schema` (per parent, on
    average, rounded up): `types { fields { args } }` then counts about every field
    and argument of the schema once."""
    types = list(schema.type_map.values())
    fielded = [t for t in types if isinstance(t, GraphQLObjectType | GraphQLInterfaceType)]
    fields = [f for t in fielded for f in t.fields.values()]
    per_type = {
        "fields": sum(len(t.fields) for t in fielded),
        "interfaces": sum(len(t.interfaces) for t in fielded),
        "possibleTypes": sum(
            len(schema.get_possible_types(t)) for t in types if is_abstract_type(t)
        ),
        "enumValues": sum(len(t.values) for t in types if isinstance(t, GraphQLEnumType)),
        "inputFields": sum(len(t.fields) for t in types if isinstance(t, GraphQLInputObjectType)),
    }
    directive_args = sum(len(d.args) for d in schema.directives)
    return {
        ("__Schema", "types"): len(types),
        ("__Schema", "directives"): len(schema.directives),
        **{("__Type", name): _per(total, len(types)) for name, total in per_type.items()},
        ("__Field", "args"): _per(sum(len(f.args) for f in fields), len(fields)),
        ("__Directive", "args"): _per(directive_args, len(schema.directives)),
    }


def _per(total: int, parents: int) -> int:
    return -(-total // max(parents, 1))  # rounded up


def _field(parent: GraphQLNamedType | None, name: str) -> GraphQLField | None:
    if name in _META_FIELDS and parent is not None and not is_introspection_type(parent):
        return _META_FIELDS[name]
    if isinstance(parent, GraphQLObjectType | GraphQLInterfaceType):
        field: GraphQLField | None = parent.fields.get(name)
        return field
    return None


_META_FIELDS = {
    "__schema": SchemaMetaFieldDef,
    "__type": TypeMetaFieldDef,
    "__typename": TypeNameMetaFieldDef,
}


def _is_connection(named: GraphQLNamedType | None) -> bool:
    return (
        isinstance(named, GraphQLObjectType)
        and "edges" in named.fields
        and "pageInfo" in named.fields
    )
