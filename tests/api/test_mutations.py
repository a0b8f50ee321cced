"""Editorial writes: validation naming the field, one transaction each, versions."""

from typing import Any

import pytest

from tests.factories import unique
from tests.helpers import GraphQL, data, error_codes

CREATE = """mutation($input: CreateTitleInput!) {
  createTitle(input: $input) {
    id slug name kind year version genres { slug } audioLanguages subtitleLanguages
    synopsis { full }
  }
}"""
UPDATE = """mutation($id: ID!, $input: UpdateTitleInput!) {
  updateTitle(id: $id, input: $input) {
    id slug name year version genres { slug } synopsis { full }
  }
}"""
DELETE = """mutation($id: ID!) { deleteTitle(id: $id) }"""
CREDITS = """mutation($id: ID!, $credits: [CreditInput!]!) {
  setCredits(titleId: $id, credits: $credits) { role character order person { slug name } }
}"""
UPSERT = """mutation($id: ID!, $input: OfferInput!) {
  upsertOffer(titleId: $id, input: $input) {
    provider { slug } region monetization quality price { amount currency } url
  }
}"""
REMOVE = """mutation($id: ID!, $provider: String!, $region: String!, $monetization: Monetization!) {
  removeOffer(titleId: $id, provider: $provider, region: $region, monetization: $monetization)
}"""
REVIEW = """mutation($id: ID!, $input: ReviewInput!) {
  addReview(titleId: $id, input: $input) {
    id reviewer rating publication body { full } title { slug }
  }
}"""
RATING = "query($slug: String!) { title(slug: $slug) { criticRating } }"
READ = """query($slug: String!) { title(slug: $slug) {
  name version genres { slug } credits { totalCount edges { node { person { slug } } } }
  offers(region: "US") { provider { slug } monetization price { amount } }
  reviews { totalCount } } }"""


async def _create(graphql: GraphQL, key: str, **fields: Any) -> dict[str, Any]:
    fields.setdefault("name", f"Made {unique('t')}")
    fields.setdefault("kind", "MOVIE")
    return dict(data(await graphql(CREATE, {"input": fields}, key=key))["createTitle"])


async def _read(graphql: GraphQL, slug: str) -> dict[str, Any]:
    return dict(data(await graphql(READ, {"slug": slug}))["title"])


async def test_create_title_with_everything_and_read_it_back(
    graphql: GraphQL, editor_key: str
) -> None:
    made = await _create(
        graphql,
        editor_key,
        name="  The Quiet Harbour  ",
        year=1999,
        genres=["drama", "mystery", "drama"],
        audioLanguages=["en", "fr"],
        subtitleLanguages=["pt-BR"],
        synopsis="A harbour town keeps a secret.",
    )
    assert made["name"] == "The Quiet Harbour"
    assert made["slug"] == "the-quiet-harbour-1999"
    assert made["version"] == 1
    assert [g["slug"] for g in made["genres"]] == ["drama", "mystery"]
    assert made["audioLanguages"] == ["en", "fr"]
    assert made["subtitleLanguages"] == ["pt-BR"]
    assert made["synopsis"] == {"full": "A harbour town keeps a secret."}
    assert (await _read(graphql, made["slug"]))["name"] == "The Quiet Harbour"


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"name": "   "}, "name"),
        ({"name": "x" * 301}, "name"),
        ({"year": 1500}, "year"),
        ({"year": 3000}, "year"),
        ({"runtimeMinutes": 0}, "runtimeMinutes"),
        ({"genres": ["drama", "no-such-genre"]}, "genres"),
        ({"slug": "Not A Slug"}, "slug"),
        ({"slug": "refusenik-2007"}, "slug"),  # taken
        ({"audioLanguages": ["english"]}, "audioLanguages"),
        ({"subtitleLanguages": ["en", "en"]}, "subtitleLanguages"),
        ({"originalLanguage": "EN!"}, "originalLanguage"),
        ({"contentRating": "x" * 17}, "contentRating"),
    ],
)
async def test_create_title_rejects_bad_input_naming_the_field(
    graphql: GraphQL, editor_key: str, fields: dict[str, Any], field: str
) -> None:
    variables = {"input": {"name": "Valid Name", "kind": "MOVIE", **fields}}
    body = await graphql(CREATE, variables, key=editor_key)
    assert error_codes(body) == ["BAD_USER_INPUT"], body
    assert body["errors"][0]["extensions"]["field"] == field
    assert f"`{field}`" in body["errors"][0]["message"]


async def test_a_failed_create_leaves_nothing_behind(graphql: GraphQL, editor_key: str) -> None:
    slug = unique("half-made")
    body = await graphql(
        CREATE,
        {"input": {"name": "Half", "kind": "MOVIE", "slug": slug, "genres": ["nope"]}},
        key=editor_key,
    )
    assert error_codes(body) == ["BAD_USER_INPUT"]
    assert data(await graphql(READ, {"slug": slug})) == {"title": None}


async def test_update_changes_only_given_fields_and_bumps_the_version(
    graphql: GraphQL, editor_key: str
) -> None:
    made = await _create(graphql, editor_key, year=2001, genres=["comedy"], synopsis="Old.")
    updated = data(
        await graphql(
            UPDATE,
            {"id": made["id"], "input": {"expectedVersion": 1, "year": 2002, "synopsis": None}},
            key=editor_key,
        )
    )["updateTitle"]
    assert updated["version"] == 2
    assert updated["year"] == 2002
    assert updated["name"] == made["name"]
    assert [g["slug"] for g in updated["genres"]] == ["comedy"]
    assert updated["synopsis"] is None


async def test_a_stale_version_is_a_conflict_and_changes_nothing(
    graphql: GraphQL, editor_key: str
) -> None:
    made = await _create(graphql, editor_key)
    first = {"id": made["id"], "input": {"expectedVersion": 1, "name": "First Edit"}}
    second = {"id": made["id"], "input": {"expectedVersion": 1, "name": "Second Edit"}}
    assert data(await graphql(UPDATE, first, key=editor_key))["updateTitle"]["version"] == 2
    body = await graphql(UPDATE, second, key=editor_key)
    assert error_codes(body) == ["CONFLICT"]
    assert body["errors"][0]["extensions"]["currentVersion"] == 2
    assert (await _read(graphql, made["slug"]))["name"] == "First Edit"


async def test_null_for_a_required_field_is_bad_input(graphql: GraphQL, editor_key: str) -> None:
    made = await _create(graphql, editor_key)
    body = await graphql(
        UPDATE, {"id": made["id"], "input": {"expectedVersion": 1, "name": None}}, key=editor_key
    )
    assert error_codes(body) == ["BAD_USER_INPUT"]
    assert body["errors"][0]["extensions"]["field"] == "name"


async def test_delete_title_returns_its_id_then_it_is_gone(
    graphql: GraphQL, editor_key: str
) -> None:
    made = await _create(graphql, editor_key)
    assert data(await graphql(DELETE, {"id": made["id"]}, key=editor_key)) == {
        "deleteTitle": made["id"]
    }
    assert data(await graphql(READ, {"slug": made["slug"]})) == {"title": None}
    again = await graphql(DELETE, {"id": made["id"]}, key=editor_key)
    assert error_codes(again) == ["NOT_FOUND"]


async def test_ids_of_the_wrong_type_are_bad_input(graphql: GraphQL, editor_key: str) -> None:
    review_id = data(
        await graphql('{ title(slug: "refusenik-2007") { reviews { edges { node { id } } } } }')
    )["title"]["reviews"]["edges"][0]["node"]["id"]
    body = await graphql(DELETE, {"id": review_id}, key=editor_key)
    assert error_codes(body) == ["BAD_USER_INPUT"]


async def test_set_credits_replaces_the_list_in_billing_order(
    graphql: GraphQL, editor_key: str
) -> None:
    made = await _create(graphql, editor_key)
    newcomer = unique("Newcomer Person")
    credits = [
        {"role": "DIRECTOR", "person": "laura-bialis"},
        {"role": "CAST", "name": newcomer, "character": "The Lead"},
    ]
    result = data(await graphql(CREDITS, {"id": made["id"], "credits": credits}, key=editor_key))
    assert [(c["order"], c["role"], c["person"]["name"]) for c in result["setCredits"]] == [
        (0, "DIRECTOR", "Laura Bialis"),
        (1, "CAST", newcomer),
    ]
    replaced = [{"role": "WRITER", "person": "laura-bialis"}]
    await graphql(CREDITS, {"id": made["id"], "credits": replaced}, key=editor_key)
    read = await _read(graphql, made["slug"])
    assert read["credits"]["totalCount"] == 1


async def test_set_credits_with_one_bad_entry_changes_nothing(
    graphql: GraphQL, editor_key: str
) -> None:
    made = await _create(graphql, editor_key)
    good = [{"role": "DIRECTOR", "person": "laura-bialis"}]
    await graphql(CREDITS, {"id": made["id"], "credits": good}, key=editor_key)
    bad = [{"role": "CAST", "name": "Someone New"}, {"role": "CAST", "person": "nobody-xyz"}]
    body = await graphql(CREDITS, {"id": made["id"], "credits": bad}, key=editor_key)
    assert error_codes(body) == ["BAD_USER_INPUT"]
    assert "nobody-xyz" in body["errors"][0]["message"]
    read = await _read(graphql, made["slug"])
    assert [e["node"]["person"]["slug"] for e in read["credits"]["edges"]] == ["laura-bialis"]
    both = [{"role": "CAST", "person": "laura-bialis", "name": "Laura Bialis"}]
    body = await graphql(CREDITS, {"id": made["id"], "credits": both}, key=editor_key)
    assert body["errors"][0]["extensions"]["field"] == "credits[0]"


async def test_upsert_offer_adds_then_replaces_its_terms(graphql: GraphQL, editor_key: str) -> None:
    made = await _create(graphql, editor_key)
    offer = {
        "provider": "apple-tv",
        "region": "us",
        "monetization": "RENT",
        "url": "https://tv.example.com/rent",
        "price": {"amount": "3.99", "currency": "usd"},
    }
    first = data(await graphql(UPSERT, {"id": made["id"], "input": offer}, key=editor_key))
    assert first["upsertOffer"]["region"] == "US"
    assert first["upsertOffer"]["price"] == {"amount": "3.99", "currency": "USD"}
    cheaper = {**offer, "price": {"amount": "1.99", "currency": "USD"}}
    await graphql(UPSERT, {"id": made["id"], "input": cheaper}, key=editor_key)
    offers = (await _read(graphql, made["slug"]))["offers"]
    assert offers == [
        {"provider": {"slug": "apple-tv"}, "monetization": "RENT", "price": {"amount": "1.99"}}
    ]
    # The quality is part of an offer's identity: another quality is another offer.
    in_uhd = {**offer, "price": {"amount": "5.99", "currency": "USD"}, "quality": "UHD"}
    await graphql(UPSERT, {"id": made["id"], "input": in_uhd}, key=editor_key)
    offers = (await _read(graphql, made["slug"]))["offers"]
    assert [offer["price"]["amount"] for offer in offers] == ["1.99", "5.99"]


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"region": "USA"}, "region"),
        ({"provider": "no-such-provider"}, "provider"),
        ({"price": {"amount": "-1", "currency": "USD"}}, "price.amount"),
        ({"price": {"amount": "1.999", "currency": "USD"}}, "price.amount"),
        ({"price": {"amount": "1", "currency": "XYZ"}}, "price.currency"),
        ({"price": None}, "price"),
        ({"monetization": "SUBSCRIPTION"}, "price"),
        ({"url": "http://insecure.example.com"}, "url"),
        ({"url": "not a url"}, "url"),
        (
            {"availableFrom": "2030-01-02T00:00:00Z", "availableUntil": "2030-01-01T00:00:00Z"},
            "availableUntil",
        ),
    ],
)
async def test_upsert_offer_rejects_bad_input_naming_the_field(
    graphql: GraphQL, editor_key: str, changes: dict[str, Any], field: str
) -> None:
    title_id = data(await graphql('{ title(slug: "refusenik-2007") { id } }'))["title"]["id"]
    offer = {
        "provider": "apple-tv",
        "region": "US",
        "monetization": "RENT",
        "url": "https://tv.example.com/x",
        "price": {"amount": "2.00", "currency": "USD"},
        **changes,
    }
    body = await graphql(UPSERT, {"id": title_id, "input": offer}, key=editor_key)
    assert error_codes(body) == ["BAD_USER_INPUT"], body
    extensions = body["errors"][0]["extensions"]
    assert extensions.get("field", extensions.get("argument")) == field


async def test_remove_offer_says_whether_it_removed_one(graphql: GraphQL, editor_key: str) -> None:
    made = await _create(graphql, editor_key)
    offer = {
        "provider": "tubi",
        "region": "GB",
        "monetization": "ADS",
        "url": "https://t.example.com",
    }
    await graphql(UPSERT, {"id": made["id"], "input": offer}, key=editor_key)
    remove = {"id": made["id"], "provider": "tubi", "region": "gb", "monetization": "ADS"}
    assert data(await graphql(REMOVE, remove, key=editor_key)) == {"removeOffer": True}
    assert data(await graphql(REMOVE, remove, key=editor_key)) == {"removeOffer": False}


async def test_add_review_is_signed_by_the_critic_key(
    graphql: GraphQL, critic_key: str, editor_key: str
) -> None:
    made = await _create(graphql, editor_key)
    title_id = made["id"]
    review = {"body": "  Moving and precise.  ", "rating": 4.5, "publication": "The Ledger"}
    added = data(await graphql(REVIEW, {"id": title_id, "input": review}, key=critic_key))
    assert added["addReview"]["reviewer"] == "Test Critic"
    assert added["addReview"]["body"] == {"full": "Moving and precise."}
    assert added["addReview"]["title"] == {"slug": made["slug"]}
    rated = data(await graphql(RATING, {"slug": made["slug"]}))
    assert rated["title"]["criticRating"] == 4.5


@pytest.mark.parametrize(
    ("review", "field"),
    [
        ({"body": "ok", "rating": 4.3}, "rating"),
        ({"body": "ok", "rating": 6}, "rating"),
        ({"body": " "}, "body"),
    ],
)
async def test_add_review_rejects_bad_input(
    graphql: GraphQL, critic_key: str, review: dict[str, Any], field: str
) -> None:
    title_id = data(await graphql('{ title(slug: "refusenik-2007") { id } }'))["title"]["id"]
    body = await graphql(REVIEW, {"id": title_id, "input": review}, key=critic_key)
    assert error_codes(body) == ["BAD_USER_INPUT"]
    assert body["errors"][0]["extensions"]["field"] == field


async def test_writes_to_a_missing_title_are_not_found(
    graphql: GraphQL, editor_key: str, critic_key: str
) -> None:
    made = await _create(graphql, editor_key)
    await graphql(DELETE, {"id": made["id"]}, key=editor_key)
    credits = {"id": made["id"], "credits": []}
    assert error_codes(await graphql(CREDITS, credits, key=editor_key)) == ["NOT_FOUND"]
    review = {"id": made["id"], "input": {"body": "Gone."}}
    assert error_codes(await graphql(REVIEW, review, key=critic_key)) == ["NOT_FOUND"]


async def test_a_document_with_two_mutations_is_refused_before_either_runs(
    graphql: GraphQL, editor_key: str
) -> None:
    first, second = unique("partial-commit-a"), unique("partial-commit-b")
    body = await graphql(
        """mutation($a: String!, $b: String!) {
          a: createTitle(input: {name: "Partial Commit A", slug: $a, kind: MOVIE}) { slug }
          ...More
        }
        fragment More on Mutation {
          b: createTitle(input: {name: "", slug: $b, kind: MOVIE}) { slug }
        }""",
        {"a": first, "b": second},
        key=editor_key,
    )
    assert body["data"] is None
    assert error_codes(body) == ["BAD_USER_INPUT"]
    assert "only one mutation" in body["errors"][0]["message"]
    for slug in (first, second):
        assert data(await graphql(READ, {"slug": slug})) == {"title": None}


async def test_one_mutation_may_ask_for_typename_beside_it(
    graphql: GraphQL, editor_key: str
) -> None:
    body = await graphql(
        'mutation { __typename createTitle(input: {name: "Typename Too", kind: MOVIE}) { name } }',
        key=editor_key,
    )
    assert data(body) == {"__typename": "Mutation", "createTitle": {"name": "Typename Too"}}


async def test_credits_by_name_keep_people_apart_whose_slugs_would_clash(
    graphql: GraphQL, editor_key: str
) -> None:
    made = await _create(graphql, editor_key)
    suffix = unique("x").replace("-", " ")
    names = [f"Jos\u00e9 {suffix}", f"Jose {suffix}", "Laura Biali\u0161"]
    credits = [{"role": "CAST", "name": name} for name in names]
    people = [
        c["person"]
        for c in data(
            await graphql(CREDITS, {"id": made["id"], "credits": credits}, key=editor_key)
        )["setCredits"]
    ]
    assert [p["name"] for p in people] == names
    assert len({p["slug"] for p in people}) == 3
    assert people[1]["slug"] == f"{people[0]['slug']}-2"
    assert people[2]["slug"].startswith("laura-bialis-")  # not Laura Bialis's slug
    again = [{"role": "DIRECTOR", "name": name} for name in names]
    result = data(await graphql(CREDITS, {"id": made["id"], "credits": again}, key=editor_key))
    assert [c["person"] for c in result["setCredits"]] == people  # found by exact name


async def test_long_names_get_distinct_valid_slugs_cut_at_a_word(
    graphql: GraphQL, editor_key: str
) -> None:
    made = await _create(graphql, editor_key)
    stem = ("ab " * 40)[:119] + unique("q").replace("-", " ")
    names = [f"{stem} one", f"{stem} two", "ab " * 66 + "cd"]
    credits = [{"role": "CAST", "name": name} for name in names]
    people = [
        c["person"]
        for c in data(
            await graphql(CREDITS, {"id": made["id"], "credits": credits}, key=editor_key)
        )["setCredits"]
    ]
    assert [p["name"] for p in people] == names
    assert len({p["slug"] for p in people}) == 3
    for person in people:
        slug = person["slug"]
        assert len(slug) <= 120 and not slug.endswith("-") and "--" not in slug
        by_slug = [{"role": "WRITER", "person": slug}]
        assert "errors" not in await graphql(
            CREDITS, {"id": made["id"], "credits": by_slug}, key=editor_key
        )


@pytest.mark.parametrize(
    "credits",
    [
        [{"role": "CAST", "person": "laura-bialis"}, {"role": "CAST", "person": "laura-bialis"}],
        [
            {"role": "DIRECTOR", "person": "laura-bialis"},
            {"role": "DIRECTOR", "name": "Laura Bialis"},
        ],
        [{"role": "CAST", "name": "Twice Listed"}, {"role": "CAST", "name": "Twice Listed"}],
    ],
)
async def test_the_same_person_twice_in_one_role_is_refused(
    graphql: GraphQL, editor_key: str, credits: list[dict[str, str]]
) -> None:
    made = await _create(graphql, editor_key)
    body = await graphql(CREDITS, {"id": made["id"], "credits": credits}, key=editor_key)
    assert error_codes(body) == ["BAD_USER_INPUT"], body
    assert body["errors"][0]["extensions"]["field"] == "credits[1]"
    assert (await _read(graphql, made["slug"]))["credits"]["totalCount"] == 0


async def test_one_person_in_two_roles_is_two_credits(graphql: GraphQL, editor_key: str) -> None:
    made = await _create(graphql, editor_key)
    credits = [
        {"role": "DIRECTOR", "person": "laura-bialis"},
        {"role": "PRODUCER", "name": "Laura Bialis"},
    ]
    result = data(await graphql(CREDITS, {"id": made["id"], "credits": credits}, key=editor_key))
    assert [c["person"]["slug"] for c in result["setCredits"]] == ["laura-bialis"] * 2
