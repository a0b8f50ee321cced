"""addReview: a critic's review, signed with the critic's key."""

from datetime import date, timedelta

import strawberry

from api.core import validation
from api.core.context import Info
from api.core.response_cache import LISTS, title_tag
from api.core.writes import check_write, title_write
from api.reviews.types import Review
from models import ApiKeyRole
from models import Review as ReviewRow
from models.columns import utc_now
from models.reviews import refresh_critic_rating

FIRST_PUBLISHED = date(1870, 1, 1)


@strawberry.input
class ReviewInput:
    body: str
    rating: float | None = strawberry.field(
        default=None, description="Stars 0..5 in steps of 0.5; null for an unrated review."
    )
    publication: str | None = None
    published_at: date | None = None


def _published_at(value: date | None) -> date | None:
    # A day ahead of UTC: it is already tomorrow east of it.
    latest = utc_now().date() + timedelta(days=1)
    return None if value is None else validation.day("publishedAt", value, FIRST_PUBLISHED, latest)


@strawberry.type
class ReviewMutation:
    @strawberry.mutation(description="Needs a critic key; the key's name is the byline.")
    async def add_review(self, info: Info, title_id: strawberry.ID, input: ReviewInput) -> Review:
        critic = await check_write(info, ApiKeyRole.CRITIC)
        body = validation.text("body", input.body, 20_000, multiline=True)
        rating = None if input.rating is None else validation.rating("rating", input.rating)
        publication = (
            None
            if input.publication is None
            else validation.text("publication", input.publication, 200)
        )
        published_at = _published_at(input.published_at)
        async with title_write(info.context.sessions, title_id) as (session, pk):
            # The title's lock also orders concurrent reviews of it, so each mean
            # below sees every review committed before it.
            row = ReviewRow(
                title_id=pk,
                reviewer=critic.name,
                author_key_id=critic.id,
                body=body,
                rating=rating,
                publication=publication,
                published_at=published_at,
            )
            session.add(row)
            await session.flush()
            await session.execute(refresh_critic_rating(row.title_id))
        # criticRating orders lists, so they go too
        await info.context.invalidate(title_tag(row.title_id), LISTS)
        return Review.from_row(row)
