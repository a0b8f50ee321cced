"""Plans: documents strawberry has answered, compiled, and run per request."""

import logging
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

import orjson
from graphql import (
    ArgumentNode,
    DocumentNode,
    FragmentDefinitionNode,
    GraphQLError,
    GraphQLSchema,
    OperationDefinitionNode,
    OperationType,
    VariableNode,
    Visitor,
    get_operation_ast,
    visit,
)
from graphql.execution.values import get_variable_values
from sqlalchemy.ext.asyncio import AsyncEngine

from api.compiled.postgres import Statement, compile_query
from api.compiled.selection import NotCompilable, operation_fields
from api.errors import ApiError
from api.limits import DocumentLimits, Measure, Walker, cost_extension, parse_limited, violation
from api.response_cache import depends_on

logger = logging.getLogger("reelgraph.compiled")

MAX_PLANS = 512


@dataclass(frozen=True)
class Plan:
    statement: Statement
    document: DocumentNode
    operation: OperationDefinitionNode
    measure: Measure | None  # None: a page size comes from a variable, so measure per request


class CompiledQueries:
    """Plans by (document, operation name), for the most recently used documents.

    A plan is made only for a read query strawberry has just answered without
    errors, so the document is known to be valid under every rule the schema
    enforces. A request the plan cannot answer exactly as strawberry would (bad
    variables or arguments, a limit exceeded, a database error) gets None and is
    left to strawberry, which gives the usual answer or error.
    """

    def __init__(
        self, schema: GraphQLSchema, engine: AsyncEngine, limits: DocumentLimits, *, tagged: bool
    ) -> None:
        """`tagged`: answers are stored in the response cache, with the tags they record."""
        self.schema = schema
        self.tagged = tagged
        self.engine = engine
        self.limits = limits
        self._plans: OrderedDict[tuple[str, str | None], Plan | None] = OrderedDict()

    def learn(self, query: str, operation_name: str | None) -> None:
        key = (query, operation_name)
        if key not in self._plans:
            self._plans[key] = self._plan(query, operation_name)
            if len(self._plans) > MAX_PLANS:
                self._plans.popitem(last=False)

    def plan(self, query: str, operation_name: str | None) -> Plan | None:
        plan = self._plans.get((query, operation_name))
        if plan is not None:
            self._plans.move_to_end((query, operation_name))
        return plan

    async def execute(self, plan: Plan, variables: Any) -> bytes | None:
        """The response's body, or None when strawberry must answer."""
        if not isinstance(variables, dict | None):
            return None
        coerced = get_variable_values(
            self.schema, plan.operation.variable_definitions or (), variables or {}
        )
        if isinstance(coerced, list):  # errors: strawberry reports them
            return None
        values = coerced.coerced
        measure = (
            plan.measure or Walker(self.schema, plan.document, plan.operation, variables).measure()
        )
        statement = plan.statement
        try:
            for check in statement.checks:
                check(values)
            arguments = [source(values) for source in statement.sources]
        except (ApiError, NotCompilable):
            return None
        if violation(measure, self.limits) is not None:
            return None
        try:
            async with self.engine.connect() as connection:
                result = await connection.exec_driver_sql(statement.sql, tuple(arguments))
                text = result.scalar_one()
        except Exception as error:  # strawberry's path runs it again and classifies the error
            logger.info("compiled query failed, answering through strawberry: %r", error)
            return None
        # Parsed and written again even with nothing to fix: the same bytes as
        # strawberry's answer (compact), so an ETag stays valid across both paths.
        data = orjson.loads(text)
        depends_on(*statement.tags)
        if statement.fixes is not None:
            statement.fixes.apply(data, values)
        return orjson.dumps({"data": data, "extensions": cost_extension(measure, self.limits)})

    def _plan(self, query: str, operation_name: str | None) -> Plan | None:
        try:
            document = parse_limited(query, self.limits.max_tokens)
        except GraphQLError:
            return None
        operation = get_operation_ast(document, operation_name)
        if operation is None or operation.operation != OperationType.QUERY:
            return None
        fragments = {
            definition.name.value: definition
            for definition in document.definitions
            if isinstance(definition, FragmentDefinitionNode)
        }
        try:
            fields = operation_fields(self.schema, operation, fragments)
            statement = compile_query(fields, tagged=self.tagged)
        except NotCompilable as reason:
            logger.debug("not compiled (%s): %s", reason, operation_name)
            return None
        measure = None
        if not _page_size_from_variable(document):
            measure = Walker(self.schema, document, operation, {}).measure()
        return Plan(statement, document, operation, measure)


def _page_size_from_variable(document: DocumentNode) -> bool:
    finder = _VariablePageSize()
    visit(document, finder)
    return finder.found


class _VariablePageSize(Visitor):
    found = False

    def enter_argument(self, node: ArgumentNode, *_: Any) -> None:
        if node.name.value == "first" and isinstance(node.value, VariableNode):
            self.found = True
