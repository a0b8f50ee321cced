"""Blurb.truncated through the API: one resolver for synopses and review bodies."""

import pytest

from seed.example import REVIEW_TEXT
from tests.helpers import GraphQL, data

BLURBS = """query($max: Int!, $at: TruncateAt!) {
  title(slug: "refusenik-2007") {
    synopsis { truncated(maxLength: $max, at: $at) { text isTruncated } }
    reviews(first: 1) {
      edges { node { body { truncated(maxLength: $max, at: $at) { text isTruncated } } } }
    }
  }
}"""


async def _both(graphql: GraphQL, max_length: int, at: str) -> list[dict[str, object]]:
    title = data(await graphql(BLURBS, {"max": max_length, "at": at}))["title"]
    review = title["reviews"]["edges"][0]["node"]["body"]["truncated"]
    return [title["synopsis"]["truncated"], review]


@pytest.mark.parametrize("at", ["WORD", "SENTENCE", "CHARACTER"])
async def test_synopsis_and_review_body_truncate_identically(graphql: GraphQL, at: str) -> None:
    synopsis, review = await _both(graphql, 250, at)
    assert synopsis == review
    assert synopsis["isTruncated"] is True
    text = str(synopsis["text"])
    assert len(text) <= 250
    assert REVIEW_TEXT.startswith(text.removesuffix("…"))


async def test_sentence_mode_keeps_whole_sentences_without_an_ellipsis(graphql: GraphQL) -> None:
    synopsis, _ = await _both(graphql, 300, "SENTENCE")
    assert synopsis["text"] == REVIEW_TEXT.split("\n\n")[0]


async def test_a_text_that_fits_comes_back_unchanged(graphql: GraphQL) -> None:
    synopsis, _ = await _both(graphql, 10_000, "WORD")
    assert synopsis == {"text": REVIEW_TEXT, "isTruncated": False}


async def test_word_mode_is_the_default_and_280_the_default_length(graphql: GraphQL) -> None:
    body = await graphql(
        '{ title(slug: "refusenik-2007") { synopsis { truncated { text } '
        "word: truncated(maxLength: 280, at: WORD) { text } } } }"
    )
    synopsis = data(body)["title"]["synopsis"]
    assert synopsis["truncated"] == synopsis["word"]
