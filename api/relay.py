"""The Relay `node(id:)` root field: any object by its global id."""

from collections.abc import Awaitable, Callable
from typing import Any

import strawberry

from api.context import Info, Loaders
from api.ids import decode_id
from api.node import Node
from api.offers.types import Provider
from api.people.types import Person
from api.response_cache import LISTS, depends_on
from api.reviews.types import Review
from api.titles.types import Title

NodeFetcher = Callable[[Loaders, int], Awaitable[Node | None]]


def _fetcher(loader: Callable[[Loaders], Any], to_node: Callable[[Any], Node]) -> NodeFetcher:
    async def fetch(loaders: Loaders, pk: int) -> Node | None:
        row = await loader(loaders).load(pk)
        return None if row is None else to_node(row)

    return fetch


FETCHERS: dict[str, NodeFetcher] = {
    "Title": _fetcher(lambda loaders: loaders.titles.by_id, Title.from_row),
    "Person": _fetcher(lambda loaders: loaders.people.by_id, Person.from_row),
    "Review": _fetcher(lambda loaders: loaders.reviews.by_id, Review.from_row),
    "Provider": _fetcher(lambda loaders: loaders.offers.provider_by_id, Provider.from_row),
}


@strawberry.type
class NodeQuery:
    @strawberry.field(description="Any object by its global ID; null when it does not exist.")
    async def node(self, info: Info, id: strawberry.ID) -> Node | None:
        type_name, pk = decode_id(id)
        fetch = FETCHERS.get(type_name)
        node = None if fetch is None else await fetch(info.context.loaders, pk)
        if node is None:
            depends_on(LISTS)
        return node
