"""The orders seasons and episodes are listed in: by number, or the next to air first."""

from api.planning.pages import Ordering, SortKey

BY_NUMBER = (SortKey(lambda row: row.c.number), SortKey(lambda row: row.c.id))
EPISODES_BY_NUMBER = Ordering("EPISODES", BY_NUMBER)
NEXT_TO_AIR = (
    SortKey(lambda episode: episode.c.air_date),
    SortKey(lambda episode: episode.c.number),
    SortKey(lambda episode: episode.c.id),
)
