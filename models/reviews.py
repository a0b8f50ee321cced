"""Critic reviews of titles."""

from collections.abc import Iterable
from datetime import date

import sqlalchemy as sa
from sqlalchemy import Update, func, select, update
from sqlmodel import Field, SQLModel, col

from models.titles import Title


class Review(SQLModel, table=True):
    __tablename__ = "reviews"
    __table_args__ = (
        # Stars 0..5 in half steps; CAST truncates on SQLite and rounds on
        # PostgreSQL, and either way only multiples of 0.5 survive the equality.
        sa.CheckConstraint(
            "rating IS NULL OR (rating BETWEEN 0 AND 5"
            " AND rating * 2 = CAST(rating * 2 AS INTEGER))",
            name="rating_half_stars",
        ),
        sa.CheckConstraint("length(reviewer) BETWEEN 1 AND 200", name="reviewer_length"),
        sa.CheckConstraint("length(body) >= 1", name="body_not_empty"),
        sa.Index("ix_reviews_title_published", "title_id", "published_at", "id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    title_id: int = Field(
        sa_column=sa.Column(sa.ForeignKey("titles.id", ondelete="CASCADE"), nullable=False)
    )
    reviewer: str = Field(max_length=200)
    publication: str | None = Field(default=None, max_length=200)
    rating: float | None = None
    body: str = Field(sa_type=sa.Text)
    published_at: date | None = None
    # The critic's key that wrote it; NULL for curated or imported reviews.
    author_key_id: int | None = Field(
        default=None,
        sa_column=sa.Column(
            sa.ForeignKey("api_keys.id", ondelete="SET NULL"), nullable=True, index=True
        ),
    )


def mean_rating(ratings: Iterable[float | None]) -> float | None:
    """A title's critic rating: the mean of its rated reviews (half steps, so the
    sum is exact and the result equals SQL's AVG)."""
    rated = [rating for rating in ratings if rating is not None]
    return sum(rated) / len(rated) if rated else None


def refresh_critic_rating(title_id: int) -> Update:
    """The statement that sets a title's stored critic rating from its reviews; run
    it in the transaction that adds them."""
    mean = (
        select(func.avg(Review.rating))
        .where(col(Review.title_id) == title_id, col(Review.rating).is_not(None))
        .scalar_subquery()
    )
    return update(Title).where(col(Title.id) == title_id).values(critic_rating=mean)
