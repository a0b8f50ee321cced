"""A title's stored critic rating is the mean of its rated reviews, whoever added them."""

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from models import Review, Title
from models.reviews import mean_rating
from tests.factories import make_review, make_title


async def test_every_title_stores_the_mean_of_its_rated_reviews(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    rated = await make_title(sessions)
    for rating in (4.5, None, 3.0):
        await make_review(sessions, rated, rating=rating)
    means = (
        select(Review.title_id, func.avg(Review.rating))
        .where(Review.rating.is_not(None))  # type: ignore[union-attr]
        .group_by(Review.title_id)
    )
    async with sessions() as session:
        expected = dict((await session.execute(means)).all())
        stored = dict((await session.execute(select(Title.id, Title.critic_rating))).all())
    assert stored[rated.id] == 3.75
    assert stored == {title_id: expected.get(title_id) for title_id in stored}


def test_the_mean_counts_rated_reviews_only() -> None:
    assert mean_rating([4.0, None, 5.0]) == 4.5
    assert mean_rating([None, None]) is None
    assert mean_rating([]) is None
