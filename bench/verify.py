"""Before any load: every target must answer each workload with the same data.

The reference is Reelgraph's in-process answer on PostgreSQL (bench/probe.py).
Also records each target's response size and PostGraphile's queries per request.
The scale run's target holds the bench catalogue and more: its W1 answer must be
the reference's; its W3 ranks more titles, so only the page size is compared.
"""

import json

import httpx

from bench.report import Measurements
from bench.servers import SCALE, Server
from bench.workloads import (
    WORKLOADS,
    NotEquivalent,
    Workload,
    canonical,
    check_equivalent,
    check_teasers,
)

# Sizes that make each workload non-trivial: a title page with something in every
# section, a full browse page, a full search page.
MINIMUM = {"w1": None, "w2": 50, "w3": 20}
# Answers that legitimately differ from the reference's in order or content, so only
# their size is compared: FTS5's bm25 ranks differently from PostgreSQL, and the scale
# catalogue has more titles to rank.
SIZE_ONLY = {("reelgraph-sqlite", "w3"), (SCALE, "w3")}


def verify(
    servers: dict[str, Server],
    bodies: dict[tuple[str, str], bytes],
    reference: dict[str, bytes],
    measurements: Measurements,
    workloads: tuple[Workload, ...] = WORKLOADS,
) -> None:
    for workload in workloads:
        key = workload.key
        expected = canonical(key, "reelgraph", json.loads(reference[key]))
        _check_size(key, expected)
        for name, server in servers.items():
            flavour = server.target.flavour
            queries_before = _postgraphile_queries(server)
            answer = _post(server.url(key), bodies[flavour, key])
            measurements.response_bytes[name, key] = len(answer)
            if flavour == "postgraphile":
                measurements.statements[name, key] = _postgraphile_queries(server) - queries_before
            if flavour == "ceiling":
                measurements.statements[name, key] = 0
                if answer != reference[key]:
                    raise NotEquivalent(f"the ceiling does not answer Reelgraph's {key} body")
                continue
            response = json.loads(answer)
            actual = canonical(key, flavour, response)
            if (name, key) in SIZE_ONLY:
                actual, expected_here = len(actual), len(expected)
            else:
                expected_here = expected
            check_equivalent(f"reelgraph (reference) {key}", expected_here, f"{name} {key}", actual)
            if flavour == "postgraphile" and key == "w1":
                check_teasers(json.loads(reference[key]), response)
        print(f"  {workload.name}: {len(servers)} target(s) agree")


def _check_size(key: str, expected: object) -> None:
    minimum = MINIMUM[key]
    if minimum is None:
        assert isinstance(expected, dict)
        empty = [part for part in ("credits", "reviews", "offers", "genres") if not expected[part]]
        if empty:
            raise NotEquivalent(f"W1's title has no {', '.join(empty)}: pick another slug")
    elif not isinstance(expected, list) or len(expected) < minimum:
        raise NotEquivalent(f"{key} returned fewer than {minimum} titles")


def _post(url: str, body: bytes) -> bytes:
    headers = {"content-type": "application/json"}
    response = httpx.post(url, content=body, headers=headers, timeout=30)
    if response.status_code != 200:
        raise NotEquivalent(f"{url} answered {response.status_code}: {response.text[:500]}")
    return response.content


def _postgraphile_queries(server: Server) -> int:
    if server.target.flavour != "postgraphile":
        return 0
    count: int = httpx.get(f"{server.base}/bench/queries", timeout=10).json()["queries"]
    return count
