"""The hub: which watches a change reaches, once, and what bounds it keeps."""

import asyncio

import pytest

from api.live.changes import MAX_PENDING, RECENT_WINDOW, Change, ChangeHub, FellBehind


def pending(watch_queue: "asyncio.Queue[Change | None]") -> list[Change | None]:
    items = []
    while not watch_queue.empty():
        items.append(watch_queue.get_nowait())
    return items


async def test_a_change_reaches_the_watches_of_its_title_and_region_only() -> None:
    hub = ChangeHub()
    us_of_1 = hub.add([1, 2], ["US"])
    gb_of_1 = hub.add([1], ["GB", "FR"])
    us_of_3 = hub.add([3], ["US"])
    hub.publish(Change(1, 1, "US"))
    hub.publish(Change(2, 2, "GB"))
    hub.publish(Change(3, 1, "FR"))
    assert pending(us_of_1.pending) == [Change(1, 1, "US")]
    assert pending(gb_of_1.pending) == [Change(3, 1, "FR")]
    assert pending(us_of_3.pending) == []


async def test_a_change_arriving_twice_is_delivered_once() -> None:
    hub = ChangeHub()
    watch = hub.add([1], ["US"])
    for change in (Change(5, 1, "US"), Change(4, 1, "US"), Change(5, 1, "US"), Change(4, 1, "US")):
        hub.publish(change)
    assert pending(watch.pending) == [Change(5, 1, "US"), Change(4, 1, "US")]


async def test_catching_up_rereads_the_overlap_but_never_below_the_start() -> None:
    hub = ChangeHub()
    hub.start_after(100)
    assert hub.catch_up_from(overlap=1_000) == 100
    hub.publish(Change(50_000, 1, "US"))
    assert hub.catch_up_from(overlap=1_000) == 49_000
    # The overlap is bounded by the ids remembered as delivered.
    assert hub.catch_up_from(overlap=10 * RECENT_WINDOW) == 50_000 - RECENT_WINDOW


async def test_removed_watches_leave_nothing_behind() -> None:
    hub = ChangeHub()
    watches = [hub.add(range(100), ["US"]) for _ in range(3)]
    assert hub.watches == 3 and hub.watched_titles == 100
    for watch in watches:
        hub.remove(watch)
    assert hub.watches == 0 and hub.watched_titles == 0


async def test_a_watch_that_falls_too_far_behind_ends_with_an_error() -> None:
    hub = ChangeHub()
    watch = hub.add([1], ["US"])
    for number in range(1, MAX_PENDING + 2):
        hub.publish(Change(number, 1, "US"))
    with pytest.raises(FellBehind, match="fell more than 1,000 changes behind"):
        await watch.next()
    assert watch.pending.qsize() == 0  # what it held is freed at once
