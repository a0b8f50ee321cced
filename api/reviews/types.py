"""GraphQL type for critic reviews."""

from datetime import date
from typing import TYPE_CHECKING, Annotated, Self

import strawberry

from api.blurb import Blurb
from api.context import Info
from api.ids import encode_id
from api.node import Node
from api.response_cache import depends_on, title_tag
from models import Review as ReviewRow

if TYPE_CHECKING:
    from api.titles.types import Title

LazyTitle = Annotated["Title", strawberry.lazy("api.titles.types")]


@strawberry.type
class Review(Node):
    reviewer: str
    publication: str | None
    rating: float | None = strawberry.field(
        description="Stars 0..5 in steps of 0.5; null when unrated."
    )
    body: Blurb
    published_at: date | None
    title_id: strawberry.Private[int]

    @classmethod
    def from_row(cls, row: ReviewRow) -> Self:
        assert row.id is not None
        depends_on(title_tag(row.title_id))
        return cls(
            id=strawberry.ID(encode_id("Review", row.id)),
            reviewer=row.reviewer,
            publication=row.publication,
            rating=row.rating,
            body=Blurb(full=row.body),
            published_at=row.published_at,
            title_id=row.title_id,
        )

    @strawberry.field
    async def title(self, info: Info) -> LazyTitle:
        from api.titles.types import Title

        row = await info.context.loaders.titles.by_id.load(self.title_id)
        assert row is not None
        return Title.from_row(row)
