"""Multiplexing: each change executed once per distinct operation, not per subscription.

Subscriptions of one document, variables and operation name (a channel's key) have
the same arguments, so they receive the same changes, and the same payload for each:
a subscription's selection only reads, and reads never depend on the caller (API
keys are checked by writes only). So the first subscription of a key opens a
channel: one watch in the hub, and one run of the operation through strawberry on a
context of its own, which executes each change once; its payload is encoded once and
offered to every member (a subscription) of the channel. Each member's own task sends
it from the member's bounded queue, so a slow client holds up nobody else. A member's
resolver returns the member itself, a stream that yields nothing to strawberry: no
subscriber executes anything. A member that joins a running channel receives the
changes published after it joined, as a watch of its own would; the channel closes
with its last member.
"""

import asyncio
import contextvars
import logging
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import Any, Generic, Never, Self, TypeVar

import orjson
from strawberry.schema import BaseSchema
from strawberry.types import ExecutionResult
from strawberry.utils.aio import aclosing

from api.core.errors import ApiError, ErrorCode, classify
from api.live.changes import MAX_PENDING, Change, ChangeHub, FellBehind, Watch

T = TypeVar("T")
Key = tuple[str, bytes, str | None]  # document, variables (canonical JSON), operation name

logger = logging.getLogger("reelgraph.live")


class ServiceFull(ApiError):
    code = ErrorCode.SERVICE_UNAVAILABLE


@dataclass(frozen=True, slots=True)
class Operation:
    """A subscribe message's operation, as strawberry runs it."""

    query: str
    variables: dict[str, Any] | None
    name: str | None

    @property
    def key(self) -> Key:
        return self.query, orjson.dumps(self.variables, option=orjson.OPT_SORT_KEYS), self.name


@dataclass(slots=True)
class Subscriber:
    """One subscribe message of a WebSocket, being run (api/live/transport.py)."""

    id: str
    operation: Operation
    schema: BaseSchema
    send: Callable[[bytes], Awaitable[None]]  # one encoded message
    member: "Member | None" = None  # once its resolver joined a channel

    def leave(self) -> None:
        """When its operation's task ends, however it ends (strawberry closes the
        stream it iterates, but not one it was cancelled before iterating)."""
        if self.member is not None:
            self.member.close()


subscribing: contextvars.ContextVar[Subscriber | None] = contextvars.ContextVar(
    "subscribing", default=None
)
"""Set by the transport in the task of each operation it runs."""

running: contextvars.ContextVar["Channel | None"] = contextvars.ContextVar("running", default=None)
"""Set in a channel's task: the resolver it calls serves the channel's run."""


class Member:
    """One subscription of a channel; its resolver's stream. Iterating it sends the
    channel's payloads to the subscriber until the channel ends (then it stops: the
    transport sends `complete`) or the subscriber falls more than `MAX_PENDING`
    behind (FellBehind); it never yields."""

    def __init__(self, channels: "Channels", channel: "Channel", subscriber: Subscriber) -> None:
        self.channels = channels
        self.channel = channel
        self.send = subscriber.send
        self.after = channel.watch.offered  # the changes it receives are offered later
        self.envelope = b'{"id":' + orjson.dumps(subscriber.id) + b',"type":"next","payload":'
        self.pending: asyncio.Queue[bytes | None] = asyncio.Queue(MAX_PENDING)
        self.overflowed = False
        self.ended = False

    def offer(self, payload: bytes) -> None:
        if self.overflowed:
            return
        try:
            self.pending.put_nowait(payload)
        except asyncio.QueueFull:
            self.overflowed = True
            self.pending = asyncio.Queue(1)  # what it held is freed at once
            self.pending.put_nowait(None)  # wakes the sender to end the subscription

    def end(self) -> None:
        """After what is queued, stop."""
        self.ended = True
        if self.pending.empty():
            self.pending.put_nowait(None)  # wakes the sender

    def __aiter__(self) -> Self:
        return self

    async def __anext__(self) -> Never:
        try:
            while True:
                if self.overflowed:
                    raise FellBehind(
                        f"This subscription fell more than {MAX_PENDING:,} changes behind;"
                        " subscribe again."
                    )
                if self.ended and self.pending.empty():
                    raise StopAsyncIteration
                payload = await self.pending.get()
                if payload is not None:
                    await self.send(self.envelope + payload + b"}")
        except BaseException:
            self.close()
            raise

    async def aclose(self) -> None:
        self.close()

    def close(self) -> None:
        self.channels.leave(self)


class Events(Generic[T]):
    """A channel's own stream: the changes its watch receives, each loaded (None: the
    change is gone by now, and is skipped)."""

    def __init__(self, channel: "Channel", load: Callable[[Change], Awaitable[T | None]]):
        self.channel = channel
        self.load = load

    def __aiter__(self) -> Self:
        return self

    async def __anext__(self) -> T:
        channel = self.channel
        while True:
            change = await channel.watch.next()
            channel.taken += 1
            value = await self.load(change)
            if value is not None:
                channel.showing = channel.taken
                return value


class Channel:
    def __init__(self, key: Key, watch: Watch, subscriber: Subscriber, context: object) -> None:
        self.key = key
        self.watch = watch
        self.operation = subscriber.operation
        self.schema = subscriber.schema
        self.context = context
        self.members: dict[Member, None] = {}  # insertion-ordered set
        self.taken = 0  # changes taken from the watch
        self.showing: int | None = None  # the change the next result shows (None: an error)
        self.task: asyncio.Task[None] | None = None

    def events(self, load: Callable[[Change], Awaitable[T | None]]) -> Events[T]:
        return Events(self, load)

    async def run(self, closed: Callable[["Channel"], None]) -> None:
        running.set(self)
        try:
            results = await self.schema.stream(
                self.operation.query,
                variable_values=self.operation.variables,
                context_value=self.context,
                operation_name=self.operation.name,
            )
            async with aclosing(results):
                async for result in results:
                    self._fan_out(encode(result))
        except Exception:  # a bug; its members end rather than wait for ever
            logger.exception("live changes: a channel failed")
        finally:
            closed(self)
            for member in self.members:
                member.end()

    def _fan_out(self, payload: bytes) -> None:
        showing, self.showing = self.showing, None
        for member in self.members:
            if showing is None or member.after < showing:
                member.offer(payload)


def encode(result: object) -> bytes:
    """A result's `next` payload, as strawberry's transport shapes it, errors classified
    as the HTTP view classifies them (api/core/errors.py)."""
    assert isinstance(result, ExecutionResult)  # subscriptions stream no increments
    payload: dict[str, object] = {"data": result.data}
    if result.errors:
        payload["errors"] = [classify(error).formatted for error in result.errors]
    if result.extensions:
        payload["extensions"] = result.extensions
    return orjson.dumps(payload)


class Channels:
    """The process's open channels, and its cap of subscriptions."""

    def __init__(self, hub: ChangeHub, max_subscriptions: int) -> None:
        self.hub = hub
        self.max_subscriptions = max_subscriptions
        self.subscriptions = 0
        self._open: dict[Key, Channel] = {}
        self._tasks: set[asyncio.Task[None]] = set()

    def join(
        self,
        subscriber: Subscriber,
        title_ids: Iterable[int],
        regions: Iterable[str],
        context: Callable[[], object],
    ) -> Member:
        """A member of the channel of the subscriber's operation (opened if none is).
        `context` makes the channel's context; the filter is the operation's arguments."""
        if self.subscriptions >= self.max_subscriptions:
            raise ServiceFull(
                f"This server holds its maximum of {self.max_subscriptions:,} live"
                " subscriptions; try again shortly."
            )
        key = subscriber.operation.key
        channel = self._open.get(key)
        if channel is None:
            channel = self._open[key] = Channel(
                key, self.hub.add(title_ids, regions), subscriber, context()
            )
            # A context of its own: nothing of the first subscriber's request leaks in.
            task = asyncio.create_task(
                channel.run(self._closed), name="live channel", context=contextvars.Context()
            )
            channel.task = task
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
        member = subscriber.member = Member(self, channel, subscriber)
        channel.members[member] = None
        self.subscriptions += 1
        return member

    def leave(self, member: Member) -> None:
        channel = member.channel
        if member in channel.members:
            del channel.members[member]
            self.subscriptions -= 1
        if not channel.members and self._open.get(channel.key) is channel:
            self._closed(channel)
            assert channel.task is not None
            channel.task.cancel()

    def _closed(self, channel: Channel) -> None:
        if self._open.get(channel.key) is channel:
            del self._open[channel.key]
            self.hub.remove(channel.watch)

    @property
    def open(self) -> int:
        return len(self._open)

    async def aclose(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
