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


# What an entry holds besides its key's and body's characters, measured with tracemalloc
# over thousands of entries stored as the app stores them (tests/core/test_response_cache.py
# checks the formula against it), rounded up: ENTRY_BYTES for the key and body objects,
# the entry's tuple, expiry and places in the LRU (450 to 460 bytes: an answer of the
# APQ flood holds ~600 bytes for its 64-character key and 82-byte body); TAG_BYTES for
# each tag: its string and its places in the entry's set and in the tag index, where a
# tag no other entry shows has a set of its own (320 to 360 bytes a tag for 1 to 40
# tags; less with more tags, and for a tag that other entries share).
ENTRY_BYTES = 500
TAG_BYTES = 400


def entry_bytes(key: str, body: bytes, tags: int) -> int:
    """What an entry of `tags` tags holds at most, in bytes."""
    return len(key) + len(body) + ENTRY_BYTES + TAG_BYTES * tags


class MemoryResponseCache:
    """Bounded by entries and by the bytes they hold (`entry_bytes`), least recently
    used first out: neither a few large answers nor very many small ones can hold more
    than `max_bytes` of the process's memory. Expired entries at the least recently used
    end leave as new ones come in."""

    def __init__(self, ttl_seconds: float, max_entries: int, max_bytes: int) -> None:
        self.ttl = ttl_seconds
        self.max_entries = max_entries
        self.max_bytes = max_bytes
        self.bytes = 0
        self._entries: OrderedDict[str, tuple[float, bytes, frozenset[str]]] = OrderedDict()
        self._keys_by_tag: defaultdict[str, set[str]] = defaultdict(set)
        self._epoch = 0

    def __len__(self) -> int:
        return len(self._entries)

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
        size = entry_bytes(key, body, len(tag_set))
        if size > self.max_bytes:
            return
        # orjson leaves its output in the buffer it wrote into: 4 KB for the smallest
        # answer, 8 KB for a 3.6 KB title page, 32 KB for one 3,000-character string.
        # An exact copy is what the entry is weighed at.
        body = bytes(memoryview(body))
        now = time.monotonic()
        self._entries[key] = (now + self.ttl, body, tag_set)
        self.bytes += size
        for tag in tag_set:
            self._keys_by_tag[tag].add(key)
        while True:  # least recently used first, while over budget or expired
            oldest = next(iter(self._entries))
            expired = self._entries[oldest][0] < now
            if not expired and len(self) <= self.max_entries and self.bytes <= self.max_bytes:
                return
            self._drop(oldest)

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
        _, body, tags = entry
        self.bytes -= entry_bytes(key, body, len(tags))
        for tag in tags:
            keys = self._keys_by_tag.get(tag)
            if keys is not None:
                keys.discard(key)
                if not keys:
                    del self._keys_by_tag[tag]


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
