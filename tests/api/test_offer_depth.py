"""Where to watch in depth: seasons and qualities, languages, deep links, prices,
offers in several regions at once."""

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from api.core.ids import encode_id
from models import Episode, Monetization, Season
from tests.conftest import StatementCounter
from tests.factories import make_offer, make_title
from tests.helpers import GraphQL, data, error_codes

UPSERT = """mutation($id: ID!, $input: OfferInput!) { upsertOffer(titleId: $id, input: $input) {
  season quality audioLanguages subtitleLanguages url links { platform url }
  lastCheckedAt price { amount } previousPrice { amount } priceChangedAt
  priceHistory { price { amount currency } from until } } }"""
REMOVE = """mutation($id: ID!, $season: Int, $quality: VideoQuality) { removeOffer(titleId: $id,
  provider: "netflix", region: "US", monetization: SUBSCRIPTION, season: $season,
  quality: $quality) }"""
OFFERS = """query($slug: String!, $region: String!, $audio: String, $subtitle: String,
  $quality: VideoQuality) { title(slug: $slug) {
  offers(region: $region, audioLanguage: $audio, subtitleLanguage: $subtitle,
         minQuality: $quality) {
    provider { slug } season quality audioLanguages subtitleLanguages url
    links { platform url } web: link ios: link(platform: IOS) roku: link(platform: ROKU)
    lastCheckedAt price { amount currency } previousPrice { amount currency } priceChangedAt
    priceHistory { price { amount } from until } latest: priceHistory(first: 1) { from } } } }"""


def _offer(**changes: Any) -> dict[str, Any]:
    return {
        "provider": "netflix",
        "region": "US",
        "monetization": "SUBSCRIPTION",
        "url": "https://www.netflix.com/title/80057281",
    } | changes


async def _upsert(graphql: GraphQL, key: str, title_id: str, **changes: Any) -> dict[str, Any]:
    body = await graphql(UPSERT, {"id": title_id, "input": _offer(**changes)}, key=key)
    return dict(data(body)["upsertOffer"])


async def _offers(graphql: GraphQL, slug: str, region: str = "US", **filters: Any) -> Any:
    return data(await graphql(OFFERS, {"slug": slug, "region": region, **filters}))["title"][
        "offers"
    ]


async def _series(sessions: async_sessionmaker[AsyncSession]) -> tuple[Any, str]:
    title = await make_title(sessions)
    async with sessions() as session, session.begin():
        session.add_all(Season(title_id=title.id, number=n) for n in (1, 2))
    return title, encode_id("Title", title.id)


async def test_an_offer_shows_its_season_languages_links_and_last_check(
    graphql: GraphQL, sessions: async_sessionmaker[AsyncSession], editor_key: str
) -> None:
    title, title_id = await _series(sessions)
    before = datetime.now(UTC)
    written = await _upsert(
        graphql,
        editor_key,
        title_id,
        season=2,
        quality="HD",
        audioLanguages=["en", "pt-BR"],
        subtitleLanguages=["es"],
        links=[
            {"platform": "IOS", "url": "nflx://www.netflix.com/title/80057281"},
            {"platform": "WEB", "url": "https://www.netflix.com/title/80057281"},
            {"platform": "ANDROID_TV", "url": "nflx://www.netflix.com/title/80057281"},
        ],
    )
    assert written["season"] == 2 and written["quality"] == "HD"
    [offer] = await _offers(graphql, title.slug)
    assert offer["season"] == 2
    assert offer["audioLanguages"] == ["en", "pt-BR"] and offer["subtitleLanguages"] == ["es"]
    assert offer["links"] == [
        {"platform": "WEB", "url": offer["url"]},
        {"platform": "IOS", "url": "nflx://www.netflix.com/title/80057281"},
        {"platform": "ANDROID_TV", "url": "nflx://www.netflix.com/title/80057281"},
    ]
    assert offer["web"] == offer["url"] == "https://www.netflix.com/title/80057281"
    assert offer["ios"] == "nflx://www.netflix.com/title/80057281"
    assert offer["roku"] == offer["url"]  # no ROKU link: the WEB one
    assert before <= datetime.fromisoformat(offer["lastCheckedAt"]) <= datetime.now(UTC)
    assert offer["price"] is None and offer["priceHistory"] == []


async def test_a_write_that_leaves_links_and_languages_out_keeps_them(
    graphql: GraphQL, sessions: async_sessionmaker[AsyncSession], editor_key: str
) -> None:
    title, title_id = await _series(sessions)
    app = [{"platform": "IOS", "url": "nflx://www.netflix.com/title/1"}]
    await _upsert(graphql, editor_key, title_id, audioLanguages=["en"], links=app)
    moved = "https://www.netflix.com/title/2"
    await _upsert(graphql, editor_key, title_id, url=moved)
    [offer] = await _offers(graphql, title.slug)
    assert offer["audioLanguages"] == ["en"]
    assert offer["links"] == [{"platform": "WEB", "url": moved}, app[0]]
    await _upsert(graphql, editor_key, title_id, url=moved, links=[], audioLanguages=[])
    [offer] = await _offers(graphql, title.slug)
    assert offer["links"] == [{"platform": "WEB", "url": moved}] and offer["audioLanguages"] == []


async def test_offers_differ_by_season_and_quality_and_are_removed_one_by_one(
    graphql: GraphQL, sessions: async_sessionmaker[AsyncSession], editor_key: str
) -> None:
    title, title_id = await _series(sessions)
    for season, quality in ((None, None), (1, "HD"), (1, "UHD"), (2, "HD")):
        await _upsert(graphql, editor_key, title_id, season=season, quality=quality)
    await _upsert(graphql, editor_key, title_id, season=1, quality="HD")  # the same offer
    offers = await _offers(graphql, title.slug)
    assert sorted((o["season"] or 0, o["quality"] or "") for o in offers) == [
        (0, ""),
        (1, "HD"),
        (1, "UHD"),
        (2, "HD"),
    ]
    removed = await graphql(REMOVE, {"id": title_id, "season": 1, "quality": "HD"}, key=editor_key)
    assert data(removed) == {"removeOffer": True}
    assert len(await _offers(graphql, title.slug)) == 3
    whole = await graphql(REMOVE, {"id": title_id}, key=editor_key)
    assert data(whole) == {"removeOffer": True}
    left = await _offers(graphql, title.slug)
    assert sorted((o["season"], o["quality"]) for o in left) == [(1, "UHD"), (2, "HD")]
    unknown = await graphql(REMOVE, {"id": title_id, "season": 9}, key=editor_key)
    assert error_codes(unknown) == ["BAD_USER_INPUT"]
    body = await graphql(UPSERT, {"id": title_id, "input": _offer(season=7)}, key=editor_key)
    assert error_codes(body) == ["BAD_USER_INPUT"] and "season" in body["errors"][0]["message"]


async def test_offers_filter_by_audio_and_subtitle_language_and_least_quality(
    graphql: GraphQL, sessions: async_sessionmaker[AsyncSession], editor_key: str
) -> None:
    title = await make_title(sessions)
    title_id = encode_id("Title", title.id)
    for quality, audio, subtitles in (
        ("SD", ["en"], ["pt-BR"]),
        ("HD", ["en", "fr"], []),
        ("UHD", ["pt-BR"], ["en"]),
        (None, ["fr"], ["fr"]),
    ):
        await _upsert(
            graphql,
            editor_key,
            title_id,
            quality=quality,
            audioLanguages=audio,
            subtitleLanguages=subtitles,
        )

    async def qualities(**filters: Any) -> list[str | None]:
        return sorted(
            (o["quality"] or "-" for o in await _offers(graphql, title.slug, **filters)),
        )

    assert await qualities(audio="fr") == ["-", "HD"]
    assert await qualities(audio="pt") == ["UHD"]  # "pt" finds "pt-BR"
    assert await qualities(audio="pt-BR") == ["UHD"]
    assert await qualities(subtitle="en") == ["UHD"]
    assert await qualities(quality="HD") == ["HD", "UHD"]  # unknown quality left out
    assert await qualities(quality="SD") == ["HD", "SD", "UHD"]
    assert await qualities(audio="en", quality="HD") == ["HD"]
    assert await qualities(audio="de") == []
    for bad in ({"audio": "english"}, {"subtitle": "e"}, {"audio": "zz-ZZ"}):
        body = await graphql(OFFERS, {"slug": title.slug, "region": "US", **bad})
        assert error_codes(body) == ["BAD_USER_INPUT"], body


async def test_price_history_is_newest_first_and_previous_price_the_one_before(
    graphql: GraphQL, sessions: async_sessionmaker[AsyncSession], editor_key: str
) -> None:
    title = await make_title(sessions)
    title_id = encode_id("Title", title.id)
    rental = {"provider": "apple-tv", "monetization": "RENT"}
    first = await _upsert(
        graphql, editor_key, title_id, **rental, price={"amount": "5.99", "currency": "USD"}
    )
    assert first["previousPrice"] is None and first["priceChangedAt"] is None
    assert [p["price"]["amount"] for p in first["priceHistory"]] == ["5.99"]
    for amount in ("3.99", "4.99", "4.99"):
        last = await _upsert(
            graphql, editor_key, title_id, **rental, price={"amount": amount, "currency": "USD"}
        )
    [offer] = await _offers(graphql, title.slug)
    history = offer["priceHistory"]
    assert [point["price"]["amount"] for point in history] == ["4.99", "3.99", "5.99"]
    assert history[0]["until"] is None
    assert history[1]["until"] == history[0]["from"] and history[2]["until"] == history[1]["from"]
    assert offer["previousPrice"] == {"amount": "3.99", "currency": "USD"}
    assert offer["priceChangedAt"] == history[0]["from"]
    assert offer["latest"] == [{"from": history[0]["from"]}]
    # The unchanged last write appended nothing but confirmed the offer.
    assert offer["lastCheckedAt"] == last["lastCheckedAt"] > history[0]["from"]
    query = """query($slug: String!) { title(slug: $slug) { offers(region: "US") {
      priceHistory(first: 101) { from } } } }"""
    assert error_codes(await graphql(query, {"slug": title.slug})) == ["BAD_USER_INPUT"]


@pytest.mark.parametrize(
    "links",
    [
        [{"platform": "WEB", "url": "https://elsewhere.example.com/x"}],  # not `url`
        [{"platform": "IOS", "url": "javascript:alert(1)"}],
        [{"platform": "IOS", "url": "data://text/html,hi"}],
        [{"platform": "IOS", "url": "http://insecure.example.com/x"}],
        [{"platform": "ROKU", "url": "no scheme"}],
        [{"platform": "IOS", "url": "a://x"}, {"platform": "IOS", "url": "b://y"}],
    ],
)
async def test_deep_links_must_be_app_or_https_links_and_the_web_one_is_url(
    graphql: GraphQL, sessions: async_sessionmaker[AsyncSession], editor_key: str, links: Any
) -> None:
    title = await make_title(sessions)
    body = await graphql(
        UPSERT, {"id": encode_id("Title", title.id), "input": _offer(links=links)}, key=editor_key
    )
    assert error_codes(body) == ["BAD_USER_INPUT"], body
    assert body["errors"][0]["extensions"]["field"].startswith("links")


OFFERS_IN = """query($slug: String!, $regions: [String!]!, $m: [Monetization!]) {
  title(slug: $slug) { offersIn(regions: $regions, monetizations: $m) {
    region availableToStream offers { provider { slug } region monetization } } } }"""


async def test_offers_in_has_an_entry_per_region_asked_for_by_region_code(
    graphql: GraphQL, sessions: async_sessionmaker[AsyncSession]
) -> None:
    title = await make_title(sessions)
    await make_offer(sessions, title, "netflix", region="GB")
    await make_offer(sessions, title, "apple-tv", region="US", monetization=Monetization.RENT)
    await make_offer(sessions, title, "tubi", region="US", monetization=Monetization.ADS)
    ask = {"slug": title.slug, "regions": ["us", "IS", "GB", "US"]}
    entries = data(await graphql(OFFERS_IN, ask))["title"]["offersIn"]
    assert [(e["region"], e["availableToStream"]) for e in entries] == [
        ("GB", True),
        ("IS", False),
        ("US", True),
    ]
    assert [o["monetization"] for o in entries[2]["offers"]] == ["ADS", "RENT"]
    assert entries[1]["offers"] == []
    rented = data(await graphql(OFFERS_IN, {**ask, "m": ["RENT"]}))["title"]["offersIn"]
    assert [[o["monetization"] for o in e["offers"]] for e in rented] == [[], [], ["RENT"]]
    assert rented[2]["availableToStream"] is True  # streaming, whatever is listed
    none = data(await graphql(OFFERS_IN, {**ask, "m": []}))["title"]["offersIn"]
    assert all(entry["offers"] == [] for entry in none)
    for regions in (["USA"], ["US"] * 31):
        body = await graphql(OFFERS_IN, {"slug": title.slug, "regions": regions})
        assert error_codes(body) == ["BAD_USER_INPUT"], body


TITLE_PAGE = """query($slug: String!) { title(slug: $slug) { name
  offersIn(regions: ["US", "GB", "DE", "FR", "JP"]) { region availableToStream offers {
    provider { slug name logo { url } } monetization quality season price { amount currency }
    url links { platform url } app: link(platform: IOS) audioLanguages subtitleLanguages
    availableFrom availableUntil lastCheckedAt previousPrice { amount } priceChangedAt
    priceHistory(first: 3) { price { amount } from until } } } } }"""


async def test_a_title_page_with_offers_in_five_regions_is_one_statement(
    graphql: GraphQL, count_statements: StatementCounter
) -> None:
    await graphql(TITLE_PAGE, {"slug": "refusenik-2007"})  # the document's plan is learned
    count_statements.statements.clear()
    entries = data(await graphql(TITLE_PAGE, {"slug": "refusenik-2007"}))["title"]["offersIn"]
    assert [entry["region"] for entry in entries] == ["DE", "FR", "GB", "JP", "US"]
    us = entries[-1]
    assert us["availableToStream"] and {o["provider"]["slug"] for o in us["offers"]} >= {"tubi"}
    rental = next(o for o in us["offers"] if o["monetization"] == "RENT")
    assert rental["previousPrice"] == {"amount": "4.99"} and rental["app"].startswith("videos://")
    reads = [s for s in count_statements.statements if s.lstrip().upper().startswith("SELECT")]
    assert len(reads) == 1, count_statements.statements


async def test_refusenik_offers_have_links_languages_and_a_price_drop(graphql: GraphQL) -> None:
    offers = await _offers(graphql, "refusenik-2007")
    assert all(o["links"][0] == {"platform": "WEB", "url": o["url"]} for o in offers)
    assert all(len(o["links"]) >= 2 for o in offers)
    assert all(o["subtitleLanguages"] == ["ru", "he"] for o in offers)
    rental = next(o for o in offers if o["provider"]["slug"] == "apple-tv" and o["price"])
    week_ago = datetime.now(UTC) - timedelta(days=7)
    assert datetime.fromisoformat(rental["priceChangedAt"]) > week_ago


SEASON_OFFERS = """query($slug: String!) { title(slug: $slug) { seasons { number
  offers(region: "US") { season provider { slug } }
  episodes { edges { node { number offers(region: "us", monetizations: [SUBSCRIPTION]) {
    season } } } } } } }"""


async def test_a_season_lists_its_offers_and_an_episode_those_that_include_it(
    graphql: GraphQL, sessions: async_sessionmaker[AsyncSession], editor_key: str
) -> None:
    title, title_id = await _series(sessions)
    async with sessions() as session, session.begin():
        seasons = (await session.scalars(select(Season).where(Season.title_id == title.id))).all()
        session.add_all(
            Episode(title_id=title.id, season_id=season.id, number=1, name=f"S{season.number}E1")
            for season in seasons
        )
    await _upsert(graphql, editor_key, title_id)  # the whole title
    await _upsert(graphql, editor_key, title_id, season=1)
    await _upsert(graphql, editor_key, title_id, season=2, region="GB")
    answer = data(await graphql(SEASON_OFFERS, {"slug": title.slug}))["title"]["seasons"]
    assert [[o["season"] for o in season["offers"]] for season in answer] == [[1], []]
    episodes = [season["episodes"]["edges"][0]["node"]["offers"] for season in answer]
    assert [sorted(o["season"] or 0 for o in offers) for offers in episodes] == [[0, 1], [0]]
