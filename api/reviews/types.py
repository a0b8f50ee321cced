"""GraphQL type for critic reviews, and the order a title's reviews are listed in."""

from datetime import date
from typing import TYPE_CHECKING, Annotated, Self

import strawberry

from api.blurb import Blurb
from api.node import Node
from api.planning.declare import column, entity, loaded, node_id, planned
from api.planning.fields import One, Value
from api.planning.pages import Ordering, SortKey, parse_date
from api.response_cache import TITLE
from models import Review as ReviewRow

if TYPE_CHECKING:
    from api.titles.types import Title

LazyTitle = Annotated["Title", strawberry.lazy("api.titles.types")]

REVIEWS = ReviewRow.__table__  # type: ignore[attr-defined]

NEWEST_FIRST = Ordering(
    "REVIEWS",
    (
        SortKey(lambda row: row.c.published_at, descending=True, nullable=True, parse=parse_date),
        SortKey(lambda row: row.c.id),
    ),
)


def _title() -> type:
    from api.titles.types import Title

    return Title


@strawberry.type
@entity(REVIEWS, tags=lambda row: [(TITLE, row.c.title_id)])
class Review(Node):
    id: strawberry.ID = node_id("Review")
    reviewer: str = column("reviewer")
    publication: str | None = column("publication")
    rating: float | None = column(
        "rating", description="Stars 0..5 in steps of 0.5; null when unrated."
    )
    body: Blurb = planned(Value(lambda row, _: row.c.body, lambda text: Blurb(full=text)))
    published_at: date | None = column("published_at")
    title: LazyTitle = planned(
        One(lambda _: _title(), lambda review, title, _: title.c.id == review.c.title_id)
    )

    @classmethod
    def from_row(cls, row: ReviewRow) -> Self:
        return loaded(cls, row)
