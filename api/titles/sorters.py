"""The orders a title list can be sorted in, as keyset orderings."""

import enum

import strawberry

from api.pagination import Ordering, SortKey, parse_date, parse_float, parse_str
from models import Title


@strawberry.enum
class TitleOrder(enum.Enum):
    RELEASED_DESC = "RELEASED_DESC"
    RELEASED_ASC = "RELEASED_ASC"
    NAME_ASC = "NAME_ASC"
    CRITIC_RATING_DESC = "CRITIC_RATING_DESC"


def _released(descending: bool) -> tuple[SortKey, ...]:
    return (
        SortKey(Title.year, descending=descending, nullable=True),
        SortKey(Title.release_date, descending=descending, nullable=True, parse=parse_date),
        SortKey(Title.id),
    )


ORDERINGS = {
    order: Ordering(order.value, keys)
    for order, keys in (
        (TitleOrder.RELEASED_DESC, _released(descending=True)),
        (TitleOrder.RELEASED_ASC, _released(descending=False)),
        (TitleOrder.NAME_ASC, (SortKey(Title.name, parse=parse_str), SortKey(Title.id))),
        (
            TitleOrder.CRITIC_RATING_DESC,
            (
                SortKey(Title.critic_rating, descending=True, nullable=True, parse=parse_float),
                SortKey(Title.id),
            ),
        ),
    )
}
