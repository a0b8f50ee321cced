"""The orders an owner's images are listed in."""

from sqlalchemy import case

from api.planning.pages import SortKey
from models import ImageKind

# An owner's images of a kind: by position, then id.
IMAGE_ORDER = (SortKey(lambda image: image.c.position), SortKey(lambda image: image.c.id))

_KIND_RANK = {kind.value: rank for rank, kind in enumerate(ImageKind)}
BY_KIND = (SortKey(lambda image: case(_KIND_RANK, value=image.c.kind)), *IMAGE_ORDER)
