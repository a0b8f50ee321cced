"""Relay connection types shared by every paginated list."""

from collections.abc import Callable, Hashable
from typing import Any, Generic, TypeVar

import strawberry
from strawberry.dataloader import DataLoader

from api.pagination import (
    CountFn,
    CountKey,
    Cursor,
    Ordering,
    Page,
    PageKey,
    validate_first,
)

NodeT = TypeVar("NodeT")


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
    def from_page(
        cls, page: Page[Any], to_node: Callable[[Any], NodeT], count: CountFn
    ) -> "Connection[NodeT]":
        edges = [Edge(node=to_node(row), position=cursor) for row, cursor in page.rows]
        return cls(
            edges=edges,
            page_info=PageInfo(
                has_next_page=page.has_next_page,
                has_previous_page=page.has_previous_page,
                start_cursor=page.rows[0][1].encode() if page.rows else None,
                end_cursor=page.rows[-1][1].encode() if page.rows else None,
            ),
            count=count,
        )


async def load_connection(
    pages: DataLoader[PageKey, Page[Any]],
    counts: DataLoader[CountKey, int],
    ordering: Ordering,
    parent_id: int,
    first: int | None,
    after: str | None,
    to_node: Callable[[Any], NodeT],
    default_first: int,
    scope: Hashable = None,
) -> Connection[NodeT]:
    """Resolve a nested connection (a parent's reviews, credits...) through loaders."""
    size = validate_first(default_first if first is None else first)
    cursor = ordering.decode_cursor(after) if after is not None else None
    page = await pages.load(PageKey(parent_id, size, cursor, scope))
    return Connection.from_page(page, to_node, lambda: counts.load(CountKey(parent_id, scope)))
