"""The in-process response cache: what it holds is what it weighs, within its budget."""

import asyncio
import gc
import tracemalloc
from collections.abc import Callable

import orjson
import pytest
from pydantic import ValidationError

from api.core.response_cache import MemoryResponseCache, cache_key, entry_bytes
from api.settings import Settings

Entry = tuple[str, bytes, set[str]]


def flood_answer(n: int) -> Entry:
    """What the APQ flood's `{ tN: __typename }` documents store: a tiny answer, no tags."""
    body = {"data": {f"t{n}": "Query"}, "extensions": {"cost": {"requestedNodes": 0}}}
    return cache_key(f"{{ t{n}: __typename }}", None, None), orjson.dumps(body), set()


def title_page(n: int) -> Entry:
    """A title page as W1 asks for it: ~3.6 KB of JSON, its title and ten people's tags."""
    people = [{"person": {"id": f"UGVyc29uOj{n}{j}", "name": f"Person {n}-{j}"}} for j in range(10)]
    page = {
        "name": f"Title {n}",
        "synopsis": {"full": "A documentary about persistence. " * 60},
        "credits": {"edges": [{"node": {"role": "CAST", **person}} for person in people]},
        "reviews": {"edges": [{"node": {"body": "A fine film. " * 20}}] * 3},
    }
    tags = {f"title:{n}", *(f"person:{n * 100 + j}" for j in range(10))}
    return cache_key("query TitlePage", None, {"slug": f"t-{n}"}), orjson.dumps(page), tags


async def _held_by_entries(
    make: Callable[[int], Entry], count: int
) -> tuple[int, MemoryResponseCache]:
    """Bytes still allocated after `count` entries, made as the app makes them, were put."""
    cache = MemoryResponseCache(60, max_entries=count, max_bytes=10**9)
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        for n in range(count):
            key, body, tags = make(n)
            await cache.put(key, body, tags, 0)
        del key, body, tags
        gc.collect()
        return tracemalloc.get_traced_memory()[0] - before, cache
    finally:
        tracemalloc.stop()


@pytest.mark.parametrize("make", [flood_answer, title_page], ids=["flood", "title pages"])
async def test_an_entry_weighs_what_it_holds(make: Callable[[int], Entry]) -> None:
    # Before, the body orjson returned was kept with the buffer it was written into (4 KB
    # for a tiny answer) and tags were not weighed: an APQ flood's answer was counted at
    # 1,145 bytes and held ~4,700.
    held, cache = await _held_by_entries(make, 3_000)
    assert len(cache) == 3_000
    assert held <= cache.bytes <= held * 1.15


async def test_the_memory_cache_is_bounded_by_bytes_too() -> None:
    """Many large answers (or very many small ones) cannot hold the process's memory."""
    one = entry_bytes("k000", b"x" * 1_990, 1)
    cache = MemoryResponseCache(60, max_entries=1_000, max_bytes=20 * one)
    for n in range(100):
        await cache.put(f"k{n:03}", b"x" * 1_990, [f"t{n}"], 0)
    assert cache.bytes == cache.max_bytes
    kept = [n for n in range(100) if await cache.get(f"k{n:03}") is not None]
    assert kept == list(range(80, 100))  # the most recent, least recently used out first
    await cache.put("huge", b"x" * cache.max_bytes, [], 0)
    assert await cache.get("huge") is None
    assert await cache.get("k099") is not None
    await cache.invalidate(["t99"])
    assert await cache.get("k099") is None
    assert cache.bytes == 19 * one


async def test_the_memory_cache_is_bounded_by_entries() -> None:
    cache = MemoryResponseCache(60, max_entries=3, max_bytes=10**9)
    for n in range(5):
        await cache.put(f"k{n}", b"{}", [], 0)
    assert len(cache) == 3
    assert [await cache.get(f"k{n}") for n in range(5)] == [None, None, b"{}", b"{}", b"{}"]


async def test_tags_are_weighed_and_a_dropped_entry_gives_its_bytes_back() -> None:
    cache = MemoryResponseCache(60, max_entries=10, max_bytes=10**9)
    await cache.put("page", b"{}", ["title:1", "person:2", "lists"], 0)
    assert cache.bytes == entry_bytes("page", b"{}", 3)
    await cache.put("page", b"{}", ["title:1"], 0)  # stored again: weighed once, anew
    assert cache.bytes == entry_bytes("page", b"{}", 1)
    await cache.invalidate(["title:1"])
    assert cache.bytes == 0 and len(cache) == 0


async def test_expired_entries_leave_as_new_ones_come() -> None:
    """An answer nobody asks for again does not stay until pushed out by the budget."""
    cache = MemoryResponseCache(0.05, max_entries=1_000, max_bytes=10**9)
    for n in range(3):
        await cache.put(f"old{n}", b"{}", [f"title:{n}"], 0)
    await asyncio.sleep(0.06)
    await cache.put("new", b"{}", ["title:0"], 0)
    assert len(cache) == 1 and cache.bytes == entry_bytes("new", b"{}", 1)
    assert cache._keys_by_tag == {"title:0": {"new"}}


def test_the_default_budget_holds_thousands_of_title_pages_and_a_tiny_one_is_refused() -> None:
    with pytest.raises(ValidationError, match="response_cache_max_bytes"):
        Settings(response_cache_max_bytes=99_999)
    assert Settings().response_cache_max_bytes // entry_bytes("k" * 64, b"x" * 3_650, 11) > 3_000
