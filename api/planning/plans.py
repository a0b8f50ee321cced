"""Plans by document, and running them: every read query is answered by one statement.

A document's plans are keyed by its *probes*: the few values of the request that
change the statement's shape (which filter fields are set, whether `after` is
given, the type a `node` id names, `@include` conditions...). Anything else is a
bind parameter. A request the planner must leave to strawberry gets None: a
document that fails validation or uses introspection, bad variables or arguments
(strawberry reports them field by field), a limit exceeded.
A database error is classified and answered here, once.
"""

import enum
import logging
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from typing import Any

import orjson
from graphql import (
    ArgumentNode,
    DirectiveNode,
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    GraphQLError,
    OperationDefinitionNode,
    OperationType,
    VariableNode,
    Visitor,
    get_operation_ast,
    is_non_null_type,
    specified_rules,
    visit,
)
from graphql.execution.collect_fields import FragmentDetails
from graphql.execution.values import get_variable_values
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine
from strawberry.schema.schema import validate_document

from api.core.errors import ApiError, classify
from api.core.limits import (
    DocumentLimits,
    Measure,
    Walker,
    cost_extension,
    document_bytes,
    parse_limited,
    violation,
)
from api.core.lru import LRU
from api.planning.driver import fetch_text
from api.planning.planner import Bound, NotPlannable, Planner, Probe, Shape, Source
from models.columns import utc_now

logger = logging.getLogger("reelgraph.plans")

MAX_DOCUMENTS = 512
MAX_PLANS_PER_DOCUMENT = 32
# Documents are client input (up to MAX_BODY_BYTES each): the cache is bounded by their
# size too, each weighed at what its parse holds (`document_bytes`, shared with the parse
# cache while both keep it) times PLANS_WEIGHT, for the SQL and the shapes built from it.
PLANS_MAX_BYTES = 16_000_000
PLANS_WEIGHT = 2


@dataclass(frozen=True)
class Plan:
    """What running a statement needs: its SQL text, not the expression it was compiled
    from. That expression proxies every column of every table alias it joins (~30 KB
    an alias): kept, a document of 25 aliased root fields held 1.1 MB, 40 of them 46 MB."""

    sql: str | None
    shape: Shape
    sources: dict[str, Source]
    processors: dict[str, Callable[[Any], Any] | None]
    names: tuple[str, ...]  # the statement's parameters, in order
    constants: dict[str, Any]
    by_key: bool  # see Statement.by_key


class Unplannable:
    """A document strawberry always answers (invalid, a mutation, introspection...)."""


UNPLANNABLE = Unplannable()


@dataclass
class DocumentPlans:
    document: DocumentNode
    operation: OperationDefinitionNode
    fragments: dict[str, FragmentDetails]
    probes: dict[Hashable, Probe] = field(default_factory=dict)
    # The cost limits' measure, when no page size comes from a variable; else by the
    # values of the variables page sizes come from (`sized_by`).
    measure: Measure | None = None
    sized_by: tuple[str, ...] = ()
    measures: dict[tuple[object, ...], Measure] = field(default_factory=dict)
    # None: this shape is left to strawberry (too deep for SQLite's parser)
    plans: OrderedDict[tuple[Hashable, ...], "Plan | None"] = field(default_factory=OrderedDict)

    def signature(self, bound: Bound) -> tuple[Hashable, ...]:
        return tuple(probe(bound) for probe in self.probes.values())


class QueryPlans:
    """Answers read queries by plan; plans are built once per document and shape."""

    def __init__(self, schema: Any, engine: AsyncEngine, limits: DocumentLimits) -> None:
        self.schema = schema
        self.engine = engine
        self.dialect = engine.dialect
        self.limits = limits
        self._documents: LRU[tuple[str, str | None], DocumentPlans | Unplannable] = LRU(
            max_entries=MAX_DOCUMENTS, max_bytes=PLANS_MAX_BYTES
        )

    async def answer(
        self,
        query: str,
        operation_name: str | None,
        variables: Any,
        tags: set[str] | None = None,
    ) -> bytes | None:
        """The response body, or None when strawberry must answer. `tags`: where the
        response cache wants the tags of the rows it shows."""
        entry = self._entry(query, operation_name)
        if entry is None or not isinstance(variables, dict | None):
            return None
        coerced = get_variable_values(
            self.schema._schema, entry.operation.variable_definitions or (), variables or {}
        )
        if isinstance(coerced, list):
            return None
        bound = Bound(coerced, utc_now(), tags)
        measure = entry.measure or self._measure(entry, variables or {})
        if violation(measure, self.limits) is not None:
            return None
        try:
            plan = self._plan(entry, bound)
            if plan is None:
                return None
            parameters = tuple(self._parameter(plan, name, bound) for name in plan.names)
        except (ApiError, NotPlannable):
            return None
        except Exception:  # strawberry's resolvers meet it again and report it
            logger.exception("planning failed; strawberry answers")
            return None
        try:
            text = "[]" if plan.sql is None else await self._run(plan, parameters)
        except Exception as error:
            if _too_deep_for_sqlite(error):  # nothing was read: strawberry answers instead
                entry.plans[entry.signature(bound)] = None
                return None
            return self._failed(entry.operation, error, measure)
        try:
            data = plan.shape(orjson.loads(text), bound)
        except ApiError:  # an argument only a Python resolver checks (e.g. `maxLength`)
            return None
        return orjson.dumps({"data": data, "extensions": cost_extension(measure, self.limits)})

    async def _run(self, plan: Plan, parameters: tuple[Any, ...]) -> str:
        """The statement's JSON. A read on a pooled connection the server had dropped
        runs once more, on a new one (pooled connections are not pinged under load)."""
        assert plan.sql is not None
        by_key = plan.by_key
        try:
            return await fetch_text(self.engine, plan.sql, parameters, by_key)
        except DBAPIError as error:
            if not error.connection_invalidated:
                raise
            return await fetch_text(self.engine, plan.sql, parameters, by_key)

    def _entry(self, query: str, operation_name: str | None) -> DocumentPlans | None:
        key = (query, operation_name)
        found = self._documents.get(key)
        if found is None:
            found = self._learn(query, operation_name) or UNPLANNABLE
            weight = (
                len(query)
                if isinstance(found, Unplannable)
                else PLANS_WEIGHT * document_bytes(query, found.document)
            )
            self._documents.put(key, found, weight)
        return None if isinstance(found, Unplannable) else found

    def _learn(self, query: str, operation_name: str | None) -> DocumentPlans | None:
        try:
            document = parse_limited(query, self.limits.max_tokens)
        except GraphQLError:
            return None
        operation = get_operation_ast(document, operation_name)
        if operation is None or operation.operation != OperationType.QUERY:
            return None
        if validate_document(self.schema._schema, document, tuple(specified_rules)):
            return None
        fragments = {
            definition.name.value: FragmentDetails(definition)
            for definition in document.definitions
            if isinstance(definition, FragmentDefinitionNode)
        }
        entry = DocumentPlans(document, operation, fragments, _directive_probes(document))
        entry.sized_by = _page_size_variables(document)
        if not entry.sized_by:
            entry.measure = Walker(self.schema._schema, document, operation, {}).measure()
        return entry

    def _measure(self, entry: DocumentPlans, variables: dict[str, Any]) -> Measure:
        """The document's measure for these page sizes (valid variables: numbers or null;
        typed, as the walker tells 50 from 50.0)."""
        sizes = tuple((type(size), size) for size in map(variables.get, entry.sized_by))
        found = entry.measures.get(sizes)
        if found is None:
            walker = Walker(self.schema._schema, entry.document, entry.operation, variables)
            found = entry.measures[sizes] = walker.measure()
            if len(entry.measures) > MAX_PLANS_PER_DOCUMENT:
                del entry.measures[next(iter(entry.measures))]
        return found

    def _plan(self, entry: DocumentPlans, bound: Bound) -> Plan | None:
        signature = entry.signature(bound)
        if signature in entry.plans:
            entry.plans.move_to_end(signature)
            return entry.plans[signature]
        planner = Planner(self.schema, entry.fragments, entry.operation, bound, self.dialect.name)
        statement = planner.plan()
        # Probes met for the first time (behind other probes' values) join the key.
        for key, probe in planner.probes.items():
            entry.probes.setdefault(key, probe)
        signature = entry.signature(bound)
        if statement.select is None:
            plan = Plan(None, statement.shape, {}, {}, (), {}, statement.by_key)
            entry.plans[signature] = plan
            return plan
        compiled = statement.select.compile(
            dialect=self.dialect, compile_kwargs={"render_postcompile": True}
        )
        names = tuple(compiled.positiontup or ())
        constants = {name: compiled.params[name] for name in names if name not in statement.sources}
        processors: dict[str, Callable[[Any], Any] | None] = {}
        for name in statement.sources:
            bind = compiled.binds.get(name)
            processors[name] = (
                None if bind is None else bind.type._cached_bind_processor(self.dialect)
            )
        sql = str(compiled)
        plan = Plan(
            sql, statement.shape, statement.sources, processors, names, constants, statement.by_key
        )
        entry.plans[signature] = plan
        if len(entry.plans) > MAX_PLANS_PER_DOCUMENT:
            entry.plans.popitem(last=False)
        return plan

    def _parameter(self, plan: Plan, name: str, bound: Bound) -> Any:
        source = plan.sources.get(name)
        if source is None:
            value = plan.constants[name]
            return getattr(value, "value", value) if _is_enum(value) else value
        value = source(bound)
        if _is_enum(value):
            value = value.value
        processor = plan.processors.get(name)
        return value if processor is None else processor(value)

    def _failed(self, operation: OperationDefinitionNode, error: Exception, measure: Any) -> bytes:
        """A database error, classified once, at each root field (as strawberry reports it)."""
        root = self.schema._schema.query_type
        data: dict[str, Any] | None = {}
        errors = []
        for selection in operation.selection_set.selections:
            if not isinstance(selection, FieldNode) or selection.name.value == "__typename":
                continue
            key = (selection.alias or selection.name).value
            wrapped = GraphQLError(str(error), path=[key], original_error=error)
            errors.append(classify(wrapped).formatted)
            if data is not None and is_non_null_type(root.fields[selection.name.value].type):
                data = None
            elif data is not None:
                data[key] = None
        body = {"data": data, "errors": errors, "extensions": cost_extension(measure, self.limits)}
        return orjson.dumps(body)


def _too_deep_for_sqlite(error: Exception) -> bool:
    """SQLite's parser has a fixed stack: a deep enough document's statement overflows it."""
    return "parser stack overflow" in str(error)


def _is_enum(value: Any) -> bool:
    return isinstance(value, enum.Enum)


def _page_size_variables(document: DocumentNode) -> tuple[str, ...]:
    """The variables some `first` argument takes its value from."""
    finder = _VariablePageSizes()
    visit(document, finder)
    return tuple(sorted(finder.names))


class _VariablePageSizes(Visitor):
    def __init__(self) -> None:
        super().__init__()
        self.names: set[str] = set()

    def enter_argument(self, node: ArgumentNode, *_: Any) -> None:
        if node.name.value == "first" and isinstance(node.value, VariableNode):
            self.names.add(node.value.name.value)


def _directive_probes(document: DocumentNode) -> dict[Hashable, Probe]:
    """`@include`/`@skip` conditions read from variables: each is part of the key."""
    finder = _DirectiveVariables()
    visit(document, finder)
    return {("directive", name): _variable_is_true(name) for name in sorted(finder.names)}


def _variable_is_true(name: str) -> Probe:
    return lambda bound: bool(bound.variables.coerced.get(name))


class _DirectiveVariables(Visitor):
    def __init__(self) -> None:
        super().__init__()
        self.names: set[str] = set()

    def enter_directive(self, node: DirectiveNode, *_: Any) -> None:
        if node.name.value in ("include", "skip"):
            for argument in node.arguments or ():
                if isinstance(argument.value, VariableNode):
                    self.names.add(argument.value.name.value)
