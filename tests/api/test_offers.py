"""Where to watch: regions, availability windows, monetizations and availableToStream."""

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from models import Monetization
from tests.factories import hours_from_now, make_offer, make_title
from tests.helpers import GraphQL, data, error_codes

OFFERS = """
query Offers($slug: String!, $region: String!, $monetizations: [Monetization!]) {
  title(slug: $slug) {
    offers(region: $region, monetizations: $monetizations) {
      provider { slug } region monetization price { amount currency } availableFrom availableUntil
    }
    availableToStream(region: $region)
  }
}
"""


async def _offers(graphql: GraphQL, slug: str, region: str = "US", **variables: object) -> dict:
    body = await graphql(OFFERS, {"slug": slug, "region": region, **variables})
    return data(body)["title"]


async def test_only_offers_available_now_are_listed(
    graphql: GraphQL, sessions: async_sessionmaker[AsyncSession]
) -> None:
    title = await make_title(sessions)
    await make_offer(sessions, title, "netflix")
    await make_offer(sessions, title, "hulu", available_until=hours_from_now(-1))
    await make_offer(sessions, title, "max", available_from=hours_from_now(1))
    await make_offer(
        sessions,
        title,
        "disney-plus",
        available_from=hours_from_now(-2),
        available_until=hours_from_now(2),
    )
    offers = (await _offers(graphql, title.slug))["offers"]
    assert sorted(offer["provider"]["slug"] for offer in offers) == ["disney-plus", "netflix"]
    leaving = next(o for o in offers if o["provider"]["slug"] == "disney-plus")
    assert leaving["availableUntil"] is not None


async def test_region_is_case_insensitive_and_normalised(
    graphql: GraphQL, sessions: async_sessionmaker[AsyncSession]
) -> None:
    title = await make_title(sessions)
    await make_offer(sessions, title, region="GB")
    offers = (await _offers(graphql, title.slug, region="gb"))["offers"]
    assert [offer["region"] for offer in offers] == ["GB"]
    assert (await _offers(graphql, title.slug, region="US"))["offers"] == []


async def test_invalid_region_is_bad_user_input_naming_the_value(
    graphql: GraphQL, sessions: async_sessionmaker[AsyncSession]
) -> None:
    title = await make_title(sessions)
    for region in ("USA", "XX", "", "u$", "uk"):
        body = await graphql(OFFERS, {"slug": title.slug, "region": region})
        assert set(error_codes(body)) == {"BAD_USER_INPUT"}, body
        assert repr(region) in body["errors"][0]["message"]


async def test_monetizations_filter_keeps_only_those_kinds(
    graphql: GraphQL, sessions: async_sessionmaker[AsyncSession]
) -> None:
    title = await make_title(sessions)
    await make_offer(sessions, title, "netflix", monetization=Monetization.SUBSCRIPTION)
    await make_offer(sessions, title, "apple-tv", monetization=Monetization.RENT)
    await make_offer(sessions, title, "apple-tv", monetization=Monetization.BUY)
    rented = await _offers(graphql, title.slug, monetizations=["RENT", "BUY"])
    assert [o["monetization"] for o in rented["offers"]] == ["RENT", "BUY"]
    assert all(o["price"] == {"amount": "3.99", "currency": "USD"} for o in rented["offers"])
    nothing = await _offers(graphql, title.slug, monetizations=[])
    assert nothing["offers"] == []
    everything = await _offers(graphql, title.slug)
    assert [o["monetization"] for o in everything["offers"]] == ["SUBSCRIPTION", "RENT", "BUY"]


async def test_price_is_null_for_streaming_offers(
    graphql: GraphQL, sessions: async_sessionmaker[AsyncSession]
) -> None:
    title = await make_title(sessions)
    for provider, kind in (("netflix", "SUBSCRIPTION"), ("kanopy", "FREE"), ("tubi", "ADS")):
        await make_offer(sessions, title, provider, monetization=Monetization(kind))
    offers = (await _offers(graphql, title.slug))["offers"]
    assert len(offers) == 3
    assert all(offer["price"] is None for offer in offers)


async def test_available_to_stream_needs_a_streaming_offer_available_now(
    graphql: GraphQL, sessions: async_sessionmaker[AsyncSession]
) -> None:
    rent_only = await make_title(sessions)
    await make_offer(sessions, rent_only, "apple-tv", monetization=Monetization.RENT)
    expired = await make_title(sessions)
    await make_offer(sessions, expired, available_until=hours_from_now(-1))
    free = await make_title(sessions)
    await make_offer(sessions, free, "tubi", monetization=Monetization.ADS)
    elsewhere = await make_title(sessions)
    await make_offer(sessions, elsewhere, region="DE")

    assert (await _offers(graphql, rent_only.slug))["availableToStream"] is False
    assert (await _offers(graphql, expired.slug))["availableToStream"] is False
    assert (await _offers(graphql, free.slug))["availableToStream"] is True
    assert (await _offers(graphql, elsewhere.slug))["availableToStream"] is False
    assert (await _offers(graphql, elsewhere.slug, region="de"))["availableToStream"] is True


async def test_providers_lists_all_or_those_offering_in_a_region(graphql: GraphQL) -> None:
    every = data(await graphql("{ providers { slug name } }"))["providers"]
    assert {"netflix", "kanopy", "bbc-iplayer"} <= {p["slug"] for p in every}
    in_us = data(await graphql('{ providers(region: "us") { slug } }'))["providers"]
    assert {"kanopy", "tubi"} <= {p["slug"] for p in in_us}
    assert len(in_us) < len(every)
    body = await graphql('{ providers(region: "Narnia") { slug } }')
    assert error_codes(body) == ["BAD_USER_INPUT"]
