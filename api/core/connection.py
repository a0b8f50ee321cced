"""Relay connection types shared by every paginated list."""

from collections.abc import Awaitable, Callable
from typing import Any, Generic, NamedTuple, TypeVar

import strawberry

from api.planning.pages import encode_cursor

NodeT = TypeVar("NodeT")
CountFn = Callable[[], Awaitable[int]]


class Cursor(NamedTuple):
    """A row's place in its list, encoded only if a client asks for the cursor."""

    list_name: str
    values: tuple[Any, ...]

    def encode(self) -> str:
        return encode_cursor(self.list_name, self.values)


@strawberry.type
class PageInfo:
    has_next_page: bool
    has_previous_page: bool
    start_cursor: str | None
    end_cursor: str | None


def _encode_cursor(root: "Edge[Any]") -> str:
    return root.position.encode()


@strawberry.type
class Edge(Generic[NodeT]):
    # Resolved only when selected: most pages never show their per-edge cursors.
    cursor: str = strawberry.field(resolver=_encode_cursor)
    node: NodeT
    position: strawberry.Private[Cursor]


@strawberry.type
class Connection(Generic[NodeT]):
    edges: list[Edge[NodeT]]
    page_info: PageInfo
    # Counting is a separate statement, run only when a client asks for it.
    count: strawberry.Private[CountFn]

    @strawberry.field(description="Number of items in the whole list, across all pages.")
    async def total_count(self) -> int:
        return await self.count()

    @classmethod
    def of(
        cls, rows: list[tuple[Any, Cursor]], has_next: bool, has_previous: bool, count: CountFn
    ) -> "Connection[Any]":
        return cls(
            edges=[Edge(node=node, position=position) for node, position in rows],
            page_info=PageInfo(
                has_next_page=has_next,
                has_previous_page=has_previous,
                start_cursor=rows[0][1].encode() if rows else None,
                end_cursor=rows[-1][1].encode() if rows else None,
            ),
            count=count,
        )
