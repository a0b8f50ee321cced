"""Titles (movies and series), their genres and languages."""

import enum
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel, col

from models.columns import UTCDateTime, enum_column, utc_now


class TitleKind(enum.Enum):
    MOVIE = "MOVIE"
    SERIES = "SERIES"


class SeriesStatus(enum.Enum):
    RETURNING = "RETURNING"
    ENDED = "ENDED"
    CANCELED = "CANCELED"
    IN_PRODUCTION = "IN_PRODUCTION"


class LanguageUse(enum.Enum):
    AUDIO = "AUDIO"
    SUBTITLE = "SUBTITLE"


class Title(SQLModel, table=True):
    __tablename__ = "titles"
    __table_args__ = (
        sa.CheckConstraint("year BETWEEN 1870 AND 2100", name="year_range"),
        sa.CheckConstraint("runtime_minutes > 0", name="runtime_positive"),
        sa.CheckConstraint("length(name) BETWEEN 1 AND 300", name="name_length"),
        sa.CheckConstraint("length(slug) BETWEEN 1 AND 120", name="slug_length"),
        sa.CheckConstraint("version >= 1", name="version_positive"),
        sa.CheckConstraint("status IS NULL OR kind = 'SERIES'", name="status_of_series"),
        sa.CheckConstraint("end_year BETWEEN 1870 AND 2100", name="end_year_range"),
        # Not the list order (see the expression indexes below), but it serves the
        # keyset `after` predicates deep in a RELEASED list (a bitmap OR of ranges
        # on year) and year filters under the other orders.
        sa.Index("ix_titles_released", "year", "release_date", "id"),
        sa.Index("ix_titles_name", "name", "id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    slug: str = Field(max_length=120, unique=True)
    name: str = Field(max_length=300)
    kind: TitleKind = Field(sa_column=enum_column(TitleKind, "title_kind", nullable=False))
    year: int | None = None
    release_date: date | None = None
    content_rating: str | None = Field(default=None, max_length=16)
    runtime_minutes: int | None = None
    original_language: str | None = Field(default=None, max_length=35)
    synopsis: str | None = Field(default=None, sa_type=sa.Text)
    # Mean of the rated reviews (None: none rated), kept by whatever adds reviews
    # (addReview, the seeders): CRITIC_RATING_DESC lists read it from an index.
    critic_rating: float | None = None
    original_name: str | None = Field(default=None, max_length=300)
    status: SeriesStatus | None = Field(
        default=None, sa_column=enum_column(SeriesStatus, "series_status", nullable=True)
    )
    end_year: int | None = None
    # Where a series first aired.
    network_id: int | None = Field(
        default=None,
        sa_column=sa.Column(
            sa.ForeignKey("channels.id", ondelete="SET NULL"), nullable=True, index=True
        ),
    )
    # Optimistic concurrency for editors: a write names the version it read.
    version: int = Field(default=1)
    created_at: datetime = Field(
        default_factory=utc_now, sa_column_kwargs={"nullable": False}, sa_type=UTCDateTime
    )
    updated_at: datetime = Field(
        default_factory=utc_now, sa_column_kwargs={"nullable": False}, sa_type=UTCDateTime
    )


def _released_index(name: str, *, descending: bool) -> sa.Index:
    """An index whose order is exactly the RELEASED_* list order (api/titles/sorters.py):
    `year IS NULL, year, release_date IS NULL, release_date, id`, NULLs last either way.

    So a page of the list reads the head of this index instead of sorting every
    title. An index on the bare columns can't: the planners don't see that `year IS
    NULL, year DESC` is `year DESC NULLS LAST`. One index per direction, since the
    `IS NULL` keys and `id` ascend in both (reading one backwards gives neither).
    """
    year, release_date = col(Title.year), col(Title.release_date)
    keys: list[Any] = []
    for column in (year, release_date):
        keys += [column.is_(None), column.desc() if descending else column]
    return sa.Index(name, *keys, col(Title.id))


# Expression indexes: SQLite can't reflect them, so on SQLite Alembic leaves them
# out of autogenerate and tests/migrations checks them against their DDL instead.
RELEASED_DESC_INDEX = _released_index("ix_titles_released_desc", descending=True)
RELEASED_ASC_INDEX = _released_index("ix_titles_released_asc", descending=False)
# The CRITIC_RATING_DESC order: best first, unrated last.
CRITIC_RATING_INDEX = sa.Index(
    "ix_titles_critic_rating",
    col(Title.critic_rating).is_(None),
    col(Title.critic_rating).desc(),
    col(Title.id),
)


class Genre(SQLModel, table=True):
    __tablename__ = "genres"

    id: int | None = Field(default=None, primary_key=True)
    slug: str = Field(max_length=60, unique=True)
    name: str = Field(max_length=100)


class TitleGenre(SQLModel, table=True):
    __tablename__ = "title_genres"

    title_id: int = Field(
        sa_column=sa.Column(
            sa.ForeignKey("titles.id", ondelete="CASCADE"), primary_key=True, nullable=False
        )
    )
    genre_id: int = Field(
        sa_column=sa.Column(
            sa.ForeignKey("genres.id", ondelete="RESTRICT"),
            primary_key=True,
            nullable=False,
            index=True,
        )
    )


class TitleLanguage(SQLModel, table=True):
    """A spoken (audio) or subtitle language of a title, in display order."""

    __tablename__ = "title_languages"
    __table_args__ = (
        sa.CheckConstraint("length(language) BETWEEN 2 AND 35", name="language_length"),
        sa.CheckConstraint("position >= 0", name="position_non_negative"),
    )

    title_id: int = Field(
        sa_column=sa.Column(
            sa.ForeignKey("titles.id", ondelete="CASCADE"), primary_key=True, nullable=False
        )
    )
    use: LanguageUse = Field(
        sa_column=enum_column(LanguageUse, "language_use", primary_key=True, nullable=False)
    )
    language: str = Field(max_length=35, primary_key=True)
    position: int
