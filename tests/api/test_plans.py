"""Plans answer exactly as the reference resolvers do, on both engines.

Every document below is answered twice: by the reference resolvers (an app with
`COMPILED_QUERIES=false`, strawberry resolving each field's definition on its
own) and by its plan (one statement); the two response bodies must be the same
bytes. The documents cover every field of the v1 schema, aliases, fragments,
variables, cursors, filters, `node`, back-links and directives.
"""

import asyncio
import gc
import time
import weakref
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from api.core.context import Context
from api.core.ids import encode_id
from api.http.graphql_view import GraphQLEndpoint
from api.planning import plans as plans_module
from api.planning.reference import Batches
from seed.load import utc_today
from tests.conftest import StatementCounter
from tests.helpers import data

# Responses carry their request id: the same one on both sides, so bytes compare.
SAME_ID = {"X-Request-ID": "compared"}

WORKLOADS = Path(__file__).parents[2] / "bench" / "workloads"

TITLE_FIELDS = """
  __typename id slug name kind year releaseDate contentRating runtimeMinutes originalLanguage
  version audioLanguages subtitleLanguages criticRating availableToStream(region: "GB")
  synopsis {
    full teaser: truncated { text isTruncated }
    short: truncated(maxLength: 12, at: CHARACTER) { __typename isTruncated text }
  }
  genres { __typename slug name }
  reviews(first: 3) {
    __typename totalCount pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    edges { __typename cursor node { __typename id reviewer publication rating publishedAt
      body { full truncated(maxLength: 90, at: SENTENCE) { text isTruncated } } } }
  }
  credits(first: 4, roles: [CAST, DIRECTOR]) {
    totalCount pageInfo { hasNextPage endCursor }
    edges { cursor node { role character order person { __typename id slug name } } }
  }
  offers(region: "us") {
    __typename provider { __typename id slug name } region monetization quality
    price { __typename amount currency } url
  }
  rentOrBuy: offers(region: "US", monetizations: [RENT, BUY]) { monetization price { amount } }
  none: offers(region: "US", monetizations: []) { url }
"""

PAGE = """query Page($slug: String!, $n: Int, $max: Int!) {
  a: title(slug: $slug) { ...Card ... on Node { id } }
  b: title(slug: $slug) { name reviews(first: $n) { edges { node { body {
    truncated(maxLength: $max) { text } } } } } }
}
fragment Card on Title {
  name credits(first: $n) { edges { node { person { name } } } }
}"""

DOCUMENTS: list[tuple[str, dict[str, Any]]] = [
    ((WORKLOADS / "w1_title_page.graphql").read_text(), {"slug": "refusenik-2007"}),
    ((WORKLOADS / "w1_title_page.graphql").read_text(), {"slug": "no-such-title"}),
    ((WORKLOADS / "w2_browse.graphql").read_text(), {}),
    ((WORKLOADS / "w3_search.graphql").read_text(), {"text": "the"}),
    ((WORKLOADS / "w3_search.graphql").read_text(), {"text": "zzzzzz"}),
    *(
        (
            f"""{{ __typename titles(first: 100, orderBy: {order}) {{
                totalCount pageInfo {{ hasNextPage hasPreviousPage startCursor endCursor }}
                edges {{ cursor node {{ {TITLE_FIELDS} }} }} }} }}""",
            {},
        )
        for order in ("RELEASED_DESC", "RELEASED_ASC", "NAME_ASC", "CRITIC_RATING_DESC")
    ),
    (PAGE, {"slug": "refusenik-2007", "n": 2, "max": 30}),
    (
        "query($n: Int) { titles(first: $n) { edges { node { name } } } }",
        {"n": None},
    ),
    *(
        (
            f"""{{ titles(first: 60, filter: {title_filter}, orderBy: NAME_ASC) {{
                totalCount pageInfo {{ hasNextPage endCursor }}
                edges {{ cursor node {{ name kind year genres {{ slug }} }} }} }} }}""",
            {},
        )
        for title_filter in (
            '{genres: ["drama", "crime"], yearFrom: 1970, yearTo: 2010}',
            '{kind: SERIES, streamableIn: "gb"}',
            '{providers: ["netflix", "max"]}',
            '{streamableIn: "US", providers: ["hulu", "tubi"], kind: MOVIE}',
            '{genres: ["dra\'ma", "x\\\\y", ""]}',  # values are parameters, never SQL
            "{}",
        )
    ),
    (
        """query($after: String) { titles(first: 3, after: $after) {
          pageInfo { hasNextPage endCursor } edges { node { name } } } }""",
        {"after": None},
    ),
    (
        """{ genres { slug name } search(text: "river", first: 0) {
          totalCount pageInfo { hasNextPage startCursor endCursor } edges { node { slug } } }
          more: search(text: "the", first: 5) {
            pageInfo { endCursor } edges { cursor node { slug } } } }""",
        {},
    ),
    (
        "query($slug: String!) { person(slug: $slug) { __typename id slug name } }",
        {"slug": "no-such-person"},
    ),
]


DOCUMENTS += [
    (
        """query($id: ID!, $x: Boolean!) { node(id: $id) { __typename id
          ... on Title { name genres @include(if: $x) { name } }
          ... on Person { name credits(first: 3) { totalCount edges { node { role
            title { name offers(region: "US") { url } } } } } } } }""",
        {"id": encode_id(kind, pk), "x": x},
    )
    for kind, pk in (("Title", 1), ("Person", 1), ("Review", 1), ("Provider", 2), ("Genre", 1))
    for x in (True, False)
]
DOCUMENTS += [
    (
        """query($f: TitleFilter, $o: TitleOrder, $roles: [CreditRole!], $m: [Monetization!]) {
          titles(first: 7, filter: $f, orderBy: $o) { totalCount
            edges { cursor node { name credits(first: 2, roles: $roles) { totalCount
              edges { node { role person { slug } } } }
              offers(region: "gb", monetizations: $m) { monetization price { amount } } } } } }""",
        {"f": title_filter, "o": order, "roles": roles, "m": monetizations},
    )
    for title_filter, order, roles, monetizations in (
        (None, None, None, None),
        ({"genres": ["drama"], "yearFrom": 1990}, "NAME_ASC", ["CAST"], ["RENT", "BUY"]),
        ({"kind": "SERIES", "streamableIn": "US"}, "CRITIC_RATING_DESC", [], []),
        ({"providers": ["netflix"]}, "RELEASED_ASC", ["DIRECTOR", "WRITER"], ["FREE"]),
    )
]
DOCUMENTS += [
    (
        """{ reviews: search(text: "love") { edges { node { reviews(first: 2) { edges {
          node { id rating publishedAt title { slug } } } } } } } providers { slug name id }
          gb: providers(region: "GB") { slug } }""",
        {},
    )
]

# v2: series, the TV guide, images, external ids.
IMAGE_FIELDS = (
    "__typename kind width height language url small: url(width: 100) big: url(width: 10000)"
)
SEASON_PAGE = f"""query($slug: String!, $season: Int!, $n: Int, $after: String) {{
  title(slug: $slug) {{ name originalName status endYear
    externalIds {{ __typename imdb tmdb tvmaze wikidata }}
    poster {{ {IMAGE_FIELDS} }} images(first: 2) {{ kind url }}
    posters: images(kinds: [POSTER]) {{ url }}
    network {{ slug name timeZone logo {{ url }} }}
    seasons {{ __typename id number name premiereDate episodeCount synopsis {{ full }}
      poster {{ url }} title {{ slug }} }}
    episode(season: $season, number: 2) {{ id name season {{ number episodeCount }} }}
    nextEpisode {{ id seasonNumber number name airDate runtimeMinutes still {{ url }} }}
    upcomingAirings(region: "US", first: $n, after: $after) {{ totalCount
      pageInfo {{ hasNextPage hasPreviousPage startCursor endCursor }}
      edges {{ cursor node {{ __typename id startsAt endsAt isLive isNew isPremiere
        channel {{ slug }} episode {{ number title {{ slug }} }} }} }} }}
    credits(first: 2) {{ edges {{ node {{ person {{ name birthYear deathYear
      photo {{ url(width: 200) }} externalIds {{ imdb }} }} }} }} }}
    offers(region: "US") {{ provider {{ slug logo {{ kind url }} }} }} }} }}"""
TONIGHT = """query($region: String!, $day: Date!, $zone: String!, $channels: [String!], $first: Int,
  $after: String, $width: Int) {
  channels(region: $region) { id slug name region timeZone logo { url(width: $width) } }
  schedule(region: $region, day: $day, timeZone: $zone, channels: $channels, first: $first,
           after: $after) {
    __typename totalCount pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    edges { __typename cursor node { id startsAt endsAt isNew
      channel { slug timeZone }
      title { slug kind poster { url(width: $width) } }
      episode { id number seasonNumber name season { id number } } } } } }"""
CHANNEL_DAY = """query($slug: String!, $day: Date!, $n: Int) { channel(slug: $slug) {
  id slug name logo { kind url }
  schedule(day: $day, first: $n) { totalCount pageInfo { endCursor hasNextPage }
    edges { cursor node { startsAt title { name } channel { id } } } } } }"""
SEASON_NODE = """query($id: ID!) { node(id: $id) { __typename id
  ... on Season { number episodeCount episodes(first: 3) { totalCount pageInfo { endCursor }
    edges { cursor node { id number name airDate season { id } title { slug } } } } }
  ... on Episode { name seasonNumber still { url }
    credits(first: 2) { totalCount edges { cursor node { role person { slug } } } } }
  ... on Channel { slug logo { url } }
  ... on Airing { startsAt channel { slug } } } }"""

DOCUMENTS += [
    (SEASON_PAGE, {"slug": slug, "season": season, "n": n, "after": None})
    for slug, season, n in (
        ("i-love-lucy-1951", 2, 3),
        ("refusenik-2007", 1, None),
        ("breaking-bad-2008", 5, 2),
        ("no-such-title", 1, 1),
    )
]
DOCUMENTS += [
    (
        TONIGHT,
        {
            "region": region,
            "day": day,
            "zone": zone,
            "channels": channels,
            "first": first,
            "after": None,
            "width": width,
        },
    )
    for region, day, zone, channels, first, width in (
        ("US", utc_today().isoformat(), "America/New_York", None, 30, 300),
        ("GB", utc_today().isoformat(), "Europe/London", ["reel-one-uk"], 5, None),
        ("DE", (utc_today() + timedelta(days=1)).isoformat(), "Asia/Tokyo", [], 3, 50),
        ("IS", utc_today().isoformat(), "UTC", None, None, None),
        ("US", "2026-03-08", "America/New_York", None, 100, 1),
    )
]
DOCUMENTS += [
    (CHANNEL_DAY, {"slug": slug, "day": utc_today().isoformat(), "n": n})
    for slug, n in (("reel-one-east", 4), ("eiga-classic", None), ("no-such-channel", 1))
]
DOCUMENTS += [
    (
        """{ titles(first: 30, filter: {kind: SERIES}) { edges { node { slug
          images(first: 1) { kind url } two: images(first: 2, kinds: [POSTER, BACKDROP]) { url }
          seasons { number poster { url } } } } } }""",
        {},
    )
]
# Guest credits are `Credit`s read from another table: a fragment spread under both
# a title's and an episode's credits reads each from its own.
GUESTS = """query($slug: String!, $first: Int, $roles: [CreditRole!]) { title(slug: $slug) {
  credits(first: 3) { edges { node { ...Billed } } }
  seasons { number episodes(first: 4) { edges { node { number
    credits(first: $first, roles: $roles) { totalCount
      pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
      edges { cursor node { ...Billed title { slug } } } } } } } } } }
fragment Billed on Credit { __typename role character order person { slug name } }"""
DOCUMENTS += [
    (GUESTS, {"slug": slug, "first": first, "roles": roles})
    for slug, first, roles in (
        ("i-love-lucy-1951", None, None),
        ("breaking-bad-2008", 1, ["CAST"]),
        ("breaking-bad-2008", 2, []),
        ("i-love-lucy-1951", 0, ["DIRECTOR", "WRITER"]),
        ("refusenik-2007", 3, None),
    )
]
DOCUMENTS += [
    (SEASON_NODE, {"id": encode_id(kind, pk)})
    for kind, pk in (("Season", 1), ("Episode", 2), ("Channel", 3), ("Airing", 4), ("Season", 0))
]


# v2: where to watch in depth.
OFFER_FIELDS = """__typename provider { slug } region monetization quality season url
  price { amount currency } availableFrom availableUntil lastCheckedAt
  audioLanguages subtitleLanguages links { __typename platform url }
  web: link ios: link(platform: IOS) tv: link(platform: $platform)
  previousPrice { amount currency } priceChangedAt
  priceHistory { __typename price { amount } from until } two: priceHistory(first: $n) { from }"""
WHERE_TO_WATCH = f"""query($slug: String!, $regions: [String!]!, $m: [Monetization!],
  $audio: String, $subtitle: String, $quality: VideoQuality, $platform: Platform!, $n: Int) {{
  title(slug: $slug) {{
    offersIn(regions: $regions, monetizations: $m) {{ __typename region availableToStream
      offers {{ {OFFER_FIELDS} }} }}
    offers(region: "US", audioLanguage: $audio, subtitleLanguage: $subtitle,
           minQuality: $quality) {{ {OFFER_FIELDS} }} }} }}"""
CHANGES = """query($region: String!, $since: DateTime!, $until: DateTime,
  $kinds: [AvailabilityChangeKind!], $providers: [String!], $first: Int, $after: String) {
  availabilityChanges(region: $region, since: $since, until: $until, kinds: $kinds,
                      providers: $providers, first: $first, after: $after) {
    __typename totalCount pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    edges { __typename cursor node { __typename kind at previousPrice { amount currency }
      title { slug name } offer { provider { slug } monetization price { amount }
        availableUntil links { platform } } } } } }"""
_DAYS = (utc_today() - timedelta(days=8)).isoformat()
SEASON_OFFERS = """query($slug: String!, $m: [Monetization!]) { title(slug: $slug) {
  seasons { number offers(region: "US", monetizations: $m) { season url }
    episodes(first: 2) { edges { node { number
      offers(region: "gb", monetizations: $m) { season provider { slug } price { amount } } } } } }
  episode(season: 1, number: 1) { offers(region: "US") { monetization links { url } } } } }"""
DOCUMENTS += [
    (SEASON_OFFERS, {"slug": slug, "m": monetizations})
    for slug, monetizations in (
        ("i-love-lucy-1951", None),
        ("breaking-bad-2008", ["RENT", "BUY"]),
        ("refusenik-2007", []),
    )
]
DOCUMENTS += [
    (
        WHERE_TO_WATCH,
        {
            "slug": slug,
            "regions": regions,
            "m": monetizations,
            "audio": audio,
            "subtitle": subtitle,
            "quality": quality,
            "platform": platform,
            "n": n,
        },
    )
    for slug, regions, monetizations, audio, subtitle, quality, platform, n in (
        ("refusenik-2007", ["US", "GB", "de", "FR", "JP"], None, None, None, None, "IOS", 2),
        ("refusenik-2007", ["US"], ["RENT", "BUY"], "en", "he", "HD", "ROKU", 1),
        ("i-love-lucy-1951", ["CA", "US", "IS"], [], "es", None, "SD", "ANDROID", None),
        ("breaking-bad-2008", ["US", "GB"], ["SUBSCRIPTION"], None, "fr", "UHD", "WEB", 0),
        ("no-such-title", ["US"], None, None, None, None, "WEB", 1),
    )
]
DOCUMENTS += [
    (
        CHANGES,
        {
            "region": region,
            "since": f"{_DAYS}T00:00:00Z",
            "until": until,
            "kinds": kinds,
            "providers": providers,
            "first": first,
            "after": None,
        },
    )
    for region, until, kinds, providers, first in (
        ("US", None, None, None, 100),
        ("us", None, ["PRICE_DROP"], None, 5),
        ("GB", "2099-01-01T00:00:00Z", ["LEAVING", "COMING"], None, None),
        ("DE", "2099-01-01T00:00:00+02:00", None, ["netflix", "apple-tv"], 50),
        ("IS", None, [], None, 10),
    )
]


async def _cursors_after(client: httpx.AsyncClient, order: str) -> list[str]:
    query = f"{{ titles(first: 40, orderBy: {order}) {{ edges {{ cursor }} }} }}"
    body = (await client.post("/graphql", json={"query": query})).json()
    return [edge["cursor"] for edge in body["data"]["titles"]["edges"]][::13]


@pytest.mark.parametrize(("query", "variables"), DOCUMENTS)
async def test_a_plan_answers_the_same_bytes_as_the_reference_resolvers(
    client: httpx.AsyncClient,
    reference_client: httpx.AsyncClient,
    query: str,
    variables: dict[str, Any],
) -> None:
    payload = {"query": query, "variables": variables}
    expected = await reference_client.post("/graphql", json=payload, headers=SAME_ID)
    for _ in range(2):  # the plan is built by the first request and reused by the second
        planned = await client.post("/graphql", json=payload, headers=SAME_ID)
        assert planned.content == expected.content


@pytest.mark.parametrize(
    "order", ["RELEASED_DESC", "RELEASED_ASC", "NAME_ASC", "CRITIC_RATING_DESC"]
)
async def test_pages_after_a_cursor_are_planned_the_same_as_the_reference(
    client: httpx.AsyncClient, reference_client: httpx.AsyncClient, order: str
) -> None:
    query = """query($after: String, $o: TitleOrder) {
      titles(first: 5, after: $after, orderBy: $o) {
      pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
      edges { cursor node { name year releaseDate criticRating } } } }"""
    for after in await _cursors_after(reference_client, order):
        payload = {"query": query, "variables": {"after": after, "o": order}}
        expected = await reference_client.post("/graphql", json=payload, headers=SAME_ID)
        planned = await client.post("/graphql", json=payload, headers=SAME_ID)
        assert planned.content == expected.content


def _fan_out(levels: int) -> str:
    """~1 KB: fragment F0 spreads F1 twice, F1 spreads F2 twice... (2^levels paths)."""
    fragments = " ".join(
        f"fragment F{i} on Title {{ ...F{i + 1} ...F{i + 1} }}" for i in range(levels)
    )
    leaf = f"fragment F{levels} on Title {{ name }}"
    return f'{{ title(slug: "refusenik-2007") {{ ...F0 }} }} {fragments} {leaf}'


async def test_fragments_spreading_the_next_twice_are_planned_once_each(
    client: httpx.AsyncClient,
) -> None:
    """Re-expanding each spread made 24 levels take 29 s of one blocked event loop;
    collected once per fragment, planning is linear. The bound is a complexity guard
    (seconds against hours), not a speed measurement."""

    async def healthy_after() -> float:
        started = time.monotonic()
        assert (await client.get("/healthz")).status_code == 200
        return time.monotonic() - started

    started = time.monotonic()
    answer, waited = await asyncio.gather(
        client.post("/graphql", json={"query": _fan_out(24)}), healthy_after()
    )
    assert answer.json()["data"] == {"title": {"name": "Refusenik"}}
    assert time.monotonic() - started < 2
    assert waited < 2


async def test_availability_change_pages_after_a_cursor_are_planned_the_same(
    client: httpx.AsyncClient, reference_client: httpx.AsyncClient
) -> None:
    variables: dict[str, Any] = {"region": "US", "since": f"{_DAYS}T00:00:00Z", "first": 7}
    variables |= {"until": "2099-01-01T00:00:00Z"}
    after = None
    for _ in range(4):
        payload = {"query": CHANGES, "variables": variables | {"after": after}}
        expected = await reference_client.post("/graphql", json=payload, headers=SAME_ID)
        planned = await client.post("/graphql", json=payload, headers=SAME_ID)
        assert planned.content == expected.content
        page = expected.json()["data"]["availabilityChanges"]
        assert page["edges"]
        after = page["pageInfo"]["endCursor"]


async def test_the_bench_title_page_with_offers_in_five_regions_is_one_statement(
    client: httpx.AsyncClient,
    reference_client: httpx.AsyncClient,
    count_statements: StatementCounter,
) -> None:
    """The bench's W11: W1's page, where to watch asked through `offersIn` for five
    regions (the synthetic catalogue's), one of them without offers here."""
    regions = ["US", "GB", "CA", "DE", "FR"]
    variables = {"slug": "the-wizard-of-oz-1939", "regions": regions}
    payload = {"query": (WORKLOADS / "w11_title_page_regions.graphql").read_text()}
    payload["variables"] = variables
    expected = await reference_client.post("/graphql", json=payload, headers=SAME_ID)
    await client.post("/graphql", json=payload)  # the document's plan is learned
    count_statements.statements.clear()
    planned = await client.post("/graphql", json=payload, headers=SAME_ID)
    assert len(count_statements) == 1, count_statements.statements
    assert planned.content == expected.content
    entries = expected.json()["data"]["title"]["offersIn"]
    assert [(entry["region"], bool(entry["offers"])) for entry in entries] == [
        ("CA", True),
        ("DE", True),
        ("FR", True),
        ("GB", False),
        ("US", True),
    ]
    assert any(len(offer["links"]) > 1 for entry in entries for offer in entry["offers"])


async def test_a_total_count_alone_reads_no_page(
    client: httpx.AsyncClient,
    reference_client: httpx.AsyncClient,
    count_statements: StatementCounter,
) -> None:
    query = """{ title(slug: "refusenik-2007") {
      reviews(first: 1) { totalCount } credits(first: 2) { __typename totalCount } } }"""
    payload = {"query": query}
    expected = await reference_client.post("/graphql", json=payload, headers=SAME_ID)
    await client.post("/graphql", json=payload)  # the document's plan is learned
    count_statements.statements.clear()
    planned = await client.post("/graphql", json=payload, headers=SAME_ID)
    assert planned.content == expected.content
    assert expected.json()["data"]["title"]["reviews"]["totalCount"] > 0
    [statement] = count_statements.statements
    assert "_page" not in statement and "count(" in statement


async def test_the_reference_reads_region_entries_of_its_titles_only(
    reference_client: httpx.AsyncClient, count_statements: StatementCounter
) -> None:
    """A region entry's id is computed over titles x regions x monetizations: read by
    ids alone, the database derives every title's entries (seconds at 20,000 titles)."""
    query = """{ title(slug: "the-wizard-of-oz-1939") {
      offersIn(regions: ["US", "DE"]) { availableToStream offers { url } } } }"""
    response = await reference_client.post("/graphql", json={"query": query})
    assert response.json()["data"]["title"]["offersIn"][0]["offers"]
    statements = count_statements.statements
    by_entry = [s for s in statements if "monetization_masks" in s and ") AS parent" in s]
    assert len(by_entry) == 2  # availableToStream, offers
    assert all("parent.title_id IN" in statement for statement in by_entry), by_entry


async def test_an_unfiltered_page_has_its_size_written_into_the_statement(
    client: httpx.AsyncClient,
    reference_client: httpx.AsyncClient,
    count_statements: StatementCounter,
) -> None:
    """Then PostgreSQL can keep one generic plan for it; a page whose rows depend on
    bound values (a filter, a cursor) keeps its size bound, so each request is planned
    with its own values."""
    cards = "query($n: Int) { titles(first: $n) { edges { node { slug } } } }"
    filtered = """query($n: Int, $g: [String!]) {
      titles(first: $n, filter: {genres: $g}) { edges { node { slug } } } }"""
    statements = {}
    for name, query, variables in [
        ("cards of 3", cards, {"n": 3}),
        ("cards of 4", cards, {"n": 4}),
        ("filtered", filtered, {"n": 3, "g": ["drama"]}),
    ]:
        payload = {"query": query, "variables": variables}
        expected = await reference_client.post("/graphql", json=payload, headers=SAME_ID)
        count_statements.statements.clear()
        planned = await client.post("/graphql", json=payload, headers=SAME_ID)
        assert planned.content == expected.content
        assert len(data(planned.json())["titles"]["edges"]) == variables["n"]
        [statements[name]] = count_statements.statements
    assert "LIMIT 4" in statements["cards of 3"] and "LIMIT 5" in statements["cards of 4"]
    assert "LIMIT 4" not in statements["filtered"]


async def test_a_person_page_orders_credits_by_their_titles_joined_once(
    client: httpx.AsyncClient,
    reference_client: httpx.AsyncClient,
    count_statements: StatementCounter,
) -> None:
    """Newest title first: the title's year comes from a join, not from a subquery run
    per credit and per use; totalCount counts credits without it."""
    payload = {
        "query": (WORKLOADS / "w8_person.graphql").read_text(),
        "variables": {"slug": "steven-spielberg"},
    }
    expected = await reference_client.post("/graphql", json=payload, headers=SAME_ID)
    count_statements.statements.clear()
    planned = await client.post("/graphql", json=payload, headers=SAME_ID)
    assert planned.content == expected.content
    assert expected.json()["data"]["person"]["credits"]["totalCount"] > 1
    [statement] = count_statements.statements
    assert statement.count("JOIN titles AS credit_title") == 1


async def test_a_page_size_from_a_variable_is_measured_once_per_size(
    client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    walked: list[object] = []
    real_walker = plans_module.Walker

    def counting_walker(*args: Any) -> Any:
        walked.append(args[-1])
        return real_walker(*args)

    monkeypatch.setattr(plans_module, "Walker", counting_walker)
    query = "query($n: Int) { titles(first: $n) { edges { node { slug genres { slug } } } } }"
    costs = []
    for n in (3, 3, 4, 3):
        body = (await client.post("/graphql", json={"query": query, "variables": {"n": n}})).json()
        assert len(data(body)["titles"]["edges"]) == n
        costs.append(body["extensions"]["cost"]["requestedNodes"])
    assert walked == [{"n": 3}, {"n": 4}]
    assert costs[0] == costs[1] == costs[3] < costs[2]


async def test_statements_whose_root_fields_find_rows_by_key_are_marked_so(
    client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What the driver runs on PostgreSQL's generic plan: lookups, however deep their
    lists; never a statement with a list or page at its root."""
    marks: list[bool] = []
    real_fetch_text = plans_module.fetch_text

    async def recording(*args: Any) -> str:
        marks.append(args[-1])
        return await real_fetch_text(*args)

    monkeypatch.setattr(plans_module, "fetch_text", recording)
    title = '{ title(slug: "the-wizard-of-oz-1939") { name credits(first: 3) { totalCount } } }'
    node = f'{{ node(id: "{encode_id("Title", 1)}") {{ id }} }}'
    page = "{ titles(first: 2) { edges { node { slug } } } }"
    mixed = '{ title(slug: "the-wizard-of-oz-1939") { name } titles(first: 1) { totalCount } }'
    search = '{ search(text: "oz", first: 2) { edges { node { slug } } } }'
    for query in (title, node, page, mixed, search):
        body = (await client.post("/graphql", json={"query": query})).json()
        assert "errors" not in body, body
    assert marks == [True, True, False, False, False]


async def test_a_kept_plan_holds_its_sql_not_the_expression_it_was_compiled_from(
    client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    compiled: list[weakref.ref[Any]] = []

    class Recording(plans_module.Planner):
        def plan(self) -> Any:
            statement = super().plan()
            compiled.append(weakref.ref(statement.select))
            return statement

    monkeypatch.setattr(plans_module, "Planner", Recording)
    query = '{ a: title(slug: "refusenik-2007") { id } b: title(slug: "refusenik-2007") { id } }'
    for _ in range(2):  # the second request runs the kept plan
        body = (await client.post("/graphql", json={"query": query})).json()
        assert data(body)["a"] == data(body)["b"] is not None
    gc.collect()
    [expression] = compiled
    assert expression() is None


async def test_a_resolved_requests_rows_are_freed_when_it_is_answered(
    reference_client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Not at the cyclic collector's next full run: the request's context is in cycles."""
    batches: list[weakref.ref[Batches]] = []
    real_get_context = GraphQLEndpoint.get_context

    async def recording(self: GraphQLEndpoint, *args: Any, **kwargs: Any) -> Context:
        context = await real_get_context(self, *args, **kwargs)
        batches.append(weakref.ref(context.batches))
        return context

    monkeypatch.setattr(GraphQLEndpoint, "get_context", recording)
    query = '{ title(slug: "refusenik-2007") { genres { name } credits(first: 2) { totalCount } } }'
    gc.disable()
    try:
        body = (await reference_client.post("/graphql", json={"query": query})).json()
        assert data(body)["title"]["genres"]
        [request_batches] = batches
        assert request_batches() is None
    finally:
        gc.enable()
