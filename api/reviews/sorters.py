"""The order a title's reviews are listed in."""

from api.planning.pages import Ordering, SortKey, parse_date

NEWEST_FIRST = Ordering(
    "REVIEWS",
    (
        SortKey(lambda row: row.c.published_at, descending=True, nullable=True, parse=parse_date),
        SortKey(lambda row: row.c.id),
    ),
)
