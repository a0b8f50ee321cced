"""The process's hub of live changes: changes in, matching watches out.

A change source (api/live/postgres.py, api/live/sqlite.py) publishes each row
inserted into `availability_changes` once; the hub hands it to every watch whose
titles and regions it matches, through the watch's own bounded queue. A watch is
a channel's (api/live/channels.py): one per distinct subscription operation, however
many subscriptions share it.
"""

import asyncio
from collections.abc import Iterable
from dataclasses import dataclass, field

from api.core.errors import ApiError, ErrorCode

MAX_PENDING = 1_000
"""Changes a watch may have waiting for its client; more and it is ended."""

RECENT_WINDOW = 10_000
"""Ids below the highest seen by less than this are remembered as delivered, so a
change arriving twice (by notification and by catch-up) is delivered once."""


@dataclass(frozen=True, slots=True)
class Change:
    """A row of `availability_changes`, as much of it as routing needs."""

    id: int
    title_id: int
    region: str


class FellBehind(ApiError):
    code = ErrorCode.SERVICE_UNAVAILABLE


@dataclass(eq=False)
class Watch:
    """A filter of titles and regions and the changes waiting for its reader."""

    title_ids: frozenset[int]
    regions: frozenset[str]
    pending: asyncio.Queue[Change | None] = field(
        default_factory=lambda: asyncio.Queue(MAX_PENDING)
    )
    overflowed: bool = False
    offered: int = 0  # changes queued so far: the reader's n-th change is the n-th offered

    def offer(self, change: Change) -> None:
        if self.overflowed:
            return
        try:
            self.pending.put_nowait(change)
            self.offered += 1
        except asyncio.QueueFull:
            self.overflowed = True
            self.pending = asyncio.Queue(1)
            self.pending.put_nowait(None)  # wakes the reader to end the watch

    async def next(self) -> Change:
        change = await self.pending.get()
        if change is None:
            raise FellBehind(
                f"This subscription fell more than {MAX_PENDING:,} changes behind; subscribe again."
            )
        return change


class ChangeHub:
    def __init__(self) -> None:
        self.watches = 0
        self.published = 0
        self._by_title: dict[int, set[Watch]] = {}
        self._delivered: set[int] = set()
        self.highest_seen = 0
        self.floor = 0  # the highest id when the source started

    def add(self, title_ids: Iterable[int], regions: Iterable[str]) -> Watch:
        watch = Watch(frozenset(title_ids), frozenset(regions))
        for title_id in watch.title_ids:
            self._by_title.setdefault(title_id, set()).add(watch)
        self.watches += 1
        return watch

    def remove(self, watch: Watch) -> None:
        for title_id in watch.title_ids:
            watching = self._by_title.get(title_id)
            if watching is not None and watch in watching:
                watching.discard(watch)
                if not watching:
                    del self._by_title[title_id]
        self.watches -= 1

    @property
    def watched_titles(self) -> int:
        return len(self._by_title)

    def publish(self, change: Change) -> None:
        if change.id in self._delivered or change.id <= self.highest_seen - RECENT_WINDOW:
            return
        self._delivered.add(change.id)
        if change.id > self.highest_seen:
            self.highest_seen = change.id
            if len(self._delivered) > 2 * RECENT_WINDOW:
                floor = self.highest_seen - RECENT_WINDOW
                self._delivered = {seen for seen in self._delivered if seen > floor}
        self.published += 1
        for watch in self._by_title.get(change.title_id, ()):
            if change.region in watch.regions:
                watch.offer(change)

    def start_after(self, highest: int) -> None:
        """Changes up to `highest` were made before anyone here could watch them."""
        self.floor = max(self.floor, highest)
        self.highest_seen = max(self.highest_seen, highest)

    def catch_up_from(self, overlap: int) -> int:
        """Read again every change above this id after missing notifications: a
        transaction may commit after one that took a higher id (ids are taken at
        insert, not at commit), so `overlap` ids below the highest seen are re-read
        (and those already delivered skipped)."""
        return max(self.floor, self.highest_seen - min(overlap, RECENT_WINDOW))
