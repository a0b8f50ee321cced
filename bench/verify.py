"""Before any load: every target must answer each workload with the same data.

The reference is Reelgraph's in-process answer on PostgreSQL (bench/probe.py), for
each workload's checked requests (W1-W3's one request; W4-W11's first, middle and
last variables: bench/variants.py). Also records each target's response size and
PostGraphile's queries per request (the most any checked request took).
The scale run's target holds the bench catalogue and more: its W1 answer must be
the reference's; its W3 ranks more titles, so only the page size is compared.
"""

import json

import httpx

from bench.report import Measurements
from bench.servers import SCALE, Server
from bench.workloads import (
    POSTGRAPHILE,
    WORKLOADS,
    NotEquivalent,
    Workload,
    canonical,
    check_equivalent,
    check_teasers,
)

# Sizes that make each workload non-trivial: a full browse page, a full search page,
# a filtered page with something in it, a mobile list of at least its smallest size.
MINIMUM = {"w2": 50, "w3": 20, "w5": 50, "w6": 1, "w10": 10}
# Answers that legitimately differ from the reference's in order or content, so only
# their size is compared: FTS5's bm25 ranks differently from PostgreSQL, and the scale
# catalogue has more titles to rank.
SIZE_ONLY = {("reelgraph-sqlite", "w3"), (SCALE, "w3")}
# Per target name and workload key: the request bodies, one per variables value.
Bodies = dict[str, dict[str, list[bytes]]]


def verify(
    servers: dict[str, Server],
    bodies: Bodies,
    reference: dict[str, dict[int, bytes]],
    measurements: Measurements,
    workloads: tuple[Workload, ...] = WORKLOADS,
) -> None:
    """`reference` maps a workload key to its checked indexes' answers."""
    for workload in workloads:
        key = workload.key
        driven = {name: s for name, s in servers.items() if s.target.drives(key)}
        for index, answer in sorted(reference[key].items()):
            expected = canonical(key, "reelgraph", json.loads(answer))
            _check_size(key, expected)
            for name, server in driven.items():
                _check(name, server, key, index, bodies[name][key][index], answer, measurements)
        checked = len(reference[key])
        print(f"  {workload.name}: {len(driven)} target(s) agree on {checked} request(s)")


def _check(
    name: str,
    server: Server,
    key: str,
    index: int,
    body: bytes,
    reference: bytes,
    m: Measurements,
) -> None:
    flavour = server.target.flavour
    queries_before = _postgraphile_queries(server)
    answer = _post(server.url(key), body)
    m.response_bytes.setdefault((name, key), len(answer))
    if flavour in POSTGRAPHILE:
        queries = _postgraphile_queries(server) - queries_before
        m.statements[name, key] = max(queries, m.statements.get((name, key), 0))
    if flavour == "ceiling":
        m.statements[name, key] = 0
        if answer != reference:
            raise NotEquivalent(f"the ceiling does not answer Reelgraph's {key} body")
        return
    response = json.loads(answer)
    expected = canonical(key, "reelgraph", json.loads(reference))
    actual = canonical(key, flavour, response)
    if (name, key) in SIZE_ONLY:
        actual, expected = len(actual), len(expected)
    label = f"{key} request {index}"
    check_equivalent(f"reelgraph (reference) {label}", expected, f"{name} {label}", actual)
    if flavour in POSTGRAPHILE and key in ("w1", "w4", "w11"):
        check_teasers(json.loads(reference), response)


def _check_size(key: str, expected: object) -> None:
    if key == "w1":
        assert isinstance(expected, dict)
        empty = [part for part in ("credits", "reviews", "offers", "genres") if not expected[part]]
        if empty:
            raise NotEquivalent(f"W1's title has no {', '.join(empty)}: pick another slug")
    elif key == "w11":
        assert isinstance(expected, dict)
        if not any(offers for _region, _streamable, offers in expected["offersIn"]):
            raise NotEquivalent("W11's title has no offers in any of its regions")
    elif expected is None:
        raise NotEquivalent(f"{key}'s reference answer is empty")
    elif key in MINIMUM and (not isinstance(expected, list) or len(expected) < MINIMUM[key]):
        raise NotEquivalent(f"{key} returned fewer than {MINIMUM[key]} titles")


def _post(url: str, body: bytes) -> bytes:
    headers = {"content-type": "application/json"}
    response = httpx.post(url, content=body, headers=headers, timeout=30)
    if response.status_code != 200:
        raise NotEquivalent(f"{url} answered {response.status_code}: {response.text[:500]}")
    return response.content


def _postgraphile_queries(server: Server) -> int:
    if server.target.flavour not in POSTGRAPHILE:
        return 0
    count: int = httpx.get(f"{server.base}/bench/queries", timeout=10).json()["queries"]
    return count
