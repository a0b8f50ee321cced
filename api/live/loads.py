"""Each change's value, loaded once per process however many channels show it."""

import asyncio
import functools
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

from api.live.changes import Change

C = TypeVar("C")
T = TypeVar("T")

Load = Callable[[C, Change], Coroutine[Any, Any, T | None]]

KEEP = 256
"""Recent changes whose values are kept: channels execute a change at about the same
time; one further behind than this loads it again."""


class Loads:
    def __init__(self, keep: int = KEEP) -> None:
        self.keep = keep
        self._loading: dict[tuple[object, int], asyncio.Task[Any]] = {}

    async def get(self, load: Load[C, T], context: C, change: Change) -> T | None:
        """`load(context, change)`, or the value it gave another caller while kept."""
        key = (load, change.id)
        task = self._loading.get(key)
        if task is None:
            task = self._loading[key] = asyncio.create_task(load(context, change))
            task.add_done_callback(functools.partial(self._done, key))
            if len(self._loading) > self.keep:
                del self._loading[next(iter(self._loading))]
        value: T | None = await asyncio.shield(task)  # one caller cancelled: others still wait
        return value

    def _done(self, key: tuple[object, int], task: asyncio.Task[Any]) -> None:
        failed = task.cancelled() or task.exception() is not None
        if failed and self._loading.get(key) is task:  # not kept: the next one retries
            del self._loading[key]
