"""The GraphQL HTTP endpoint: strawberry's view plus what clients' caches need.

Before strawberry runs an operation this view resolves persisted queries, answers
read queries from the response cache, then by plan (one SQL statement,
api/planning/), and afterwards stores the response with the tags it recorded.
Strawberry runs mutations, and reads a plan leaves to it (errors in arguments). GET
responses to queries carry an ETag and Cache-Control, and a matching
If-None-Match gets 304 Not Modified.

WebSockets on the same path speak graphql-transport-ws, for subscriptions only
(api/live/transport.py); a subscription sent over HTTP is refused.
"""

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from urllib.parse import urlencode

import orjson
from cross_web import AsyncHTTPRequestAdapter, HTTPException
from graphql import GraphQLError, OperationDefinitionNode, OperationType, get_operation_ast
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from starlette.datastructures import Headers
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.types import Receive, Scope, Send
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.http import GraphQLHTTPResponse, GraphQLRequestData
from strawberry.schema import BaseSchema
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL
from strawberry.types import ExecutionResult

from api.core.context import Context
from api.core.errors import ApiError, ErrorCode, classify, error_body
from api.core.limits import parse_limited
from api.core.reads import ReadsPerUse, RequestReads
from api.core.response_cache import ResponseCache, cache_key, recording
from api.http.graphiql import render_page
from api.http.persisted_queries import PersistedQueries
from api.live.feed import ChangeFeed
from api.live.transport import LiveTransport
from api.observability.metrics import Metrics
from api.observability.request_ids import current_exchange
from api.planning.plans import QueryPlans

GRAPHQL_PATH = "/graphql"
STATIC_PATH = "/static/graphiql"
SUBSCRIPTIONS_OVER_WEBSOCKET = (
    f"Subscriptions are served over WebSocket (graphql-transport-ws) at {GRAPHQL_PATH}."
)


@dataclass(frozen=True)
class Operation:
    query: str | None
    variables: Any
    operation_name: str | None
    extensions: Any


@dataclass(frozen=True)
class LiveOptions:
    """Subscriptions over graphql-transport-ws (api/live/transport.py)."""

    feed: ChangeFeed | None = None
    max_per_connection: int = 20
    connection_init_timeout: float = 10.0
    ping_interval: float = 20.0
    allowed_origins: Sequence[str] = ()


class GraphQLEndpoint(GraphQL[Context, None]):
    graphql_transport_ws_handler_class = LiveTransport

    def __init__(
        self,
        schema: BaseSchema,
        sessions: async_sessionmaker[AsyncSession],
        read_engine: AsyncEngine,
        *,
        graphiql: bool,
        persisted: PersistedQueries,
        cache: ResponseCache | None,
        plans: QueryPlans | None,
        http_max_age: int,
        max_tokens: int,
        metrics: Metrics | None = None,
        tracing: bool = False,
        batch_max_operations: int = 0,
        live: LiveOptions = LiveOptions(),
    ) -> None:
        super().__init__(
            schema,
            graphql_ide="graphiql" if graphiql else None,
            subscription_protocols=(GRAPHQL_TRANSPORT_WS_PROTOCOL,),
            connection_init_wait_timeout=timedelta(seconds=live.connection_init_timeout),
            max_subscriptions_per_connection=live.max_per_connection,
            allowed_origins=live.allowed_origins,
        )
        self.live = live.feed
        self.ping_interval = live.ping_interval
        self.sessions = sessions
        self.read_engine = read_engine
        self.persisted = persisted
        self.cache = cache
        self.plans = plans
        self.http_max_age = http_max_age
        self.max_tokens = max_tokens
        self.metrics = metrics
        self.tracing = tracing
        self.batch_max_operations = batch_max_operations

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return await super().__call__(scope, receive, send)
        try:
            request = Request(_canonical_json_type(scope), receive=receive)
            batch = await self._batch(request) if self.batch_max_operations else None
            if batch is not None:
                response = await self._answer_batch(request, batch)
            else:
                response = await self._respond(request)
        except HTTPException as error:  # unreadable body, wrong method...: JSON, not text
            response = http_error(error.status_code, error.reason)
        except ApiError as error:  # persisted-query protocol errors are GraphQL errors
            response = JSONResponse(error_body(error.message, error.code))
        await _finished(scope, response)(scope, receive, send)

    async def _respond(self, request: Request) -> Response:
        operation = await _read_operation(request)
        if operation is None or (operation.query is None and operation.extensions is None):
            return await self._run(request)  # GraphiQL, or strawberry's own 400
        query = self.persisted.resolve(operation.query, operation.extensions)
        if query != operation.query:
            request = _with_query(request, operation, query)
        definition = self._definition(query, operation.operation_name)
        self._note_operation(definition, operation.operation_name)
        if definition is not None and definition.operation == OperationType.SUBSCRIPTION:
            raise HTTPException(400, SUBSCRIPTIONS_OVER_WEBSOCKET)
        is_query = definition is not None and definition.operation == OperationType.QUERY
        key, epoch = None, 0
        if self.cache is not None and is_query:
            key = cache_key(str(query), operation.operation_name, operation.variables)
            cached = await self.cache.get(key)
            if self.metrics is not None:
                self.metrics.cache_lookups.labels("miss" if cached is None else "hit").inc()
            if cached is not None:
                return self._http_cached(request, Response(cached, media_type="application/json"))
            epoch = await self.cache.epoch()
        plans = self.plans if is_query else None
        with recording() as tags:
            body = None
            if plans is not None:
                body = await plans.answer(
                    str(query),
                    operation.operation_name,
                    operation.variables,
                    tags if self.cache is not None else None,
                )
            if body is None:
                response = await self._run(request)
            else:
                response = Response(body, media_type="application/json")
        if not is_query or response.status_code != 200 or b'"errors"' in response.body:
            return response
        if self.cache is not None and key is not None:
            await self.cache.put(key, bytes(response.body), tags, epoch)
        return self._http_cached(request, response)

    async def _batch(self, request: Request) -> list[Any] | None:
        """A POSTed JSON array of operations (None: not a batch)."""
        if request.method != "POST" or not (await request.body()).lstrip().startswith(b"["):
            return None
        if _media_type(request.headers.get("content-type", "")) != JSON_MEDIA_TYPE:
            return None  # refused as any other media type is
        try:
            batch = orjson.loads(await request.body())
        except orjson.JSONDecodeError as error:
            raise HTTPException(400, "Unable to parse request body as JSON") from error
        if not batch or len(batch) > self.batch_max_operations:
            raise HTTPException(
                400, f"A batch holds 1 to {self.batch_max_operations:,} operations."
            )
        return list(batch)

    async def _answer_batch(self, request: Request, batch: list[Any]) -> Response:
        """Each operation answered as if sent alone (cache, plans, errors), in order."""
        bodies = []
        for operation in batch:
            single = _with_body(request, orjson.dumps(operation))
            try:
                response = await self._respond(single)
            except HTTPException as error:
                response = http_error(error.status_code, error.reason)
            except ApiError as error:
                response = JSONResponse(error_body(error.message, error.code))
            bodies.append(bytes(_finished(single.scope, response).body))
        return Response(b"[" + b",".join(bodies) + b"]", media_type=JSON_MEDIA_TYPE)

    def _http_cached(self, request: Request, response: Response) -> Response:
        """GET answers to queries are cacheable by browsers and CDNs, with revalidation."""
        if request.method != "GET":
            return response
        etag = '"' + hashlib.sha256(response.body).hexdigest()[:32] + '"'
        headers = {"ETag": etag, "Cache-Control": f"public, max-age={self.http_max_age}"}
        if etag in request.headers.get("if-none-match", ""):
            return Response(status_code=304, headers=headers)
        response.headers.update(headers)
        return response

    def _definition(
        self, query: str | None, operation_name: str | None
    ) -> OperationDefinitionNode | None:
        return _operation(query, operation_name, self.max_tokens) if query else None

    def _note_operation(
        self, definition: OperationDefinitionNode | None, operation_name: str | None
    ) -> None:
        """The operation's name for the request's log line, metrics and trace."""
        if definition is not None and definition.name is not None:
            operation_name = definition.name.value
        exchange = current_exchange.get()
        if exchange is not None:
            exchange.operation = operation_name or "anonymous"
        if self.tracing and definition is not None:
            from api.observability.tracing import name_operation_span  # OpenTelemetry only when on

            name_operation_span(definition.operation.value, operation_name)

    async def get_context(
        self, request: Request | WebSocket, response: Response | WebSocket | None = None
    ) -> Context:
        if isinstance(request, WebSocket):
            return Context(
                sessions=self.sessions,
                reads=ReadsPerUse(self.read_engine),
                dialect=self.read_engine.dialect.name,
                request=request,
                cache=self.cache,
                live=self.live,
            )
        context = Context(
            sessions=self.sessions,
            reads=RequestReads(self.read_engine),
            dialect=self.read_engine.dialect.name,
            request=request,
            response=response if isinstance(response, Response) else None,
            cache=self.cache,
        )
        request.state.graphql_context = context  # so the connection is returned at the end
        return context

    async def _run(self, request: Request) -> Response:
        """strawberry's `run`, then the request's read connection goes back to the pool."""
        try:
            return await self.run(request)
        finally:
            context = getattr(request.state, "graphql_context", None)
            if context is not None:
                await context.close()

    async def render_graphql_ide(self, request: Request) -> HTMLResponse:
        return HTMLResponse(render_page(GRAPHQL_PATH, STATIC_PATH))

    async def process_result(
        self, request: Request, result: ExecutionResult
    ) -> GraphQLHTTPResponse:
        if result.errors:
            result.errors = [classify(error) for error in result.errors]
        return await super().process_result(request, result)

    def encode_json(self, data: object) -> bytes:
        return orjson.dumps(data)

    def decode_json(self, data: str | bytes) -> object:
        return orjson.loads(data)  # as `_read_operation` decoded it, and as fast

    async def parse_http_body(
        self, request: AsyncHTTPRequestAdapter
    ) -> GraphQLRequestData | list[GraphQLRequestData]:
        data = await super().parse_http_body(request)
        if isinstance(data, GraphQLRequestData) and data.operation_name is None and data.query:
            _refuse_unnamed_choice(data.query, self.max_tokens)
        return data


async def _read_operation(request: Request) -> Operation | None:
    """The single operation a GET or JSON POST carries (None: let strawberry answer)."""
    if request.method == "GET":
        params: dict[str, Any] = dict(request.query_params)
        try:
            for name in ("variables", "extensions"):
                if name in params:
                    params[name] = orjson.loads(params[name])
        except orjson.JSONDecodeError as error:
            raise HTTPException(400, "`variables` and `extensions` must be JSON") from error
    elif request.method == "POST":
        # Decided here, by the parsed media type, and nowhere else: strawberry would also
        # take any type that merely contains "application/json", past the safelist.
        if _media_type(request.headers.get("content-type", "")) != JSON_MEDIA_TYPE:
            raise HTTPException(400, "Unsupported content type: send application/json.")
        try:
            params = orjson.loads(await request.body())  # cached: strawberry reads it again
        except orjson.JSONDecodeError as error:
            raise HTTPException(400, "Unable to parse request body as JSON") from error
        if isinstance(params, list):
            raise HTTPException(400, "Batching is not enabled: send one operation.")
        if not isinstance(params, dict):
            raise HTTPException(400, "The request body must be a JSON object.")
    else:
        return None
    for name, (kind, described) in _PARAMETERS.items():
        if params.get(name) is not None and not isinstance(params[name], kind):
            raise HTTPException(400, f"`{name}` must be {described} or null.")
    return Operation(
        params.get("query"),
        params.get("variables"),
        params.get("operationName"),
        params.get("extensions"),
    )


JSON_MEDIA_TYPE = "application/json"
_PARAMETERS: dict[str, tuple[type, str]] = {
    "query": (str, "a string"),
    "operationName": (str, "a string"),
    "variables": (dict, "an object"),
    "extensions": (dict, "an object"),
}


def _media_type(content_type: str) -> str:
    return content_type.partition(";")[0].strip().lower()


def _canonical_json_type(scope: Scope) -> Scope:
    """`Application/JSON; charset=utf-8` is `application/json` (media types ignore case);
    strawberry compares case-sensitively, so it is handed the plain form."""
    headers = scope["headers"]
    for index, (name, value) in enumerate(headers):
        if name == b"content-type" and value != _JSON_BYTES:
            if _media_type(value.decode("latin-1")) != JSON_MEDIA_TYPE:
                return scope
            canonical = [*headers[:index], (name, _JSON_BYTES), *headers[index + 1 :]]
            return {**scope, "headers": canonical}
    return scope


_JSON_BYTES = JSON_MEDIA_TYPE.encode()


def _refuse_unnamed_choice(query: str, max_tokens: int) -> None:
    """The GraphQL spec's GetOperation: several operations and no `operationName` is an
    error (strawberry would run the first one)."""
    try:
        document = parse_limited(query, max_tokens)
    except GraphQLError:
        return  # strawberry reports it
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    if len(operations) > 1:
        raise HTTPException(
            400, "The document has several operations: choose one with `operationName`."
        )


def http_error(
    status_code: int, message: str, headers: Mapping[str, str] | None = None
) -> JSONResponse:
    """An HTTP-level refusal in the API's JSON error shape."""
    code = ErrorCode.NOT_FOUND if status_code == 404 else ErrorCode.BAD_USER_INPUT
    return JSONResponse(error_body(message, code), status_code=status_code, headers=headers)


def _with_query(request: Request, operation: Operation, query: str | None) -> Request:
    """The same request carrying `query` (a persisted query's document)."""
    fields = {
        "query": query,
        "variables": operation.variables,
        "operationName": operation.operation_name,
        "extensions": operation.extensions,
    }
    if request.method == "GET":
        encoded = {
            name: value if isinstance(value, str) else orjson.dumps(value).decode()
            for name, value in fields.items()
            if value is not None
        }
        scope = {**request.scope, "query_string": urlencode(encoded).encode()}
        return Request(scope, receive=request.receive)
    return _with_body(request, orjson.dumps(fields))


def _with_body(request: Request, body: bytes) -> Request:
    """The same POST request carrying `body`."""

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": body, "more_body": False}

    return Request(request.scope, receive=receive)


def _operation(
    query: str, operation_name: str | None, max_tokens: int
) -> OperationDefinitionNode | None:
    # Not cached itself (a cache keyed by documents of up to MAX_BODY_BYTES holds their
    # text): the parse is, in the document cache QueryLimits and query plans share.
    try:
        return get_operation_ast(parse_limited(query, max_tokens), operation_name)
    except GraphQLError:
        return None


GRAPHQL_RESPONSE_MEDIA_TYPE = "application/graphql-response+json"
_EXTENSIONS = b',"extensions":'


def _finished(scope: Scope, response: Response) -> Response:
    """The response as sent: with the request id in `extensions`, and in the media type
    the client asked for. With `application/graphql-response+json` a request error (the
    document or its variables are refused before execution: errors and no data) is
    400, as the GraphQL-over-HTTP spec says; `application/json` keeps 200 for clients
    that predate it."""
    body = bytes(response.body)
    if not body.startswith(b"{") or not response.headers.get("content-type", "").startswith(
        JSON_MEDIA_TYPE
    ):
        return response
    exchange = current_exchange.get()
    if GRAPHQL_RESPONSE_MEDIA_TYPE in Headers(scope=scope).get("accept", ""):
        response.headers["content-type"] = GRAPHQL_RESPONSE_MEDIA_TYPE
        if response.status_code == 200 and _is_request_error(body):
            body = orjson.dumps({k: v for k, v in orjson.loads(body).items() if k != "data"})
            response.status_code = 400
    if exchange is not None:
        head, extensions = _split_extensions(body)
        # `errors` comes after `data` and before `extensions` in both encoders: a
        # response carries errors when the member before `extensions` is an array.
        exchange.errors = head[-1] == ord("]")
        extensions["requestId"] = exchange.request_id
        body = b"".join((head, _EXTENSIONS, orjson.dumps(extensions), b"}"))
    response.body = body
    response.headers["content-length"] = str(len(body))
    return response


def _is_request_error(body: bytes) -> bool:
    """Errors and no data, and none of the errors belongs to a field (`path`)."""
    if not body.startswith((b'{"data":null,"errors":', b'{"errors":')):
        return False
    errors = orjson.loads(body).get("errors") or []
    return all(isinstance(error, dict) and "path" not in error for error in errors)


def with_extension(body: bytes, name: str, value: object) -> bytes:
    """`body`, a GraphQL response, with `extensions.<name>` set."""
    head, extensions = _split_extensions(body)
    extensions[name] = value
    return b"".join((head, _EXTENSIONS, orjson.dumps(extensions), b"}"))


def _split_extensions(body: bytes) -> tuple[memoryview, dict[str, Any]]:
    """A response without its closing brace and top-level `extensions`, and those, the
    rest never re-encoded. Both encoders here (plans' and strawberry's) write the
    top-level `extensions` last: the value after the last `,"extensions":` is that one
    exactly when it is one JSON value running to the closing brace (a field's or an
    error's would not)."""
    at = body.rfind(_EXTENSIONS)
    if at != -1:
        try:
            extensions = orjson.loads(memoryview(body)[at + len(_EXTENSIONS) : -1])
        except orjson.JSONDecodeError:
            extensions = None
        if isinstance(extensions, dict):
            return memoryview(body)[:at], extensions
    return memoryview(body)[:-1], {}
