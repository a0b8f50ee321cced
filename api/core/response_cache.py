"""A whole-response cache for read queries, invalidated by the rows writes touch.

While a query runs, every object it returns records a tag (`title:42`,
`person:7`) and every list records `lists`; the encoded response is stored
under its document and variables with those tags. A write invalidates the tags
of the rows it changed (and `lists`, since any write can reorder or refilter a
list), so a cached response never outlives the data it shows. A write that
lands while a read is running bumps the epoch, and that read is not stored.

`MemoryResponseCache` serves one process; `RedisResponseCache` (REDIS_URL) is
shared by every replica, and fails open: while Redis is unreachable nothing is
cached or served from the cache (api/core/redis_client.py).

An invalidation can be lost: Redis went away between a write's commit and its
invalidation, or the process died in between. So every Redis entry carries the
cache's generation, and an entry of another generation is never served; a
process starts a new generation before it uses Redis after any failure, and when
it starts, so a lost invalidation cannot bring back what the write changed.
"""

import hashlib
import logging
import time
from collections import OrderedDict, defaultdict
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import TYPE_CHECKING, Any, Protocol

import orjson

from api.core.redis_client import SharedRedis

if TYPE_CHECKING:
    from redis.asyncio import Redis

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


# An allowance for what an entry holds besides its key and body (its tuple, tag set,
# index entries), so that many tiny answers count too; not measured.
ENTRY_BYTES = 1_000


class MemoryResponseCache:
    """Bounded by entries and by bytes (keys, bodies and ENTRY_BYTES each), least
    recently used first out: a few large answers cannot hold the process's memory."""

    def __init__(self, ttl_seconds: float, max_entries: int, max_bytes: int) -> None:
        self.ttl = ttl_seconds
        self.max_entries = max_entries
        self.max_bytes = max_bytes
        self.bytes = 0
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
        if _size(key, body) > self.max_bytes:
            return
        tag_set = frozenset(tags)
        self._entries[key] = (time.monotonic() + self.ttl, body, tag_set)
        self.bytes += _size(key, body)
        for tag in tag_set:
            self._keys_by_tag[tag].add(key)
        while len(self._entries) > self.max_entries or self.bytes > self.max_bytes:
            self._drop(next(iter(self._entries)))

    async def invalidate(self, tags: Iterable[str]) -> None:
        self._epoch += 1
        for tag in tags:
            for key in self._keys_by_tag.pop(tag, set()):
                self._drop(key)

    async def close(self) -> None:
        self._entries.clear()
        self._keys_by_tag.clear()
        self.bytes = 0

    def _drop(self, key: str) -> None:
        entry = self._entries.pop(key, None)
        if entry is None:
            return
        self.bytes -= _size(key, entry[1])
        for tag in entry[2]:
            keys = self._keys_by_tag.get(tag)
            if keys is not None:
                keys.discard(key)
                if not keys:
                    del self._keys_by_tag[tag]


def _size(key: str, body: bytes) -> int:
    return len(key) + len(body) + ENTRY_BYTES


# KEYS: epoch, generation, body, tags...; ARGV: the epoch the read began at, TTL,
# the body. Stores the body (prefixed by the current generation) and adds it to its
# tags' sets, unless a write moved the epoch since the read began.
_PUT = """
if (redis.call('GET', KEYS[1]) or '0') ~= ARGV[1] then
  return 0
end
local generation = redis.call('GET', KEYS[2]) or ''
redis.call('SET', KEYS[3], generation .. '\\n' .. ARGV[3], 'EX', ARGV[2])
for i = 4, #KEYS do
  redis.call('SADD', KEYS[i], KEYS[3])
  redis.call('EXPIRE', KEYS[i], ARGV[2])
end
return 1
"""


class RedisResponseCache:
    """Bodies at `<prefix>body:<key>` (as `<generation>\\n<body>`), tag sets at
    `<prefix>tag:<tag>`, all expiring; the counters `<prefix>epoch` and
    `<prefix>generation`."""

    def __init__(self, redis: SharedRedis, ttl_seconds: int, prefix: str) -> None:
        self.ttl = ttl_seconds
        self.prefix = prefix
        self._epoch_key = prefix + "epoch"
        self._generation_key = prefix + "generation"
        self._redis = redis
        self._put = redis.client.register_script(_PUT)
        self._lost_invalidations = 0
        redis.on_recovery(self._new_generation)

    async def epoch(self) -> int:
        async def read(redis: "Redis") -> int:
            return int(await redis.get(self._epoch_key) or 0)

        return await self._redis.call(read, -1)  # -1: never stored, so nothing is put

    async def get(self, key: str) -> bytes | None:
        keys = [self._generation_key, self.prefix + "body:" + key]
        values = await self._redis.call(lambda redis: redis.mget(keys), None)
        if values is None:
            return None
        generation, entry = values
        if not isinstance(entry, bytes):
            return None
        entry_generation, _, body = entry.partition(b"\n")
        return body if entry_generation == (generation or b"") else None

    async def put(self, key: str, body: bytes, tags: Iterable[str], epoch: int) -> None:
        if epoch < 0:
            return
        keys = [
            self._epoch_key,
            self._generation_key,
            self.prefix + "body:" + key,
            *(self.prefix + "tag:" + tag for tag in tags),
        ]
        args: list[bytes | str | int] = [str(epoch), self.ttl, body]
        await self._redis.call(lambda _: self._put(keys=keys, args=args), None)

    async def invalidate(self, tags: Iterable[str]) -> None:
        tag_keys = [self.prefix + "tag:" + tag for tag in tags]

        async def drop(redis: "Redis") -> bool:
            async with redis.pipeline(transaction=False) as pipe:
                pipe.incr(self._epoch_key)
                for tag_key in tag_keys:
                    pipe.smembers(tag_key)
                bodies = [body for members in (await pipe.execute())[1:] for body in members]
            if tag_keys:  # one round trip each, however many tags (setCredits names hundreds)
                await redis.delete(*tag_keys, *bodies)
            return True

        if not await self._redis.call(drop, False):
            # Served again, these entries would show what the write changed: the
            # generation moves on before this process uses Redis again.
            self._lost_invalidations += 1

    async def close(self) -> None:
        pass  # the shared client is closed by its owner

    async def _new_generation(self, redis: "Redis") -> None:
        """Recovery step: no entry stored so far can be served, and no read that began
        before is stored. Repeated if an invalidation is lost meanwhile (the breaker
        closes right after this returns)."""
        while True:
            lost = self._lost_invalidations
            async with redis.pipeline(transaction=True) as pipe:
                pipe.incr(self._generation_key)
                pipe.incr(self._epoch_key)
                await pipe.execute()
            if self._lost_invalidations == lost:
                return
