"""Grapheme-safe truncation of display text (synopses, reviews) at word, sentence or character."""

import enum
import unicodedata
from bisect import bisect_right
from collections.abc import Sequence
from itertools import accumulate
from typing import NamedTuple

import regex

ELLIPSIS = "\u2026"


class TruncateAt(enum.Enum):
    WORD = "WORD"
    SENTENCE = "SENTENCE"
    CHARACTER = "CHARACTER"


class Truncated(NamedTuple):
    text: str
    is_truncated: bool


_GRAPHEME = regex.compile(r"\X")
# A grapheme boundary always falls between two of these code points (break property
# Other/Control/LF, not Extended_Pictographic, not an Indic conjunct consonant), so a window
# made only of them (most Latin-script text) can skip \X, which is an order of magnitude slower.
_ONE_CLUSTER_PER_CHAR = regex.compile(
    r"[\t\n\x20-\x7e\xa0-\xa8\xaa-\xac\xaf-\u02ff"
    r"\u2010-\u2027\u2030-\u203b\u203d-\u2048\u204a-\u205e]*"
)
_TERMINATORS = frozenset(".!?\u2026")
_QUOTES = frozenset("\"'")


def _is_space(cluster: str) -> bool:
    return cluster[0].isspace()


def _is_punctuation(cluster: str) -> bool:
    return unicodedata.category(cluster[0]).startswith("P")


def _is_closer(cluster: str) -> bool:
    return cluster[0] in _QUOTES or unicodedata.category(cluster[0]) in ("Pe", "Pf")


def _segment(window: str) -> tuple[Sequence[str], Sequence[int]]:
    """Clusters of the window and the offset each one starts at."""
    if _ONE_CLUSTER_PER_CHAR.fullmatch(window):
        return window, range(len(window))
    clusters: list[str] = _GRAPHEME.findall(window)
    return clusters, list(accumulate(map(len, clusters[:-1]), initial=0))


def _strip_back(clusters: Sequence[str], count: int, punctuation: bool) -> int:
    while count:
        cluster = clusters[count - 1]
        # A Prepend mark pulls a following space into its cluster, which must not dangle either.
        if not (
            _is_space(cluster)
            or cluster[-1].isspace()
            or (punctuation and _is_punctuation(cluster))
        ):
            break
        count -= 1
    return count


def _cut_character(text: str, clusters: Sequence[str], starts: Sequence[int], budget: int) -> str:
    count = _strip_back(clusters, bisect_right(starts, budget) - 1, punctuation=False)
    return text[: starts[count]] + ELLIPSIS


def _cut_word(text: str, clusters: Sequence[str], starts: Sequence[int], budget: int) -> str:
    for count in range(bisect_right(starts, budget) - 1, -1, -1):
        if _is_space(clusters[count]):
            kept = _strip_back(clusters, count, punctuation=True)
            if kept:
                return text[: starts[kept]] + ELLIPSIS
            break
    return _cut_character(text, clusters, starts, budget)


def _cut_sentence(text: str, clusters: Sequence[str], starts: Sequence[int], budget: int) -> str:
    for count in range(bisect_right(starts, budget) - 1, 0, -1):
        if not _is_space(clusters[count]):
            continue
        end = count
        while end and _is_closer(clusters[end - 1]):
            end -= 1
        if end and clusters[end - 1][0] in _TERMINATORS:
            return text[: starts[count]]
    return _cut_word(text, clusters, starts, budget - 1)


def truncate(text: str, max_length: int, at: TruncateAt = TruncateAt.WORD) -> Truncated:
    """Shorten ``text`` to at most ``max_length`` code points, ellipsis included."""
    if max_length < 1:
        raise ValueError(f"max_length must be at least 1, got {max_length}")
    if len(text) <= max_length:
        return Truncated(text, False)
    # Boundaries inside the window are boundaries of the whole text; its last cluster may be
    # cut short, but it ends past every budget below, so it is never kept.
    clusters, starts = _segment(text[: max_length + 1])
    if at is TruncateAt.SENTENCE:
        return Truncated(_cut_sentence(text, clusters, starts, max_length), True)
    if at is TruncateAt.WORD:
        return Truncated(_cut_word(text, clusters, starts, max_length - 1), True)
    return Truncated(_cut_character(text, clusters, starts, max_length - 1), True)
