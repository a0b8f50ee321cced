"""Relay global object identification: node(id) refetches every Node type."""

import base64

from tests.helpers import GraphQL, data, error_codes

IDS = """{
  title(slug: "refusenik-2007") {
    id
    reviews(first: 1) { edges { node { id } } }
    credits(first: 1) { edges { node { person { id slug } } } }
    offers(region: "US") { provider { id slug } }
  }
}"""

REFETCH = """query($id: ID!) { node(id: $id) { __typename id
  ... on Title { slug } ... on Person { slug }
  ... on Review { reviewer } ... on Provider { slug } } }"""


async def test_every_node_type_refetches_by_its_id(graphql: GraphQL) -> None:
    title = data(await graphql(IDS))["title"]
    ids = {
        "Title": title["id"],
        "Review": title["reviews"]["edges"][0]["node"]["id"],
        "Person": title["credits"]["edges"][0]["node"]["person"]["id"],
        "Provider": title["offers"][0]["provider"]["id"],
    }
    assert len(set(ids.values())) == 4
    for typename, global_id in ids.items():
        node = data(await graphql(REFETCH, {"id": global_id}))["node"]
        assert node["__typename"] == typename
        assert node["id"] == global_id
    refetched_title = data(await graphql(REFETCH, {"id": ids["Title"]}))["node"]
    assert refetched_title["slug"] == "refusenik-2007"


async def test_well_formed_id_of_nothing_is_null(graphql: GraphQL) -> None:
    title_id = data(await graphql(IDS))["title"]["id"]
    missing = base64.urlsafe_b64encode(b"Title:999999999").decode().rstrip("=")
    unknown_type = base64.urlsafe_b64encode(b"Spaceship:1").decode().rstrip("=")
    assert title_id != missing
    assert data(await graphql(REFETCH, {"id": missing})) == {"node": None}
    assert data(await graphql(REFETCH, {"id": unknown_type})) == {"node": None}


async def test_malformed_id_is_bad_user_input_naming_it(graphql: GraphQL) -> None:
    for bad in ("not base64!", "VGl0bGU6", "VGl0bGU6YWJj", ""):
        body = await graphql(REFETCH, {"id": bad})
        assert error_codes(body) == ["BAD_USER_INPUT"], bad
        assert repr(bad) in body["errors"][0]["message"]
