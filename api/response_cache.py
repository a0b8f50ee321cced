"""A whole-response cache for read queries, invalidated by the rows writes touch.

While a query runs, every object it returns records a tag (`title:42`,
`person:7`) and every list records `lists`; the encoded response is stored
under its document and variables with those tags. A write invalidates the tags
of the rows it changed (and `lists`, since any write can reorder or refilter a
list), so a cached response never outlives the data it shows. A write that
lands while a read is running bumps the epoch, and that read is not stored.

`MemoryResponseCache` serves one process; `RedisResponseCache` (REDIS_URL) is
shared by every replica, and fails open: if Redis is down, nothing is cached.
"""

import hashlib
import logging
import time
from collections import OrderedDict, defaultdict
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, Protocol

import orjson
from redis.exceptions import RedisError

from api.redis_client import fail_fast_redis

logger = logging.getLogger("reelgraph.cache")

LISTS = "lists"

_recording: ContextVar[set[str] | None] = ContextVar("response_cache_tags", default=None)


TITLE = "title:"
PERSON = "person:"


def title_tag(pk: int) -> str:
    return f"{TITLE}{pk}"


def person_tag(pk: int) -> str:
    return f"{PERSON}{pk}"


def depends_on(*tags: str) -> None:
    """Note that the response being computed shows these rows (no-op outside one)."""
    recorded = _recording.get()
    if recorded is not None:
        recorded.update(tags)


@contextmanager
def recording() -> Iterator[set[str]]:
    tags: set[str] = set()
    token = _recording.set(tags)
    try:
        yield tags
    finally:
        _recording.reset(token)


def cache_key(query: str, operation_name: str | None, variables: Any) -> str:
    payload = orjson.dumps([query, operation_name, variables], option=orjson.OPT_SORT_KEYS)
    return hashlib.sha256(payload).hexdigest()


class ResponseCache(Protocol):
    async def epoch(self) -> int:
        """Changes whenever anything is invalidated."""
        ...

    async def get(self, key: str) -> bytes | None: ...

    async def put(self, key: str, body: bytes, tags: Iterable[str], epoch: int) -> None:
        """Store unless the epoch moved since `epoch` was read (a write raced the read)."""
        ...

    async def invalidate(self, tags: Iterable[str]) -> None: ...

    async def close(self) -> None: ...


class MemoryResponseCache:
    def __init__(self, ttl_seconds: float, max_entries: int) -> None:
        self.ttl = ttl_seconds
        self.max_entries = max_entries
        self._entries: OrderedDict[str, tuple[float, bytes, frozenset[str]]] = OrderedDict()
        self._keys_by_tag: defaultdict[str, set[str]] = defaultdict(set)
        self._epoch = 0

    async def epoch(self) -> int:
        return self._epoch

    async def get(self, key: str) -> bytes | None:
        entry = self._entries.get(key)
        if entry is None:
            return None
        expires, body, _ = entry
        if expires < time.monotonic():
            self._drop(key)
            return None
        self._entries.move_to_end(key)
        return body

    async def put(self, key: str, body: bytes, tags: Iterable[str], epoch: int) -> None:
        if epoch != self._epoch:
            return
        self._drop(key)
        tag_set = frozenset(tags)
        self._entries[key] = (time.monotonic() + self.ttl, body, tag_set)
        for tag in tag_set:
            self._keys_by_tag[tag].add(key)
        while len(self._entries) > self.max_entries:
            self._drop(next(iter(self._entries)))

    async def invalidate(self, tags: Iterable[str]) -> None:
        self._epoch += 1
        for tag in tags:
            for key in self._keys_by_tag.pop(tag, set()):
                self._drop(key)

    async def close(self) -> None:
        self._entries.clear()
        self._keys_by_tag.clear()

    def _drop(self, key: str) -> None:
        entry = self._entries.pop(key, None)
        if entry is None:
            return
        for tag in entry[2]:
            keys = self._keys_by_tag.get(tag)
            if keys is not None:
                keys.discard(key)
                if not keys:
                    del self._keys_by_tag[tag]


class RedisResponseCache:
    """Bodies at `<prefix>body:<key>`, tag sets at `<prefix>tag:<tag>`, all expiring."""

    def __init__(self, url: str, ttl_seconds: int, prefix: str) -> None:
        self.ttl = ttl_seconds
        self.prefix = prefix
        self._redis = fail_fast_redis(url)

    async def epoch(self) -> int:
        try:
            return int(await self._redis.get(self.prefix + "epoch") or 0)
        except (RedisError, OSError) as error:
            logger.warning("response cache off: Redis unreachable (%r)", error)
            return -1  # never equal to a stored epoch, so nothing is put

    async def get(self, key: str) -> bytes | None:
        try:
            body = await self._redis.get(self.prefix + "body:" + key)
        except (RedisError, OSError):
            return None
        return body if isinstance(body, bytes) else None

    async def put(self, key: str, body: bytes, tags: Iterable[str], epoch: int) -> None:
        body_key = self.prefix + "body:" + key
        try:
            if epoch < 0 or int(await self._redis.get(self.prefix + "epoch") or 0) != epoch:
                return
            async with self._redis.pipeline(transaction=True) as pipe:
                pipe.set(body_key, body, ex=self.ttl)
                for tag in tags:
                    pipe.sadd(self.prefix + "tag:" + tag, body_key)
                    pipe.expire(self.prefix + "tag:" + tag, self.ttl)
                await pipe.execute()
        except (RedisError, OSError) as error:
            logger.warning("response not cached: Redis unreachable (%r)", error)

    async def invalidate(self, tags: Iterable[str]) -> None:
        tag_keys = [self.prefix + "tag:" + tag for tag in tags]
        try:
            await self._redis.incr(self.prefix + "epoch")
            async with self._redis.pipeline(transaction=False) as pipe:
                for tag_key in tag_keys:
                    pipe.smembers(tag_key)
                bodies = [body for members in await pipe.execute() for body in members]
            if tag_keys:  # one round trip each, however many tags (setCredits names hundreds)
                await self._redis.delete(*tag_keys, *bodies)
        except (RedisError, OSError) as error:
            # Entries expire after the TTL, which bounds how stale they can get.
            logger.error("cache invalidation failed: Redis unreachable (%r)", error)

    async def close(self) -> None:
        await self._redis.aclose()
