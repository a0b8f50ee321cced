"""Critic reviews of titles."""

from datetime import date

import sqlalchemy as sa
from sqlmodel import Field, SQLModel


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
