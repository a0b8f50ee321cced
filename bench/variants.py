"""Each target's own request variables for W4-W11, built before any load.

Slugs, people and filters are the loader's samples (bench/load.py), the same for
every target; node ids differ between Reelgraph, PostGraphile 4 and PostGraphile 5,
and browse cursors between servers, so each server is asked for its own over HTTP
(PostGraphile pages by offset: `_pages`). Every list is
in the same order on every target (index i is the same page, title or person),
so `verify.py` can compare the answers to a few fixed indexes.
"""

import json
from typing import Any

import httpx

from bench.load import Samples
from bench.workloads import POSTGRAPHILE, REGIONS, WORKLOADS, v5_document

Json = Any
PAGES = range(2, 21)  # W5 asks for browse pages 2..20 of 50 titles
PAGE_SIZES = (10, 20, 30, 40, 50)  # W10's page sizes
NODES = 500  # W7 alternates this many titles and this many people
ALIASES = 25  # per lookup request: Reelgraph allows 30 (MAX_QUERY_ALIASES)

CURSOR_WALK = """query Walk($after: String) {
  titles(first: 50, after: $after, orderBy: RELEASED_DESC) { pageInfo { endCursor } }
}"""
NODE_LOOKUP = {  # (title by slug, person by slug), each selecting the node id
    "reelgraph": ("title(slug: {slug}) {{ id }}", "person(slug: {slug}) {{ id }}"),
    "postgraphile": (
        "titleBySlug(slug: {slug}) {{ nodeId }}",
        "personBySlug(slug: {slug}) {{ nodeId }}",
    ),
}


def build(flavour: str, graphql_url: str, samples: Samples) -> dict[str, list[Json]]:
    """The variables lists of W4-W11 (by workload key) for one target."""
    lists: dict[str, list[Json]] = {
        "slugs": [{"slug": slug} for slug in samples.slugs],
        "pages": _pages(flavour, graphql_url),
        "filters": [
            {"genre": genre, "yearFrom": first, "yearTo": last}
            for genre, first, last in samples.filters
        ],
        "node_ids": [{"id": node_id} for node_id in _node_ids(flavour, graphql_url, samples)],
        "people": [{"slug": slug} for slug in samples.people],
        "teasers": [
            {"slug": slug, "full": index % 2 == 0} for index, slug in enumerate(samples.slugs)
        ],
        "page_sizes": [{"first": size} for size in PAGE_SIZES],
        "regional_slugs": [{"slug": slug, "regions": list(REGIONS)} for slug in samples.slugs],
    }
    return {w.key: lists[w.varies] for w in WORKLOADS if w.varies is not None}


def checked(count: int) -> list[int]:
    """The indexes whose answers `verify.py` compares: first, middle, last."""
    return sorted({0, count // 2, count - 1})


def _pages(flavour: str, url: str) -> list[Json]:
    """W5's variables for pages 2..20. PostGraphile's keyset condition (4 and 5) compares
    a NULL release date as unknown, so after its cursor it skips the titles without
    one in the cursor's year: it gets the offsets of the same pages instead."""
    if flavour in POSTGRAPHILE:
        return [{"offset": 50 * (page - 1)} for page in PAGES]
    return [{"after": cursor} for cursor in _cursors(url)]


def _cursors(url: str) -> list[str]:
    """Cursors after pages 1..19 of W5's list, as this server writes them."""
    document = CURSOR_WALK
    cursors: list[str] = []
    after = None
    for _page in PAGES:
        data = _query(url, document, {"after": after})
        cursor = next(iter(data.values()))["pageInfo"]["endCursor"]
        if cursor is None:
            raise SystemExit(f"W5 needs {PAGES.stop - 1} pages of 50 titles: load more titles")
        cursors.append(cursor)
        after = cursor
    return cursors


def _node_ids(flavour: str, url: str, samples: Samples) -> list[str]:
    """Node ids of NODES sampled titles and NODES sampled people, alternating."""
    title, person = NODE_LOOKUP["postgraphile" if flavour in POSTGRAPHILE else "reelgraph"]
    wanted = [
        (kind, slug)
        for pair in zip(samples.slugs[:NODES], samples.people[:NODES], strict=False)
        for kind, slug in zip((title, person), pair, strict=True)
    ]
    ids: list[str] = []
    for start in range(0, len(wanted), ALIASES):
        batch = wanted[start : start + ALIASES]
        fields = " ".join(
            f"n{i}: " + kind.format(slug=json.dumps(slug)) for i, (kind, slug) in enumerate(batch)
        )
        document = "{ " + fields + " }"
        if flavour == "postgraphile5":
            document = v5_document(document)
        data = _query(url, document, {})
        for i, (_kind, slug) in enumerate(batch):
            found = data[f"n{i}"]
            if found is None:
                raise SystemExit(f"{url} has no node for {slug!r}")
            ids.append(found.get("id") or found["nodeId"])
    return ids


def _query(url: str, document: str, variables: Json) -> Json:
    response = httpx.post(url, json={"query": document, "variables": variables}, timeout=30)
    answer = response.json()
    if response.status_code != 200 or answer.get("errors"):
        raise SystemExit(f"{url} refused a variables lookup: {response.text[:1000]}")
    return answer["data"]
