"""The example title page (shared/title-page-example.txt) in one query."""

from seed.example import REVIEW_TEXT
from tests.helpers import GraphQL, data

TITLE_PAGE = """
query TitlePage($slug: String!, $region: String!) {
  title(slug: $slug) {
    id slug name kind year contentRating originalLanguage audioLanguages subtitleLanguages
    genres { slug name }
    synopsis { full teaser: truncated(maxLength: 280) { text isTruncated } }
    criticRating
    reviews(first: 5) {
      totalCount
      edges { node { reviewer publication rating publishedAt
        body { full more: truncated(maxLength: 300, at: CHARACTER) { text isTruncated } } } }
    }
    credits(first: 20) { totalCount edges { node { role character order person { name slug } } } }
    offers(region: $region) {
      provider { slug name } region monetization quality price { amount currency } url
    }
    availableToStream(region: $region)
  }
}
"""


async def test_example_title_has_the_contract_values(graphql: GraphQL) -> None:
    body = await graphql(TITLE_PAGE, {"slug": "refusenik-2007", "region": "US"})
    title = data(body)["title"]
    assert title["slug"] == "refusenik-2007"
    assert title["name"] == "Refusenik"
    assert title["kind"] == "MOVIE"
    assert title["year"] == 2007
    assert title["contentRating"] == "NR"
    assert title["genres"] == [{"slug": "documentary", "name": "Documentary"}]
    assert title["originalLanguage"] == "en"
    assert title["audioLanguages"] == ["en"]
    assert title["subtitleLanguages"] == ["ru", "he"]
    assert title["availableToStream"] is True


async def test_example_review_is_the_page_text_by_maitland_mcdonagh(graphql: GraphQL) -> None:
    title = data(await graphql(TITLE_PAGE, {"slug": "refusenik-2007", "region": "US"}))["title"]
    (review,) = [edge["node"] for edge in title["reviews"]["edges"]]
    assert review["reviewer"] == "Maitland McDonagh"
    assert review["publication"] == "TV Guide"
    assert review["rating"] is None
    assert review["body"]["full"] == REVIEW_TEXT
    assert review["body"]["full"].count("\n\n") == 2
    assert not review["body"]["full"].endswith(" .")
    assert title["criticRating"] is None


async def test_synopsis_is_the_review_text_and_both_page_teasers_are_its_truncations(
    graphql: GraphQL,
) -> None:
    title = data(await graphql(TITLE_PAGE, {"slug": "refusenik-2007", "region": "US"}))["title"]
    synopsis = title["synopsis"]
    assert synopsis["full"] == REVIEW_TEXT
    teaser = synopsis["teaser"]
    assert teaser["isTruncated"] is True
    assert len(teaser["text"]) <= 280
    assert teaser["text"].endswith("…")
    assert REVIEW_TEXT.startswith(teaser["text"].removesuffix("…"))
    more = title["reviews"]["edges"][0]["node"]["body"]["more"]
    assert len(more["text"]) == 300
    assert REVIEW_TEXT.startswith(more["text"].removesuffix("…"))


async def test_director_is_laura_bialis(graphql: GraphQL) -> None:
    title = data(await graphql(TITLE_PAGE, {"slug": "refusenik-2007", "region": "US"}))["title"]
    directors = [
        edge["node"]["person"]["name"]
        for edge in title["credits"]["edges"]
        if edge["node"]["role"] == "DIRECTOR"
    ]
    assert directors == ["Laura Bialis"]


async def test_streams_in_the_us_with_free_and_paid_offers(graphql: GraphQL) -> None:
    title = data(await graphql(TITLE_PAGE, {"slug": "refusenik-2007", "region": "us"}))["title"]
    offers = title["offers"]
    assert {offer["region"] for offer in offers} == {"US"}
    assert {"FREE", "ADS", "RENT", "BUY"} <= {offer["monetization"] for offer in offers}
    for offer in offers:
        paid = offer["monetization"] in ("RENT", "BUY")
        assert (offer["price"] is not None) == paid
        assert offer["url"].startswith("https://")
    rent = next(offer for offer in offers if offer["monetization"] == "RENT")
    assert rent["price"] == {"amount": "3.99", "currency": "USD"}


async def test_unknown_slug_is_null_not_an_error(graphql: GraphQL) -> None:
    body = await graphql('{ title(slug: "no-such-title-1999") { name } }')
    assert data(body) == {"title": None}


async def test_a_curated_title_exposes_every_scalar_field(graphql: GraphQL) -> None:
    body = await graphql(
        """{ title(slug: "the-godfather-1972") {
              name kind year releaseDate contentRating runtimeMinutes originalLanguage
              audioLanguages subtitleLanguages genres { slug }
              offers(region: "GB") { provider { slug } quality availableFrom availableUntil }
        } }"""
    )
    title = data(body)["title"]
    assert title == {
        "name": "The Godfather",
        "kind": "MOVIE",
        "year": 1972,
        "releaseDate": "1972-03-24",
        "contentRating": "R",
        "runtimeMinutes": 175,
        "originalLanguage": "en",
        "audioLanguages": ["en", "it"],
        "subtitleLanguages": ["en", "de", "nl", "da", "pl"],
        "genres": [{"slug": "crime"}, {"slug": "drama"}],
        "offers": [
            {
                "provider": {"slug": "netflix"},
                "quality": "UHD",
                "availableFrom": None,
                "availableUntil": None,
            }
        ],
    }


async def test_availability_dates_are_utc_datetimes(graphql: GraphQL) -> None:
    body = await graphql(
        """{ title(slug: "it-happened-one-night-1934") {
              offers(region: "JP") { provider { slug } availableUntil } } }"""
    )
    offers = data(body)["title"]["offers"]
    hulu = next(offer for offer in offers if offer["provider"]["slug"] == "hulu")
    assert hulu["availableUntil"] == "2031-06-30T00:00:00+00:00"
