"""The workloads: their documents per server flavour, their variables, and
equivalence checks.

W1-W3 send one fixed request each; W4-W11 are shaped like real clients: every
request draws its variables at random (in wrk's Lua, bench/post.lua) from a list
built for each target (bench/variants.py). Each response is reduced to a
canonical form holding the data both servers must agree on (ids, slugs, names,
counts, order where both define the same order); `check_equivalent` fails loudly
on any difference.
"""

import base64
import difflib
import json
import pprint
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from graphql import FieldNode, NameNode, parse, print_ast, visit
from graphql.language import ArgumentNode, Visitor

BENCH = Path(__file__).resolve().parent
SEARCH_TEXT = "river"  # a noun of the synthetic title names: hundreds of matches
# W11's regions: those of the synthetic catalogue's offers (seed/synthetic.py), each
# title having offers in four of them, so every page has an empty region too.
REGIONS = ("US", "GB", "CA", "DE", "FR")
# What Reelgraph's RegionOffers.availableToStream counts (models.STREAMING_MONETIZATIONS).
STREAMING = ("SUBSCRIPTION", "FREE", "ADS")

Json = Any
# Flavours that speak PostGraphile's schema (v5's differs in naming only: `v5_document`).
POSTGRAPHILE = ("postgraphile", "postgraphile5")


@dataclass(frozen=True)
class Workload:
    key: str
    name: str
    file: str
    # The list its requests draw their variables from (bench/variants.py); None: W1-W3's
    # one fixed request.
    varies: str | None = None
    root_fields: int = 1

    def document(self, flavour: str) -> str:
        folder = "postgraphile" if flavour in POSTGRAPHILE else "workloads"
        text = (BENCH / folder / self.file).read_text()
        return v5_document(text) if flavour == "postgraphile5" else text

    def body(self, flavour: str, variables: Json) -> bytes:
        return json.dumps({"query": self.document(flavour), "variables": variables}).encode()


WORKLOADS = (
    Workload("w1", "W1 title page", "w1_title_page.graphql"),
    Workload("w2", "W2 browse", "w2_browse.graphql"),
    Workload("w3", "W3 search", "w3_search.graphql"),
    Workload("w4", "W4 title pages (1,000 slugs)", "w1_title_page.graphql", "slugs"),
    Workload("w5", "W5 browse pages 2-20", "w5_browse_pages.graphql", "pages"),
    Workload("w6", "W6 browse by genre and years", "w6_browse_filtered.graphql", "filters"),
    Workload("w7", "W7 node", "w7_node.graphql", "node_ids"),
    Workload("w8", "W8 person page", "w8_person.graphql", "people"),
    Workload("w9", "W9 @include", "w9_include.graphql", "teasers"),
    Workload("w10", "W10 mobile cards", "w10_mobile.graphql", "page_sizes"),
    Workload(
        "w11",
        "W11 title pages with offers in 5 regions",
        "w11_title_page_regions.graphql",
        "regional_slugs",
    ),
)
# The one fixed request of each of W1-W3.
FIXED_VARIABLES = {"w1": "slug", "w2": None, "w3": "text"}
# What the scale run (bench/run.py --scale-titles) repeats on the larger catalogue.
SCALE_WORKLOADS = tuple(workload for workload in WORKLOADS if workload.key in ("w1", "w3"))


def v5_document(document: str) -> str:
    """A PostGraphile 4 document in PostGraphile 5's naming (amber preset): there
    `id` is the global node id (v4's `nodeId`), `rowId` the primary key (v4's `id`),
    and `node` takes `id`. Aliases keep the answer's shape v4's."""

    class Rename(Visitor):
        def enter_field(self, node: FieldNode, *_: Any) -> FieldNode | None:
            renamed = {"id": "rowId", "nodeId": "id"}.get(node.name.value)
            arguments = node.arguments
            if node.name.value == "node":
                arguments = tuple(
                    ArgumentNode(name=NameNode(value="id"), value=argument.value)
                    if argument.name.value == "nodeId"
                    else argument
                    for argument in node.arguments or ()
                )
                return FieldNode(
                    alias=node.alias,
                    name=node.name,
                    arguments=arguments,
                    directives=node.directives,
                    selection_set=node.selection_set,
                )
            if renamed is None or node.alias is not None:
                return None
            return FieldNode(
                alias=node.name,
                name=NameNode(value=renamed),
                arguments=arguments,
                directives=node.directives,
                selection_set=node.selection_set,
            )

    return print_ast(visit(parse(document), Rename()))


class NotEquivalent(Exception):
    pass


def data_of(response: Json, what: str) -> Json:
    if "errors" in response or not response.get("data"):
        raise NotEquivalent(f"{what} answered errors: {json.dumps(response)[:2000]}")
    return response["data"]


def canonical(workload: str, flavour: str, response: Json) -> Json:
    data = data_of(response, flavour)
    if flavour in POSTGRAPHILE:
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
    """Reelgraph's Relay ids are unpadded urlsafe base64 of "Type:pk" (api/core/ids.py)."""
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
        if "links" in offer:
            row.append(sorted((link["platform"], link["url"]) for link in offer["links"]))
        rows.append(tuple(row))
    return sorted(rows, key=repr)


def _pg_offers(offers: Json, full: bool) -> list[tuple[Any, ...]]:
    rows = []
    for offer in filter(_available_now, offers["nodes"]):
        provider = offer["providerByProviderId"]
        row = [provider["name"], offer["monetization"], _money(offer["price"]), offer["currency"]]
        if full:
            row += [provider["id"], provider["slug"], offer["quality"], offer["url"]]
        if "offerLinksByOfferId" in offer:
            links = offer["offerLinksByOfferId"]["nodes"]
            row.append(sorted((link["platform"], link["url"]) for link in links))
        rows.append(tuple(row))
    return sorted(rows, key=repr)


def _available_now(offer: Json) -> bool:
    """Reelgraph hides offers outside their availability window (some curated ones);
    PostGraphile filters by region only, so where its document asks for the window,
    the check drops what Reelgraph would not show."""
    now = datetime.now(UTC)
    start, end = offer.get("availableFrom"), offer.get("availableUntil")
    return (start is None or datetime.fromisoformat(start) <= now) and (
        end is None or datetime.fromisoformat(end) > now
    )


def _rg_genres(genres: list[Json]) -> list[str]:
    return sorted(genre["name"] for genre in genres)


def _pg_genres(links: Json) -> list[str]:
    return sorted(link["genreByGenreId"]["name"] for link in links["nodes"])


def _rg_page(title: Json) -> Json:
    """A title page (W1, W11) but its offers."""
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
    }


def _rg_w1(data: Json) -> Json:
    title = data["title"]
    return _rg_page(title) | {"offers": _rg_offers(title["offers"], full=True)}


def _pg_page(title: Json) -> Json:
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
    }


def _pg_w1(data: Json) -> Json:
    title = data["titleBySlug"]
    return _pg_page(title) | {"offers": _pg_offers(title["offersByTitleId"], full=True)}


def _rg_w11(data: Json) -> Json:
    title = data["title"]
    entries = [
        (entry["region"], entry["availableToStream"], _rg_offers(entry["offers"], full=True))
        for entry in title["offersIn"]
    ]
    return _rg_page(title) | {"offersIn": entries}


def _pg_w11(data: Json) -> Json:
    """PostGraphile answers one list of the regions' offers: grouped here into Reelgraph's
    entries, one per region asked for, by region code."""
    title = data["titleBySlug"]
    offers = title["offersIn"]["nodes"]
    entries = []
    for region in sorted({*REGIONS, *(offer["region"] for offer in offers)}):
        here = [offer for offer in offers if offer["region"] == region]
        streamable = any(offer["monetization"] in STREAMING for offer in here)
        entries.append((region, streamable, _pg_offers({"nodes": here}, full=True)))
    return _pg_page(title) | {"offersIn": entries}


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


def _rg_w7(data: Json) -> Json:
    node = data["node"]
    if node is None:
        return None
    row: tuple[Any, ...] = (node["__typename"], _pk(node["id"]), node["slug"], node["name"])
    if node["__typename"] == "Title":
        row += (node["year"], node["kind"], _rg_genres(node["genres"]))
    return row


def _pg_w7(data: Json) -> Json:
    node = data["node"]
    if node is None:
        return None
    row: tuple[Any, ...] = (node["__typename"], node["id"], node["slug"], node["name"])
    if node["__typename"] == "Title":
        row += (node["year"], node["kind"], _pg_genres(node["titleGenresByTitleId"]))
    return row


def _named(title: Json) -> tuple[Any, ...]:
    return title["slug"], title["name"], title["year"]


def _pg_titled(title: Json) -> tuple[Any, ...]:
    return title["id"], *_named(title)


def _rg_w8(data: Json) -> Json:
    person = data["person"]
    credits = person["credits"]
    return {
        "person": (_pk(person["id"]), person["slug"], person["name"]),
        "count": credits["totalCount"],
        "credits": [
            (c["role"], c["character"], c["order"], _pk(c["title"]["id"]), *_named(c["title"]))
            for c in _edges(credits)
        ],
    }


def _pg_w8(data: Json) -> Json:
    person = data["personBySlug"]
    credits = person["filmography"]
    return {
        "person": (person["id"], person["slug"], person["name"]),
        "count": credits["totalCount"],
        "credits": [
            (c["role"], c["character"], c["position"], *_pg_titled(c["titleByTitleId"]))
            for c in credits["nodes"]
        ],
    }


def _rg_w9(data: Json) -> Json:
    title = data["title"]
    credits, reviews = title.get("credits"), title.get("reviews")
    return {
        "title": (_pk(title["id"]), title["slug"], title["name"], title["year"]),
        "genres": _rg_genres(title["genres"]),
        "credits": None
        if credits is None
        else [(c["role"], c["person"]["name"]) for c in _edges(credits)],
        "reviews": None
        if reviews is None
        else (reviews["totalCount"], [(r["reviewer"], r["rating"]) for r in _edges(reviews)]),
    }


def _pg_w9(data: Json) -> Json:
    title = data["titleBySlug"]
    credits, reviews = title.get("creditsByTitleId"), title.get("reviewsByTitleId")
    return {
        "title": (title["id"], title["slug"], title["name"], title["year"]),
        "genres": _pg_genres(title["titleGenresByTitleId"]),
        "credits": None
        if credits is None
        else [(c["role"], c["personByPersonId"]["name"]) for c in credits["nodes"]],
        "reviews": None
        if reviews is None
        else (reviews["totalCount"], [(r["reviewer"], r["rating"]) for r in reviews["nodes"]]),
    }


def _rg_w10(data: Json) -> Json:
    return [
        (
            _pk(t["id"]),
            *(t[key] for key in ("slug", "name", "year", "kind", "runtimeMinutes")),
            t["contentRating"],
            sorted(genre["slug"] for genre in t["genres"]),
            t["reviews"]["totalCount"],
            sorted(offer["provider"]["slug"] for offer in t["offers"]),
        )
        for t in _edges(data["titles"])
    ]


def _pg_w10(data: Json) -> Json:
    return [
        (
            t["id"],
            *(t[key] for key in ("slug", "name", "year", "kind", "runtimeMinutes")),
            t["contentRating"],
            sorted(link["genreByGenreId"]["slug"] for link in t["titleGenresByTitleId"]["nodes"]),
            t["reviewsByTitleId"]["totalCount"],
            sorted(o["providerByProviderId"]["slug"] for o in t["offersByTitleId"]["nodes"]),
        )
        for t in data["allTitles"]["nodes"]
    ]


def _pg_w6(data: Json) -> Json:
    return _pg_w2({"allTitles": data["browseTitles"]})


_REELGRAPH = {
    "w1": _rg_w1,
    "w2": _rg_w2,
    "w3": _rg_w3,
    "w4": _rg_w1,
    "w5": _rg_w2,
    "w6": _rg_w2,
    "w7": _rg_w7,
    "w8": _rg_w8,
    "w9": _rg_w9,
    "w10": _rg_w10,
    "w11": _rg_w11,
}
_POSTGRAPHILE = {
    "w1": _pg_w1,
    "w2": _pg_w2,
    "w3": _pg_w3,
    "w4": _pg_w1,
    "w5": _pg_w2,
    "w6": _pg_w6,
    "w7": _pg_w7,
    "w8": _pg_w8,
    "w9": _pg_w9,
    "w10": _pg_w10,
    "w11": _pg_w11,
}
