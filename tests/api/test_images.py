"""Images: a URL per width from the stored renditions, a title's images and poster."""

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from api.settings import get_settings
from models import Channel, Image, ImageKind, ImageRendition
from tests.helpers import GraphQL, data, error_codes

LOGO = """query($w: Int) { channel(slug: "zz-images") { logo { kind width height language
  url original: url sized: url(width: $w) } } }"""


@pytest.fixture(scope="module")
async def logo(sessions: async_sessionmaker[AsyncSession]) -> None:
    """A channel logo 1000 wide, with renditions 100, 300 and 600 wide."""
    async with sessions() as session, session.begin():
        channel = Channel(slug="zz-images", name="Images", region="FJ", time_zone="UTC")
        session.add(channel)
        await session.flush()
        image = Image(
            kind=ImageKind.LOGO,
            channel_id=channel.id,
            width=1000,
            height=500,
            path="test/logo.png",
        )
        session.add(image)
        await session.flush()
        for width in (300, 100, 600):
            session.add(
                ImageRendition(
                    image_id=image.id, width=width, height=width // 2, path=f"test/{width}.png"
                )
            )


@pytest.mark.parametrize(
    ("width", "path"),
    [
        (1, "test/100.png"),
        (100, "test/100.png"),
        (101, "test/300.png"),
        (599, "test/600.png"),
        (600, "test/600.png"),
        (601, "test/600.png"),
        (10_000, "test/600.png"),
        (None, "test/logo.png"),
    ],
)
async def test_a_url_is_the_smallest_rendition_at_least_that_wide_else_the_largest(
    graphql: GraphQL, logo: None, width: int | None, path: str
) -> None:
    base = get_settings().image_base_url + "/"
    found = data(await graphql(LOGO, {"w": width}))["channel"]["logo"]
    assert found == {
        "kind": "LOGO",
        "width": 1000,
        "height": 500,
        "language": None,
        "url": base + "test/logo.png",
        "original": base + "test/logo.png",
        "sized": base + path,
    }


@pytest.mark.parametrize("width", [0, -1, 10_001])
async def test_a_width_outside_1_to_10000_is_refused(
    graphql: GraphQL, logo: None, width: int
) -> None:
    body = await graphql(LOGO, {"w": width})
    assert error_codes(body) == ["BAD_USER_INPUT"]
    assert body["errors"][0]["extensions"]["argument"] == "width"


async def test_an_image_without_renditions_is_its_original_at_any_width(
    graphql: GraphQL, sessions: async_sessionmaker[AsyncSession]
) -> None:
    async with sessions() as session, session.begin():
        channel = Channel(slug="zz-bare", name="Bare", region="FJ", time_zone="UTC")
        session.add(channel)
        await session.flush()
        session.add(
            Image(
                kind=ImageKind.LOGO,
                channel_id=channel.id,
                width=10,
                height=10,
                path="test/bare.png",
            )
        )
    query = '{ channel(slug: "zz-bare") { logo { url(width: 50) } } }'
    url = data(await graphql(query))["channel"]["logo"]["url"]
    assert url == get_settings().image_base_url + "/test/bare.png"


async def test_a_titles_images_by_kind_position_first_and_its_poster_is_the_first_poster(
    graphql: GraphQL, sessions: async_sessionmaker[AsyncSession]
) -> None:
    query = """{ title(slug: "i-love-lucy-1951") { poster { url }
      images { kind url } posters: images(kinds: [POSTER]) { url }
      none: images(kinds: []) { url } one: images(first: 1) { kind } zero: images(first: 0) { url }
      stills: images(kinds: [STILL, LOGO]) { url } } }"""
    title = data(await graphql(query))["title"]
    assert title["images"] and title["poster"] == title["posters"][0]
    kinds = [image["kind"] for image in title["images"]]
    order = [kind.value for kind in ImageKind]
    assert kinds == sorted(kinds, key=order.index)
    assert title["one"] == [{"kind": kinds[0]}]
    assert (title["none"], title["zero"], title["stills"]) == ([], [], [])


async def test_images_first_outside_0_to_100_is_refused(graphql: GraphQL) -> None:
    body = await graphql('{ title(slug: "i-love-lucy-1951") { images(first: 101) { url } } }')
    assert error_codes(body) == ["BAD_USER_INPUT"]


async def test_an_argument_is_read_from_its_own_field_when_a_sibling_has_none(
    graphql: GraphQL, logo: None
) -> None:
    """Regression: the planner cached each field's arguments by the id() of a
    short-lived object; once `url` (no arguments) was freed, `url(width:)` planned
    next could get its id, and with it no width (the original instead of a rendition)."""
    for attempt in range(20):  # each a new document, planned afresh
        query = f"""{{ channel(slug: "zz-images") {{ logo {{
          plain{attempt}: url sized: url(width: 101) }} }} }}"""
        logo_urls = data(await graphql(query))["channel"]["logo"]
        assert logo_urls[f"plain{attempt}"].endswith("test/logo.png")
        assert logo_urls["sized"].endswith("test/300.png"), attempt


async def test_the_first_image_of_a_kind_is_the_lowest_position_on_both_paths(
    client: httpx.AsyncClient,
    reference_client: httpx.AsyncClient,
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    async with sessions() as session, session.begin():
        channel = Channel(slug="zz-two-logos", name="Two logos", region="FJ", time_zone="UTC")
        session.add(channel)
        await session.flush()
        for position in (2, 0, 1):  # inserted out of order: ids do not follow positions
            session.add(
                Image(
                    kind=ImageKind.LOGO,
                    channel_id=channel.id,
                    width=10,
                    height=10,
                    path=f"test/two-{position}.png",
                    position=position,
                )
            )
    query = '{ channel(slug: "zz-two-logos") { logo { url } } }'
    for path in (client, reference_client):
        body = (await path.post("/graphql", json={"query": query})).json()
        assert data(body)["channel"]["logo"]["url"].endswith("test/two-0.png")
