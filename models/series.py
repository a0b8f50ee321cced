"""The structure of a series: seasons, their episodes, and episodes' guest credits."""

from datetime import date

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from models.columns import enum_column
from models.people import CreditRole


class Season(SQLModel, table=True):
    """Season `number` of a series; 0 holds the specials."""

    __tablename__ = "seasons"
    __table_args__ = (
        sa.UniqueConstraint("title_id", "number"),
        sa.CheckConstraint("number >= 0", name="number_non_negative"),
    )

    id: int | None = Field(default=None, primary_key=True)
    title_id: int = Field(
        sa_column=sa.Column(sa.ForeignKey("titles.id", ondelete="CASCADE"), nullable=False)
    )
    number: int
    name: str | None = Field(default=None, max_length=300)
    synopsis: str | None = Field(default=None, sa_type=sa.Text)
    premiere_date: date | None = None


class Episode(SQLModel, table=True):
    """An episode; `title_id` repeats its season's title, so a title's next episode
    is read from one index."""

    __tablename__ = "episodes"
    __table_args__ = (
        sa.UniqueConstraint("season_id", "number"),
        sa.CheckConstraint("number >= 0", name="number_non_negative"),
        sa.CheckConstraint("length(name) BETWEEN 1 AND 300", name="name_length"),
        sa.CheckConstraint("runtime_minutes > 0", name="runtime_positive"),
        sa.Index("ix_episodes_title_air_date", "title_id", "air_date"),
    )

    id: int | None = Field(default=None, primary_key=True)
    title_id: int = Field(
        sa_column=sa.Column(sa.ForeignKey("titles.id", ondelete="CASCADE"), nullable=False)
    )
    season_id: int = Field(
        sa_column=sa.Column(sa.ForeignKey("seasons.id", ondelete="CASCADE"), nullable=False)
    )
    number: int
    name: str = Field(max_length=300)
    synopsis: str | None = Field(default=None, sa_type=sa.Text)
    air_date: date | None = None
    runtime_minutes: int | None = None


class EpisodeCredit(SQLModel, table=True):
    """A guest credit on one episode, apart from the title's own `credits`, so a
    title's credits (and their keyset pages) stay the series' regular cast and crew."""

    __tablename__ = "episode_credits"
    __table_args__ = (
        sa.UniqueConstraint("episode_id", "position"),
        sa.CheckConstraint("position >= 0", name="position_non_negative"),
    )

    id: int | None = Field(default=None, primary_key=True)
    episode_id: int = Field(
        sa_column=sa.Column(sa.ForeignKey("episodes.id", ondelete="CASCADE"), nullable=False)
    )
    person_id: int = Field(
        sa_column=sa.Column(
            sa.ForeignKey("people.id", ondelete="RESTRICT"), nullable=False, index=True
        )
    )
    role: CreditRole = Field(
        sa_column=enum_column(CreditRole, "episode_credit_role", nullable=False)
    )
    character: str | None = Field(default=None, max_length=200)
    position: int
