"""A graphql-transport-ws client for tests, over a real WebSocket."""

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Any

import orjson
from websockets.asyncio.client import ClientConnection, connect

PROTOCOL = "graphql-transport-ws"

SUBSCRIPTION = """
subscription Watch($titleIds: [ID!]!, $regions: [String!]!) {
  availabilityChanged(titleIds: $titleIds, regions: $regions) { id title { id } offer { region } }
}
"""


class GraphQLWS:
    def __init__(self, socket: ClientConnection) -> None:
        self.socket = socket
        self.pings = 0

    async def send(self, message: dict[str, Any]) -> None:
        await self.socket.send(orjson.dumps(message).decode())

    async def init(self) -> None:
        await self.send({"type": "connection_init", "payload": {}})
        assert await self.receive() == {"type": "connection_ack"}

    async def subscribe(
        self,
        operation_id: str,
        query: str = SUBSCRIPTION,
        variables: dict[str, Any] | None = None,
        **payload: Any,
    ) -> None:
        await self.send(
            {
                "id": operation_id,
                "type": "subscribe",
                "payload": {"query": query, "variables": variables, **payload},
            }
        )

    async def watch(self, operation_id: str, title_ids: list[str], regions: list[str]) -> None:
        await self.subscribe(operation_id, variables={"titleIds": title_ids, "regions": regions})

    async def receive(self, within: float = 5.0) -> dict[str, Any]:
        """The next message other than the server's pings (answered with pongs)."""
        async with asyncio.timeout(within):
            while True:
                message: dict[str, Any] = orjson.loads(await self.socket.recv())
                if message.get("type") != "ping":
                    return message
                self.pings += 1
                await self.send({"type": "pong"})

    async def nothing_within(self, seconds: float) -> bool:
        try:
            message = await self.receive(seconds)
        except TimeoutError:
            return True
        raise AssertionError(f"unexpected message {message}")


@contextlib.asynccontextmanager
async def graphql_ws(url: str, *, init: bool = True, **options: Any) -> AsyncIterator[GraphQLWS]:
    async with connect(url, subprotocols=[PROTOCOL], **options) as socket:  # type: ignore[list-item]
        client = GraphQLWS(socket)
        if init:
            await client.init()
        yield client
