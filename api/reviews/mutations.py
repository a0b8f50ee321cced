"""addReview: a critic's review, signed with the critic's key."""

from datetime import date

import strawberry

from api import validation
from api.auth import require_role
from api.context import Info
from api.response_cache import LISTS, title_tag
from api.reviews.types import Review
from api.writes import lock_title, title_pk
from models import ApiKeyRole
from models import Review as ReviewRow
from models.reviews import refresh_critic_rating


@strawberry.input
class ReviewInput:
    body: str
    rating: float | None = strawberry.field(
        default=None, description="Stars 0..5 in steps of 0.5; null for an unrated review."
    )
    publication: str | None = None
    published_at: date | None = None


@strawberry.type
class ReviewMutation:
    @strawberry.mutation(description="Needs a critic key; the key's name is the byline.")
    async def add_review(self, info: Info, title_id: strawberry.ID, input: ReviewInput) -> Review:
        critic = await require_role(info, ApiKeyRole.CRITIC)
        row = ReviewRow(
            title_id=title_pk(title_id),
            reviewer=critic.name,
            author_key_id=critic.id,
            body=validation.text("body", input.body, 20_000),
            rating=None if input.rating is None else validation.rating("rating", input.rating),
            publication=(
                None
                if input.publication is None
                else validation.text("publication", input.publication, 200)
            ),
            published_at=input.published_at,
        )
        async with info.context.sessions() as session, session.begin():
            # The title's lock also orders concurrent reviews of it, so each mean
            # below sees every review committed before it.
            await lock_title(session, title_id)
            session.add(row)
            await session.flush()
            await session.execute(refresh_critic_rating(row.title_id))
        # criticRating orders lists, so they go too
        await info.context.invalidate(title_tag(row.title_id), LISTS)
        return Review.from_row(row)
