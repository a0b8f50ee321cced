"""The Relay `node(id:)` root field: any object by its global id."""

from typing import Any

import strawberry

from api.core.ids import decode_id
from api.core.node import Node
from api.offers.types import Provider
from api.people.types import Person
from api.planning.declare import NO_DEFAULT, planned
from api.planning.fields import Args, One
from api.planning.pages import Row
from api.reviews.types import Review
from api.series.types import Episode, Season
from api.titles.types import Title
from api.tv.types import Airing, Channel

NODE_TYPES: dict[str, type] = {
    "Title": Title,
    "Person": Person,
    "Review": Review,
    "Provider": Provider,
    "Season": Season,
    "Episode": Episode,
    "Channel": Channel,
    "Airing": Airing,
}


def _node_type(args: Args) -> type | None:
    return NODE_TYPES.get(args.shape("id", lambda id_: decode_id(id_)[0]))


def _with_id(_parent: Row | None, row: Row, args: Args) -> Any:
    return row.c.id == args.param("id", lambda id_: decode_id(id_)[1])


@strawberry.type
class NodeQuery:
    node: Node | None = planned(
        One(_node_type, _with_id),
        {"id": (strawberry.ID, NO_DEFAULT)},
        description="Any object by its global ID; null when it does not exist.",
    )
