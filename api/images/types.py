"""The GraphQL Image type, and the image fields of titles, people and the rest."""

from typing import Any

import strawberry
from sqlalchemy import ColumnElement, func, select

from api.core.errors import BadUserInput
from api.images.sorters import BY_KIND, IMAGE_ORDER
from api.planning.declare import NO_DEFAULT, column, entity, planned
from api.planning.fields import Args, Many, One, Value
from api.planning.pages import Row, validate_first
from api.settings import get_settings
from models import Image as ImageRow
from models import ImageKind, ImageRendition
from models.columns import table_of

strawberry.enum(ImageKind)

IMAGES = table_of(ImageRow)
RENDITIONS = table_of(ImageRendition)
MAX_WIDTH = 10_000


def _first(first: int | None) -> int:
    return validate_first(10 if first is None else first)


def _width(width: int) -> int:
    if not 1 <= width <= MAX_WIDTH:
        raise BadUserInput(
            f"`width` must be between 1 and {MAX_WIDTH}, got {width}.", argument="width"
        )
    return width


def _path(image: Row, args: Args) -> ColumnElement[Any]:
    """The original's path, or with `width` the smallest rendition at least that wide,
    else the largest."""
    if args.shape("width", lambda width: width is None):
        return image.c.path  # type: ignore[no-any-return]
    width = args.param("width", _width)
    wide_enough, largest = RENDITIONS.alias(), RENDITIONS.alias()
    smallest_wide_enough = (
        select(wide_enough.c.path)
        .where(wide_enough.c.image_id == image.c.id, wide_enough.c.width >= width)
        .order_by(wide_enough.c.width)
        .limit(1)
        .scalar_subquery()
    )
    widest = (
        select(largest.c.path)
        .where(largest.c.image_id == image.c.id)
        .order_by(largest.c.width.desc())
        .limit(1)
        .scalar_subquery()
    )
    return func.coalesce(smallest_wide_enough, widest, image.c.path)


def _url(path: str) -> str:
    return f"{get_settings().image_base_url}/{path}"


@strawberry.type(description="An image; `url` gives it (or a rendition of it) at a width.")
@entity(IMAGES)
class Image:
    kind: ImageKind = column("kind")
    width: int = column("width")
    height: int = column("height")
    language: str | None = column("language", description="BCP 47; null: no text in it")
    url: str = planned(
        Value(_path, _url),
        {"width": (int | None, NO_DEFAULT)},
        description="The smallest stored rendition at least `width` (1..10000) wide, else"
        " the largest; without `width`, the original.",
    )


def image_of(owner: str, kind: ImageKind) -> Any:
    """The owner's first image of `kind` (`owner`: its column in `images`)."""
    return planned(
        One(
            lambda _: Image,
            lambda parent, image, _: (image.c[owner] == parent.c.id) & (image.c.kind == kind),
            IMAGE_ORDER,
        )
    )


def _kinds(owner: str) -> Any:
    def where(parent: Row, image: Row, args: Args) -> ColumnElement[bool]:
        condition = image.c[owner] == parent.c.id
        if args.shape("kinds", lambda kinds: kinds is not None):
            condition &= args.among(image.c.kind, "kinds", list)
        return condition  # type: ignore[no-any-return]

    return where


def images_of(owner: str) -> Any:
    """The owner's images, optionally of some kinds, by kind, position and id."""
    return planned(
        Many(
            lambda _: Image,
            _kinds(owner),
            BY_KIND,
            limit=lambda args: args.param("first", _first),
        ),
        {"kinds": (list[ImageKind] | None, NO_DEFAULT), "first": (int | None, 10)},
        description="Images (optionally only of some kinds) by kind and position; the"
        " first `first` (0..100).",
    )
