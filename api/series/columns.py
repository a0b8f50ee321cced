"""What rows of other domains read of a series: the number of the season they are of."""

from typing import Any

from sqlalchemy import select

from api.planning.pages import Row
from models import Season

SEASONS = Season.__table__  # type: ignore[attr-defined]


def season_number(row: Row, _args: Any) -> Any:
    """The number of the season `row.c.season_id` names (an episode's, an offer's)."""
    season = SEASONS.alias()
    return select(season.c.number).where(season.c.id == row.c.season_id).scalar_subquery()
