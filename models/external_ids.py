"""Ids of titles, episodes and people in other databases (IMDb, TMDB, TVmaze, Wikidata).

A table per kind of owner: TVmaze and TMDB number shows, episodes and people
separately (TVmaze show 1 and person 1 are different things), so `(source,
value)` is unique among titles, among episodes and among people. An owner has
at most one id per source. Value shapes are checked in Python
(`check_external_id`) and by the database (a regular expression on PostgreSQL,
GLOB patterns on SQLite, which has no regular expressions).
"""

import enum
import re

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from models.columns import enum_column


class ExternalSource(enum.Enum):
    IMDB = "IMDB"
    TMDB = "TMDB"
    TVMAZE = "TVMAZE"
    WIKIDATA = "WIKIDATA"


class Owner(enum.Enum):
    TITLE = "title"
    EPISODE = "episode"
    PERSON = "person"


_NUMBER = (
    r"[1-9][0-9]{0,8}",
    "value GLOB '[1-9]*' AND value NOT GLOB '*[^0-9]*' AND length(value) <= 9",
)
_WIKIDATA = (r"Q[1-9][0-9]*", "value GLOB 'Q[1-9]*' AND substr(value, 2) NOT GLOB '*[^0-9]*'")


def _imdb(prefix: str) -> tuple[str, str]:
    return (
        prefix + r"[0-9]{7,}",
        f"value GLOB '{prefix}[0-9]*' AND length(value) >= 9"
        " AND substr(value, 3) NOT GLOB '*[^0-9]*'",
    )


# (regular expression, SQLite condition) of a valid value, by owner and source.
SHAPES: dict[Owner, dict[ExternalSource, tuple[str, str]]] = {
    owner: {
        ExternalSource.IMDB: _imdb("nm" if owner is Owner.PERSON else "tt"),
        ExternalSource.TMDB: _NUMBER,
        ExternalSource.TVMAZE: _NUMBER,
        ExternalSource.WIKIDATA: _WIKIDATA,
    }
    for owner in Owner
}


def check_external_id(owner: Owner, source: ExternalSource, value: str) -> str:
    """The value if it has the source's shape for this kind of owner, else ValueError."""
    if not re.fullmatch(SHAPES[owner][source][0], value):
        raise ValueError(f"malformed {source.value} id {value!r} for a {owner.value}")
    return value


def _value_shape_checks(owner: Owner) -> tuple[sa.CheckConstraint, sa.CheckConstraint]:
    shapes = SHAPES[owner]
    postgresql = " ".join(f"WHEN '{s.value}' THEN value ~ '^{r}$'" for s, (r, _) in shapes.items())
    sqlite = " ".join(f"WHEN '{s.value}' THEN ({g})" for s, (_, g) in shapes.items())
    return (
        sa.CheckConstraint(f"CASE source {postgresql} END", name="value_shape").ddl_if(
            dialect="postgresql"
        ),
        sa.CheckConstraint(f"CASE source {sqlite} END", name="value_shape").ddl_if(
            dialect="sqlite"
        ),
    )


def _source_column() -> sa.Column[ExternalSource]:
    return enum_column(ExternalSource, "external_source", primary_key=True, nullable=False)


class TitleExternalId(SQLModel, table=True):
    __tablename__ = "title_external_ids"
    __table_args__ = (sa.UniqueConstraint("title_id", "source"), *_value_shape_checks(Owner.TITLE))

    source: ExternalSource = Field(sa_column=_source_column())
    value: str = Field(max_length=32, primary_key=True)
    title_id: int = Field(
        sa_column=sa.Column(sa.ForeignKey("titles.id", ondelete="CASCADE"), nullable=False)
    )


class EpisodeExternalId(SQLModel, table=True):
    __tablename__ = "episode_external_ids"
    __table_args__ = (
        sa.UniqueConstraint("episode_id", "source"),
        *_value_shape_checks(Owner.EPISODE),
    )

    source: ExternalSource = Field(sa_column=_source_column())
    value: str = Field(max_length=32, primary_key=True)
    episode_id: int = Field(
        sa_column=sa.Column(sa.ForeignKey("episodes.id", ondelete="CASCADE"), nullable=False)
    )


class PersonExternalId(SQLModel, table=True):
    __tablename__ = "person_external_ids"
    __table_args__ = (
        sa.UniqueConstraint("person_id", "source"),
        *_value_shape_checks(Owner.PERSON),
    )

    source: ExternalSource = Field(sa_column=_source_column())
    value: str = Field(max_length=32, primary_key=True)
    person_id: int = Field(
        sa_column=sa.Column(sa.ForeignKey("people.id", ondelete="CASCADE"), nullable=False)
    )


EXTERNAL_ID_TABLES: dict[Owner, type[TitleExternalId | EpisodeExternalId | PersonExternalId]] = {
    Owner.TITLE: TitleExternalId,
    Owner.EPISODE: EpisodeExternalId,
    Owner.PERSON: PersonExternalId,
}
