"""GraphQL type for critic reviews."""

from datetime import date
from typing import TYPE_CHECKING, Annotated, Self

import strawberry

from api.core.blurb import Blurb
from api.core.node import Node
from api.core.response_cache import TITLE
from api.planning.declare import column, entity, loaded, node_id, planned
from api.planning.fields import One, Value
from models import Review as ReviewRow
from models.columns import table_of

if TYPE_CHECKING:
    from api.titles.types import Title

LazyTitle = Annotated["Title", strawberry.lazy("api.titles.types")]

REVIEWS = table_of(ReviewRow)


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
