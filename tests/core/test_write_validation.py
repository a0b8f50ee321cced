"""What mutations refuse (BAD_USER_INPUT naming the field) and what they tidy up, so
that both engines store and return exactly what was accepted."""

import math
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from graphql import GraphQLInputObjectType, GraphQLInputType, get_named_type

from api.core.ids import encode_id
from api.schema import schema
from tests.factories import unique
from tests.helpers import GraphQL, data, error_codes

CREATE = """mutation($input: CreateTitleInput!) {
  createTitle(input: $input) { id slug name year releaseDate originalLanguage } }"""
UPDATE = """mutation($id: ID!, $input: UpdateTitleInput!) {
  updateTitle(id: $id, input: $input) { year releaseDate version } }"""
DELETE = "mutation($id: ID!) { deleteTitle(id: $id) }"
REVIEW = """mutation($id: ID!, $input: ReviewInput!) {
  addReview(titleId: $id, input: $input) { id rating publishedAt } }"""
UPSERT = """mutation($id: ID!, $input: OfferInput!) {
  upsertOffer(titleId: $id, input: $input) { url price { currency } } }"""
CREDITS = """mutation($id: ID!, $credits: [CreditInput!]!) {
  setCredits(titleId: $id, credits: $credits) { person { slug name } } }"""
READ = """query($slug: String!) { title(slug: $slug) {
  releaseDate reviews(first: 100) { edges { node { publishedAt rating } } } } }"""
NODE = "query($id: ID!) { node(id: $id) { id } }"


async def _title(graphql: GraphQL, key: str, **fields: Any) -> dict[str, Any]:
    fields.setdefault("name", unique("Checked"))
    fields.setdefault("kind", "MOVIE")
    return dict(data(await graphql(CREATE, {"input": fields}, key=key))["createTitle"])


def _refused(body: dict[str, Any], field: str) -> str:
    """The message of a BAD_USER_INPUT naming `field` (or argument `field`)."""
    assert error_codes(body) == ["BAD_USER_INPUT"], body
    extensions = body["errors"][0]["extensions"]
    assert extensions.get("field", extensions.get("argument")) == field, body
    message: str = body["errors"][0]["message"]
    return message


# Dates: asyncpg writes 0001-01-01 and 9999-12-31 as -infinity and infinity, so only a
# product range is accepted, the same on both engines.


def _date_inputs(where: str, input_type: GraphQLInputType, found: set[str]) -> None:
    named = get_named_type(input_type)
    if named.name in ("Date", "DateTime"):
        found.add(where)
    elif isinstance(named, GraphQLInputObjectType):
        for name, field in named.fields.items():
            _date_inputs(f"{named.name}.{name}", field.type, found)


def test_every_date_a_mutation_takes_is_one_checked_here() -> None:
    """A new Date or DateTime input needs a range both engines store alike, and a test."""
    found: set[str] = set()
    mutation = schema._schema.mutation_type
    assert mutation is not None
    for field_name, field in mutation.fields.items():
        for name, argument in field.args.items():
            _date_inputs(f"{field_name}({name})", argument.type, found)
    assert found == {
        "CreateTitleInput.releaseDate",
        "UpdateTitleInput.releaseDate",
        "ReviewInput.publishedAt",
        "OfferInput.availableFrom",
        "OfferInput.availableUntil",
    }


@pytest.mark.parametrize("release_date", ["0001-01-01", "9999-12-31", "1869-12-31", "2101-01-01"])
async def test_a_release_date_outside_1870_to_2100_is_refused(
    graphql: GraphQL, editor_key: str, release_date: str
) -> None:
    body = await graphql(
        CREATE,
        {"input": {"name": "Far Off", "kind": "MOVIE", "releaseDate": release_date}},
        key=editor_key,
    )
    assert "between 1870-01-01 and 2100-12-31" in _refused(body, "releaseDate")
    made = await _title(graphql, editor_key)
    edit = {"id": made["id"], "input": {"expectedVersion": 1, "releaseDate": release_date}}
    _refused(await graphql(UPDATE, edit, key=editor_key), "releaseDate")


async def test_release_dates_at_the_ends_of_the_range_read_back_as_written(
    graphql: GraphQL, editor_key: str
) -> None:
    for year, release_date in ((1870, "1870-01-01"), (2100, "2100-12-31")):
        made = await _title(graphql, editor_key, year=year, releaseDate=release_date)
        assert made["releaseDate"] == release_date
        read = data(await graphql(READ, {"slug": made["slug"]}))["title"]
        assert read["releaseDate"] == release_date


async def test_a_release_date_in_another_year_than_year_is_refused(
    graphql: GraphQL, editor_key: str
) -> None:
    body = await graphql(
        CREATE,
        {
            "input": {
                "name": "Wrong Year",
                "kind": "MOVIE",
                "year": 2007,
                "releaseDate": "1950-01-01",
            }
        },
        key=editor_key,
    )
    assert "2007" in _refused(body, "releaseDate")
    made = await _title(graphql, editor_key, year=2007, releaseDate="2007-05-01")
    only_date = {"id": made["id"], "input": {"expectedVersion": 1, "releaseDate": "2008-01-01"}}
    _refused(await graphql(UPDATE, only_date, key=editor_key), "releaseDate")
    only_year = {"id": made["id"], "input": {"expectedVersion": 1, "year": 2008}}
    _refused(await graphql(UPDATE, only_year, key=editor_key), "year")
    both = {
        "id": made["id"],
        "input": {"expectedVersion": 1, "year": 2008, "releaseDate": "2008-01-01"},
    }
    assert data(await graphql(UPDATE, both, key=editor_key))["updateTitle"] == {
        "year": 2008,
        "releaseDate": "2008-01-01",
        "version": 2,
    }


@pytest.mark.parametrize("published_at", ["0001-01-01", "9999-12-31", "1869-12-31", "future"])
async def test_a_review_date_before_1870_or_in_the_future_is_refused(
    graphql: GraphQL, editor_key: str, critic_key: str, published_at: str
) -> None:
    if published_at == "future":
        published_at = (datetime.now(UTC) + timedelta(days=3)).date().isoformat()
    made = await _title(graphql, editor_key)
    review = {"body": "Dated.", "publishedAt": published_at}
    body = await graphql(REVIEW, {"id": made["id"], "input": review}, key=critic_key)
    assert "between 1870-01-01 and " in _refused(body, "publishedAt")


async def test_a_review_dated_today_is_kept(
    graphql: GraphQL, editor_key: str, critic_key: str
) -> None:
    made = await _title(graphql, editor_key)
    today = datetime.now(UTC).date().isoformat()
    review = {"body": "Fresh.", "publishedAt": today}
    added = data(await graphql(REVIEW, {"id": made["id"], "input": review}, key=critic_key))
    assert added["addReview"]["publishedAt"] == today


def _offer(**changes: Any) -> dict[str, Any]:
    return {
        "provider": "apple-tv",
        "region": "US",
        "monetization": "RENT",
        "url": "https://tv.example.com/x",
        "price": {"amount": "2.00", "currency": "USD"},
        **changes,
    }


@pytest.mark.parametrize(
    ("field", "moment"),
    [
        ("availableFrom", "0001-01-01T00:00:00Z"),
        ("availableUntil", "9999-12-31T23:59:59Z"),
        ("availableFrom", "1899-12-31T23:59:59Z"),
        ("availableUntil", "2201-01-01T00:00:00Z"),
        # Their UTC instants lie before year 1 and after year 9999.
        ("availableFrom", "0001-01-01T00:00:00+14:00"),
        ("availableUntil", "9999-12-31T23:59:59-14:00"),
    ],
)
async def test_an_offer_window_outside_1900_to_2200_is_refused(
    graphql: GraphQL, editor_key: str, field: str, moment: str
) -> None:
    made = await _title(graphql, editor_key)
    body = await graphql(
        UPSERT, {"id": made["id"], "input": _offer(**{field: moment})}, key=editor_key
    )
    assert "1900-01-01T00:00:00Z" in _refused(body, field)


# IDs: primary keys are 32-bit integers, so a larger one names nothing.


@pytest.mark.parametrize("pk", [2**31, 99999999999999999999999])
async def test_an_id_beyond_32_bits_is_bad_input_everywhere(
    graphql: GraphQL, editor_key: str, critic_key: str, pk: int
) -> None:
    huge = encode_id("Title", pk)
    _refused(await graphql(NODE, {"id": huge}), "id")
    edit = {"id": huge, "input": {"expectedVersion": 1, "name": "X"}}
    _refused(await graphql(UPDATE, edit, key=editor_key), "id")
    _refused(await graphql(DELETE, {"id": huge}, key=editor_key), "id")
    review = {"id": huge, "input": {"body": "Nothing there."}}
    _refused(await graphql(REVIEW, review, key=critic_key), "titleId")


async def test_the_largest_32_bit_id_is_simply_not_found(graphql: GraphQL, editor_key: str) -> None:
    largest = encode_id("Title", 2**31 - 1)
    assert data(await graphql(NODE, {"id": largest})) == {"node": None}
    assert error_codes(await graphql(DELETE, {"id": largest}, key=editor_key)) == ["NOT_FOUND"]


# Text: nothing invisible, no controls in one-line fields, no "Zalgo".


@pytest.mark.parametrize(
    "name",
    [
        "\u200b",  # zero-width space only
        "\u200b\u2060\ufeff \u3164",  # only invisible characters
        "\u202egnp.exe",  # right-to-left override
        "Bell\x07",
        "Esc\x1b[31m",
        "Two\nLines",
        "Line\u2028Separator",
        "e" + "\u0301" * 500,
    ],
)
async def test_invisible_or_control_characters_in_a_name_are_refused(
    graphql: GraphQL, editor_key: str, name: str
) -> None:
    body = await graphql(CREATE, {"input": {"name": name, "kind": "MOVIE"}}, key=editor_key)
    _refused(body, "name")
    made = await _title(graphql, editor_key)
    _refused(
        await graphql(
            CREDITS, {"id": made["id"], "credits": [{"role": "CAST", "name": name}]}, key=editor_key
        ),
        "credits[0].name",
    )


@pytest.mark.parametrize("text", ["\u202eevil", "Ding\x07", "a" + "\u0300" * 12, "\u200b\u200b"])
async def test_a_review_body_with_hidden_or_stacked_characters_is_refused(
    graphql: GraphQL, editor_key: str, critic_key: str, text: str
) -> None:
    made = await _title(graphql, editor_key)
    body = await graphql(REVIEW, {"id": made["id"], "input": {"body": text}}, key=critic_key)
    _refused(body, "body")


async def test_prose_keeps_its_lines_and_accents(
    graphql: GraphQL, editor_key: str, critic_key: str
) -> None:
    made = await _title(graphql, editor_key, name="\u200bTi\u1ebfng Vi\u1ec7t\u200b")
    assert made["name"] == "Ti\u1ebfng Vi\u1ec7t"
    review = {
        "body": "First line.\n\tSecond, Ti\u00ea\u0301ng, "
        "\u05e9\u05b8\u05c1\u05dc\u05d5\u05b9\u05dd."
    }
    added = await graphql(REVIEW, {"id": made["id"], "input": review}, key=critic_key)
    assert "errors" not in added, added


# Default slugs are unique, whatever the name.


async def test_titles_named_without_ascii_letters_get_unique_slugs(
    graphql: GraphQL, editor_key: str
) -> None:
    first = await _title(graphql, editor_key, name="\u0413\u043e\u0440\u043e\u0434", year=1987)
    second = await _title(graphql, editor_key, name="\u0414\u043e\u043c", year=1987)
    assert first["slug"].startswith("title-1987")
    assert second["slug"].startswith("title-1987-")
    assert first["slug"] != second["slug"]


async def test_a_second_title_of_the_same_name_and_year_gets_a_numbered_slug(
    graphql: GraphQL, editor_key: str
) -> None:
    name = unique("Twin Name")
    first = await _title(graphql, editor_key, name=name, year=2001)
    second = await _title(graphql, editor_key, name=name, year=2001)
    assert second["slug"] == f"{first['slug']}-2"


async def test_numbered_slugs_keep_counting_past_the_first_batch_looked_up(
    graphql: GraphQL, editor_key: str
) -> None:
    name = unique("Crowded")
    slugs = [(await _title(graphql, editor_key, name=name))["slug"] for _ in range(23)]
    assert slugs[1:] == [f"{slugs[0]}-{n}" for n in range(2, 24)]


# Offers.


@pytest.mark.parametrize(
    "url",
    [
        "https://x.example.com/a b",
        "https://x.example.com/a\nb",
        "https://x.example.com/a\tb",
        "https://user:pass@evil.example/",
        "https://user@evil.example/",
    ],
)
async def test_an_offer_url_with_spaces_controls_or_credentials_is_refused(
    graphql: GraphQL, editor_key: str, url: str
) -> None:
    made = await _title(graphql, editor_key)
    body = await graphql(UPSERT, {"id": made["id"], "input": _offer(url=url)}, key=editor_key)
    _refused(body, "url")


@pytest.mark.parametrize("currency", ["XXX", "XTS", "XAU", "XAG", "XPD", "XPT", "xdr"])
async def test_a_price_in_a_non_currency_is_refused(
    graphql: GraphQL, editor_key: str, currency: str
) -> None:
    made = await _title(graphql, editor_key)
    offer = _offer(price={"amount": "1.00", "currency": currency})
    body = await graphql(UPSERT, {"id": made["id"], "input": offer}, key=editor_key)
    _refused(body, "price.currency")


@pytest.mark.parametrize("amount", ["NaN", "Infinity", "-Infinity", "sNaN"])
async def test_a_price_that_is_not_a_number_says_so(
    graphql: GraphQL, editor_key: str, amount: str
) -> None:
    made = await _title(graphql, editor_key)
    offer = _offer(price={"amount": amount, "currency": "USD"})
    body = await graphql(UPSERT, {"id": made["id"], "input": offer}, key=editor_key)
    assert "must be a number" in _refused(body, "price.amount")


# Ratings and languages.


async def test_a_rating_of_minus_zero_is_stored_as_zero(
    graphql: GraphQL, editor_key: str, critic_key: str
) -> None:
    made = await _title(graphql, editor_key)
    review = {"body": "Nothing to it.", "rating": -0.0}
    added = data(await graphql(REVIEW, {"id": made["id"], "input": review}, key=critic_key))
    assert math.copysign(1, added["addReview"]["rating"]) == 1
    read = data(await graphql(READ, {"slug": made["slug"]}))["title"]
    [stored] = [edge["node"]["rating"] for edge in read["reviews"]["edges"]]
    assert stored == 0 and math.copysign(1, stored) == 1


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"originalLanguage": "zz"}, "originalLanguage"),
        ({"originalLanguage": "qqq-xxxxxxxx-yyyyyyyy"}, "originalLanguage"),
        ({"originalLanguage": "eng"}, "originalLanguage"),  # BCP 47 says "en"
        ({"audioLanguages": ["en", "xx"]}, "audioLanguages"),
        ({"subtitleLanguages": ["zz-Latn"]}, "subtitleLanguages"),
    ],
)
async def test_a_language_that_iso_639_does_not_list_is_refused(
    graphql: GraphQL, editor_key: str, fields: dict[str, Any], field: str
) -> None:
    body = await graphql(
        CREATE, {"input": {"name": "Babel", "kind": "MOVIE", **fields}}, key=editor_key
    )
    _refused(body, field)


@pytest.mark.parametrize("language", ["en", "pt-BR", "zh-Hant", "es-419", "yue", "zxx", "tlh"])
async def test_real_language_tags_are_kept(
    graphql: GraphQL, editor_key: str, language: str
) -> None:
    made = await _title(graphql, editor_key, originalLanguage=language)
    assert made["originalLanguage"] == language


# Errors quote at most 100 characters of what was sent.


async def test_error_messages_do_not_echo_huge_input(graphql: GraphQL, editor_key: str) -> None:
    huge = "x" * 40_000
    answers = [
        await graphql(NODE, {"id": huge}),
        await graphql(
            CREATE, {"input": {"name": "Ok", "kind": "MOVIE", "slug": huge}}, key=editor_key
        ),
        await graphql("query($c: String!) { titles(after: $c) { totalCount } }", {"c": huge}),
    ]
    for body in answers:
        assert error_codes(body) == ["BAD_USER_INPUT"], body
        assert len(body["errors"][0]["message"]) <= 500
    assert "x" * 100 + "\u2026" in answers[1]["errors"][0]["message"]
