"""Images (posters, backdrops, stills, logos, photos) and their stored renditions.

Paths are relative to the image host (`IMAGE_BASE_URL`); the API composes URLs
when it reads them, so the host can move without touching a row.
"""

import enum

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from models.columns import enum_column


class ImageKind(enum.Enum):
    POSTER = "POSTER"
    BACKDROP = "BACKDROP"
    STILL = "STILL"
    LOGO = "LOGO"
    PHOTO = "PHOTO"


# The tables an image may belong to, by its owner column.
IMAGE_OWNERS = {
    "title_id": "titles",
    "season_id": "seasons",
    "episode_id": "episodes",
    "person_id": "people",
    "provider_id": "providers",
    "channel_id": "channels",
}
_ONE_OWNER = " + ".join(
    f"(CASE WHEN {column} IS NULL THEN 0 ELSE 1 END)" for column in IMAGE_OWNERS
)
_RELATIVE_PATH = "length(path) BETWEEN 1 AND 500 AND path NOT LIKE '/%' AND path NOT LIKE '%://%'"


def _owner_column(table: str) -> sa.Column[int]:
    return sa.Column(sa.ForeignKey(f"{table}.id", ondelete="CASCADE"), nullable=True, index=True)


class Image(SQLModel, table=True):
    """An image of exactly one owner; `position` orders an owner's images of a kind."""

    __tablename__ = "images"
    __table_args__ = (
        sa.UniqueConstraint("path"),
        sa.CheckConstraint(f"{_ONE_OWNER} = 1", name="one_owner"),
        sa.CheckConstraint("width > 0 AND height > 0", name="size_positive"),
        sa.CheckConstraint(_RELATIVE_PATH, name="path_relative"),
        sa.CheckConstraint("position >= 0", name="position_non_negative"),
    )

    id: int | None = Field(default=None, primary_key=True)
    kind: ImageKind = Field(sa_column=enum_column(ImageKind, "image_kind", nullable=False))
    title_id: int | None = Field(default=None, sa_column=_owner_column("titles"))
    season_id: int | None = Field(default=None, sa_column=_owner_column("seasons"))
    episode_id: int | None = Field(default=None, sa_column=_owner_column("episodes"))
    person_id: int | None = Field(default=None, sa_column=_owner_column("people"))
    provider_id: int | None = Field(default=None, sa_column=_owner_column("providers"))
    channel_id: int | None = Field(default=None, sa_column=_owner_column("channels"))
    width: int
    height: int
    language: str | None = Field(default=None, max_length=35)
    path: str = Field(max_length=500)
    position: int = Field(default=0)


class ImageRendition(SQLModel, table=True):
    """A stored resized copy of an image, one per width."""

    __tablename__ = "image_renditions"
    __table_args__ = (
        sa.CheckConstraint("width > 0 AND height > 0", name="size_positive"),
        sa.CheckConstraint(_RELATIVE_PATH, name="path_relative"),
    )

    image_id: int = Field(
        sa_column=sa.Column(
            sa.ForeignKey("images.id", ondelete="CASCADE"), primary_key=True, nullable=False
        )
    )
    width: int = Field(primary_key=True)
    height: int
    path: str = Field(max_length=500)
