"""The three workloads: their documents per server flavour, and equivalence checks.

Each response is reduced to a canonical form holding the data both servers must
agree on (ids, slugs, names, counts, order where both define the same order);
`check_equivalent` fails loudly on any difference.
"""

import base64
import difflib
import json
import pprint
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
SEARCH_TEXT = "river"  # a noun of the synthetic title names: hundreds of matches

Json = Any


@dataclass(frozen=True)
class Workload:
    key: str
    name: str
    file: str

    def document(self, flavour: str) -> str:
        folder = "postgraphile" if flavour == "postgraphile" else "workloads"
        return (BENCH / folder / self.file).read_text()

    def body(self, flavour: str, slug: str) -> bytes:
        variables = {"w1": {"slug": slug}, "w2": {}, "w3": {"text": SEARCH_TEXT}}[self.key]
        return json.dumps({"query": self.document(flavour), "variables": variables}).encode()


WORKLOADS = (
    Workload("w1", "W1 title page", "w1_title_page.graphql"),
    Workload("w2", "W2 browse", "w2_browse.graphql"),
    Workload("w3", "W3 search", "w3_search.graphql"),
)
# What the scale run (bench/run.py --scale-titles) repeats on the larger catalogue.
SCALE_WORKLOADS = tuple(workload for workload in WORKLOADS if workload.key in ("w1", "w3"))


class NotEquivalent(Exception):
    pass


def data_of(response: Json, what: str) -> Json:
    if "errors" in response or not response.get("data"):
        raise NotEquivalent(f"{what} answered errors: {json.dumps(response)[:2000]}")
    return response["data"]


def canonical(workload: str, flavour: str, response: Json) -> Json:
    data = data_of(response, flavour)
    if flavour == "postgraphile":
        return _POSTGRAPHILE[workload](data)
    return _REELGRAPH[workload](data)


def check_equivalent(label: str, expected: Json, label_b: str, actual: Json) -> None:
    if expected == actual:
        return
    diff = difflib.unified_diff(
        pprint.pformat(expected, width=100).splitlines(),
        pprint.pformat(actual, width=100).splitlines(),
        label,
        label_b,
        lineterm="",
    )
    raise NotEquivalent(f"{label} and {label_b} disagree:\n" + "\n".join(list(diff)[:80]))


def check_teasers(reelgraph: Json, postgraphile: Json) -> None:
    """W1's truncated texts must be prefixes of the full texts PostGraphile returns."""
    title = data_of(reelgraph, "reelgraph")["title"]
    full_title = data_of(postgraphile, "postgraphile")["titleBySlug"]
    pairs = [(title["synopsis"]["truncated"]["text"], full_title["synopsis"])]
    bodies = [node["body"] for node in full_title["reviewsByTitleId"]["nodes"]]
    teasers = [edge["node"]["body"]["truncated"]["text"] for edge in title["reviews"]["edges"]]
    pairs += list(zip(teasers, bodies, strict=True))
    for teaser, full in pairs:
        if not full.startswith(teaser.removesuffix("…")):
            raise NotEquivalent(f"teaser {teaser[:60]!r}… is not the start of {full[:60]!r}…")


def _pk(global_id: str) -> int:
    """Reelgraph's Relay ids are unpadded urlsafe base64 of "Type:pk" (api/ids.py)."""
    padded = global_id + "=" * (-len(global_id) % 4)
    return int(base64.urlsafe_b64decode(padded).decode().partition(":")[2])


def _money(amount: str | None) -> Decimal | None:
    return None if amount is None else Decimal(amount)


def _edges(connection: Json) -> list[Json]:
    return [edge["node"] for edge in connection["edges"]]


# Offers: both sides hold the same rows, but Reelgraph sorts them for display
# (streaming first, then provider name), which PostGraphile cannot: compare sorted.
def _rg_offers(offers: list[Json], full: bool) -> list[tuple[Any, ...]]:
    rows = []
    for offer in offers:
        price = offer["price"] or {"amount": None, "currency": None}
        row = [offer["provider"]["name"], offer["monetization"]]
        row += [_money(price["amount"]), price["currency"]]
        if full:
            provider = offer["provider"]
            row += [_pk(provider["id"]), provider["slug"], offer["quality"], offer["url"]]
        rows.append(tuple(row))
    return sorted(rows, key=repr)


def _pg_offers(offers: Json, full: bool) -> list[tuple[Any, ...]]:
    rows = []
    for offer in offers["nodes"]:
        provider = offer["providerByProviderId"]
        row = [provider["name"], offer["monetization"], _money(offer["price"]), offer["currency"]]
        if full:
            row += [provider["id"], provider["slug"], offer["quality"], offer["url"]]
        rows.append(tuple(row))
    return sorted(rows, key=repr)


def _rg_genres(genres: list[Json]) -> list[str]:
    return sorted(genre["name"] for genre in genres)


def _pg_genres(links: Json) -> list[str]:
    return sorted(link["genreByGenreId"]["name"] for link in links["nodes"])


def _rg_w1(data: Json) -> Json:
    title = data["title"]
    reviews = title["reviews"]
    return {
        "id": _pk(title["id"]),
        **{key: title[key] for key in ("slug", "name", "kind", "year", "releaseDate")},
        "contentRating": title["contentRating"],
        "runtimeMinutes": title["runtimeMinutes"],
        "synopsis": title["synopsis"]["full"],
        "genres": sorted((g["slug"], g["name"]) for g in title["genres"]),
        "credits": [
            (c["role"], c["character"], c["order"], _pk(c["person"]["id"]), c["person"]["name"])
            for c in _edges(title["credits"])
        ],
        "reviewCount": reviews["totalCount"],
        "reviews": [
            (_pk(r["id"]), r["reviewer"], r["publication"], r["rating"], r["publishedAt"])
            for r in _edges(reviews)
        ],
        "offers": _rg_offers(title["offers"], full=True),
    }


def _pg_w1(data: Json) -> Json:
    title = data["titleBySlug"]
    reviews = title["reviewsByTitleId"]
    return {
        "id": title["id"],
        **{key: title[key] for key in ("slug", "name", "kind", "year", "releaseDate")},
        "contentRating": title["contentRating"],
        "runtimeMinutes": title["runtimeMinutes"],
        "synopsis": title["synopsis"],
        "genres": sorted(
            (link["genreByGenreId"]["slug"], link["genreByGenreId"]["name"])
            for link in title["titleGenresByTitleId"]["nodes"]
        ),
        "credits": [
            (
                c["role"],
                c["character"],
                c["position"],
                c["personByPersonId"]["id"],
                c["personByPersonId"]["name"],
            )
            for c in title["creditsByTitleId"]["nodes"]
        ],
        "reviewCount": reviews["totalCount"],
        "reviews": [
            (r["id"], r["reviewer"], r["publication"], r["rating"], r["publishedAt"])
            for r in reviews["nodes"]
        ],
        "offers": _pg_offers(title["offersByTitleId"], full=True),
    }


def _rg_w2(data: Json) -> Json:
    return [
        (
            _pk(t["id"]),
            t["slug"],
            t["name"],
            t["year"],
            t["releaseDate"],
            _rg_genres(t["genres"]),
            [c["person"]["name"] for c in _edges(t["credits"])],
            _rg_offers(t["offers"], full=False),
            t["reviews"]["totalCount"],
            [(r["reviewer"], r["rating"]) for r in _edges(t["reviews"])],
        )
        for t in _edges(data["titles"])
    ]


def _pg_w2(data: Json) -> Json:
    return [
        (
            t["id"],
            t["slug"],
            t["name"],
            t["year"],
            t["releaseDate"],
            _pg_genres(t["titleGenresByTitleId"]),
            [c["personByPersonId"]["name"] for c in t["creditsByTitleId"]["nodes"]],
            _pg_offers(t["offersByTitleId"], full=False),
            t["reviewsByTitleId"]["totalCount"],
            [(r["reviewer"], r["rating"]) for r in t["reviewsByTitleId"]["nodes"]],
        )
        for t in data["allTitles"]["nodes"]
    ]


def _rg_w3(data: Json) -> Json:
    return [
        (
            _pk(t["id"]),
            t["slug"],
            t["name"],
            t["year"],
            _rg_genres(t["genres"]),
            _rg_offers(t["offers"], full=False),
        )
        for t in _edges(data["search"])
    ]


def _pg_w3(data: Json) -> Json:
    return [
        (
            t["id"],
            t["slug"],
            t["name"],
            t["year"],
            _pg_genres(t["titleGenresByTitleId"]),
            _pg_offers(t["offersByTitleId"], full=False),
        )
        for t in data["searchTitles"]["nodes"]
    ]


_REELGRAPH = {"w1": _rg_w1, "w2": _rg_w2, "w3": _rg_w3}
_POSTGRAPHILE = {"w1": _pg_w1, "w2": _pg_w2, "w3": _pg_w3}
