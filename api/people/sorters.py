"""The orders credits are listed in: a title's by billing, a person's newest title first."""

from api.planning.pages import Ordering, SortKey
from models import Title as TitleRow
from models.columns import table_of

# One alias for every use: each page of a person's credits reads it in its own scope.
CREDIT_TITLE = table_of(TitleRow).alias("credit_title")

BILLING_ORDER = Ordering(
    "CREDITS", (SortKey(lambda row: row.c.position), SortKey(lambda row: row.c.id))
)
NEWEST_TITLES_FIRST = Ordering(
    "FILMOGRAPHY",
    (
        SortKey(lambda _credit: CREDIT_TITLE.c.year, descending=True, nullable=True),
        SortKey(lambda row: row.c.id),
    ),
    join=lambda credit: credit.join(CREDIT_TITLE, CREDIT_TITLE.c.id == credit.c.title_id),
)
