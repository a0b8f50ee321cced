"""graphql-transport-ws on /graphql, with the HTTP endpoint's rules.

strawberry's handler runs whatever document a `subscribe` message carries. This
one first applies what the HTTP view applies before strawberry: persisted
queries (and the safelist-only mode), the token limit, and one operation chosen
by name; it serves subscriptions only (queries and mutations go over HTTP, where
the rate limiter, the response cache and the request timeout apply), caps the
subscriptions of one connection, gives every error a contract code, and pings
idle clients so that proxies keep the connection open and clients can tell a
dead server from a quiet one.

Each operation it runs knows its subscriber (api/live/channels.py: the resolver
joins the subscriber to the channel of its operation, whose payloads its task then
sends as they are). Messages are text frames, as the protocol's clients expect.
"""

import asyncio
import contextlib
from collections.abc import AsyncGenerator
from typing import Any, cast

import orjson
from graphql import GraphQLError, OperationType, get_operation_ast
from starlette.websockets import WebSocketDisconnect
from strawberry.asgi import ASGIWebSocketAdapter
from strawberry.http.exceptions import WebSocketDisconnected
from strawberry.schema.schema import StreamResult
from strawberry.subscriptions.protocols.graphql_transport_ws.handlers import (
    BaseGraphQLTransportWSHandler,
    Operation,
)
from strawberry.subscriptions.protocols.graphql_transport_ws.types import (
    ConnectionInitMessage,
    Message,
    SubscribeMessage,
)
from strawberry.types import ExecutionResult

from api.core.context import Context
from api.core.errors import ApiError, BadUserInput, classify
from api.core.limits import parse_limited
from api.live import channels


class LiveTransport(BaseGraphQLTransportWSHandler[Context, None]):
    keep_alive: asyncio.Task[None] | None = None

    async def handle_connection_init(self, message: ConnectionInitMessage) -> None:
        await super().handle_connection_init(message)
        if self.connection_acknowledged and self.keep_alive is None:
            self.keep_alive = asyncio.create_task(self._ping_periodically())

    async def _ping_periodically(self) -> None:
        with contextlib.suppress(WebSocketDisconnected, RuntimeError):  # closing: done
            while True:
                await asyncio.sleep(self.view.ping_interval)  # type: ignore[attr-defined]
                await self.send_message({"type": "ping"})

    async def shutdown(self) -> None:
        if self.keep_alive is not None:
            self.keep_alive.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self.keep_alive
        await super().shutdown()

    async def handle_subscribe(self, message: SubscribeMessage) -> None:
        if not self.connection_acknowledged or message["id"] in self.operations:
            return await super().handle_subscribe(message)  # closes the connection
        payload: Any = message["payload"]
        try:
            query = self._checked_query(payload)
        except ApiError as error:
            return await self._refuse(message["id"], _error(error))
        except GraphQLError as error:
            return await self._refuse(message["id"], classify(error))
        checked: Any = {**message, "payload": {**payload, "query": query}}
        await super().handle_subscribe(checked)

    def _checked_query(self, payload: Any) -> str:
        if not isinstance(payload, dict):
            raise BadUserInput("A subscribe message's payload must be an object.")
        view: Any = self.view
        query = view.persisted.resolve(payload.get("query"), payload.get("extensions"))
        if not isinstance(query, str):
            raise BadUserInput("The subscribe message has no `query`.")
        operation_name = payload.get("operationName")
        operation = get_operation_ast(parse_limited(query, view.max_tokens), operation_name)
        if operation is None:
            raise BadUserInput(
                "The document has no such operation, or several: choose one with `operationName`."
            )
        if operation.operation is not OperationType.SUBSCRIPTION:
            raise BadUserInput(
                "Only subscriptions are served over WebSocket; send queries and mutations"
                " over HTTP."
            )
        cap = self.max_subscriptions_per_connection
        if cap is not None and len(self.operations) >= cap:
            raise BadUserInput(
                f"A connection may hold {cap:,} subscriptions at once; complete one first,"
                " or open another connection."
            )
        return query

    async def run_operation(self, operation: Operation[Context, None]) -> None:
        # The operation's own task: the resolver it calls sees its subscriber.
        subscriber = channels.Subscriber(
            operation.id,
            channels.Operation(operation.query, operation.variables, operation.operation_name),
            self.schema,
            self.send_encoded,
        )
        channels.subscribing.set(subscriber)
        try:
            await super().run_operation(operation)
        finally:
            subscriber.leave()

    async def send_message(self, message: Message) -> None:
        await self.send_encoded(orjson.dumps(message))

    async def send_encoded(self, message: bytes) -> None:
        websocket = cast(ASGIWebSocketAdapter, self.websocket).ws
        try:
            await websocket.send_text(message.decode())
        except WebSocketDisconnect as error:
            raise WebSocketDisconnected from error

    async def _refuse(self, operation_id: str, error: GraphQLError) -> None:
        await self.send_message({"id": operation_id, "type": "error", "payload": [error.formatted]})

    async def _send_result_stream(
        self, operation: Operation[Context, None], result_source: StreamResult
    ) -> None:
        await super()._send_result_stream(operation, _classified(result_source))


async def _classified(results: StreamResult) -> AsyncGenerator[Any, None]:
    """Each result with its errors as the HTTP view reports them (api/core/errors.py)."""
    async for result in results:
        if isinstance(result, ExecutionResult) and result.errors:
            result.errors = [classify(error) for error in result.errors]
        yield result


def _error(error: ApiError) -> GraphQLError:
    return classify(GraphQLError(error.message, original_error=error))
