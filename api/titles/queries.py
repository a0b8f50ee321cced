"""Root fields for titles: one by slug, filtered lists, full-text search, genres."""

import strawberry
from sqlalchemy import select, true

from api.core.connection import Connection
from api.core.external_ids import checked_id
from api.people.types import AFTER, PAGE
from api.planning.declare import NO_DEFAULT, planned
from api.planning.fields import Keyset, Many, One, Paged
from api.titles import filters, search
from api.titles.filters import TitleFilter
from api.titles.sorters import BY_NAME, ORDERINGS, TitleOrder
from api.titles.types import TITLE_EXTERNAL_IDS, Genre, Title
from models import ExternalSource, Owner


def _ordering(order: TitleOrder | None) -> TitleOrder:
    return order or TitleOrder.RELEASED_DESC


@strawberry.type
class TitleQuery:
    title: Title | None = planned(
        One(lambda _: Title, lambda _, title, args: title.c.slug == args.param("slug")),
        {"slug": (str, NO_DEFAULT)},
        description="The title with this slug; null when there is none.",
    )
    title_by_external_id: Title | None = planned(
        One(
            lambda _: Title,
            lambda _, title, args: title.c.id.in_(
                select(TITLE_EXTERNAL_IDS.c.title_id).where(
                    TITLE_EXTERNAL_IDS.c.source == args.param("source"),
                    TITLE_EXTERNAL_IDS.c.value
                    == args.param(("source", "id"), checked_id(Owner.TITLE)),
                )
            ),
        ),
        {"source": (ExternalSource, NO_DEFAULT), "id": (str, NO_DEFAULT)},
        description='The title with this id in another database (e.g. IMDB "tt0111161");'
        " null when there is none.",
    )
    titles: Connection[Title] = planned(
        Paged(
            lambda _: Title,
            filters.matching,
            Keyset(lambda args: ORDERINGS[args.shape("order_by", _ordering)]),
            default_first=20,
        ),
        {
            "first": PAGE,
            "after": AFTER,
            "filter": (TitleFilter | None, NO_DEFAULT),
            "order_by": (TitleOrder | None, TitleOrder.RELEASED_DESC),
        },
    )
    search: Connection[Title] = planned(
        Paged(
            lambda _: Title,
            search.best_matching,
            search.Ranked(),
            default_first=20,
            counted=search.matching,
        ),
        {"text": (str, NO_DEFAULT), "first": PAGE, "after": AFTER},
        description="Titles whose name or synopsis match `text`, best first.",
    )
    genres: list[Genre] = planned(
        Many(lambda _: Genre, lambda *_: true(), BY_NAME), description="Every genre, by name."
    )
