"""The orders a title list can be sorted in, as keyset orderings, and genres by name."""

import enum

import strawberry

from api.planning.pages import Ordering, SortKey, parse_date, parse_float, parse_str

BY_NAME = (SortKey(lambda row: row.c.name), SortKey(lambda row: row.c.id))


@strawberry.enum
class TitleOrder(enum.Enum):
    RELEASED_DESC = "RELEASED_DESC"
    RELEASED_ASC = "RELEASED_ASC"
    NAME_ASC = "NAME_ASC"
    CRITIC_RATING_DESC = "CRITIC_RATING_DESC"


def _released(descending: bool) -> tuple[SortKey, ...]:
    return (
        SortKey(lambda row: row.c.year, descending=descending, nullable=True),
        SortKey(
            lambda row: row.c.release_date, descending=descending, nullable=True, parse=parse_date
        ),
        SortKey(lambda row: row.c.id),
    )


ORDERINGS = {
    order: Ordering(order.value, keys)
    for order, keys in (
        (TitleOrder.RELEASED_DESC, _released(descending=True)),
        (TitleOrder.RELEASED_ASC, _released(descending=False)),
        (
            TitleOrder.NAME_ASC,
            (SortKey(lambda row: row.c.name, parse=parse_str), SortKey(lambda row: row.c.id)),
        ),
        (
            TitleOrder.CRITIC_RATING_DESC,
            (
                SortKey(
                    lambda row: row.c.critic_rating,
                    descending=True,
                    nullable=True,
                    parse=parse_float,
                ),
                SortKey(lambda row: row.c.id),
            ),
        ),
    )
}
