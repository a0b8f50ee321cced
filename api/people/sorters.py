"""The orders credits are listed in: a title's by billing, a person's newest title first."""

from sqlalchemy import select

from api.planning.pages import Ordering, SortKey
from models import Title as TitleRow
from models.columns import table_of

TITLES = table_of(TitleRow)

BILLING_ORDER = Ordering(
    "CREDITS", (SortKey(lambda row: row.c.position), SortKey(lambda row: row.c.id))
)
NEWEST_TITLES_FIRST = Ordering(
    "FILMOGRAPHY",
    (
        SortKey(
            lambda credit: (
                select(TITLES.c.year).where(TITLES.c.id == credit.c.title_id).scalar_subquery()
            ),
            descending=True,
            nullable=True,
        ),
        SortKey(lambda row: row.c.id),
    ),
)
