import unicodedata

import pytest
import regex
from hypothesis import given, settings
from hypothesis import strategies as st

from api.core.text import _ONE_CLUSTER_PER_CHAR, ELLIPSIS, TruncateAt, Truncated, truncate

WORD, SENTENCE, CHARACTER = TruncateAt.WORD, TruncateAt.SENTENCE, TruncateAt.CHARACTER

COMBINING_E = "e\u0301"
FAMILY = "\U0001f469\u200d\U0001f469\u200d\U0001f467"
US_FLAG = "\U0001f1fa\U0001f1f8"
FR_FLAG = "\U0001f1eb\U0001f1f7"
HAN_JAMO = "\u1112\u1161\u11ab"

SYNOPSIS = (
    "Laura Bialis' documentary chronicles the decades-long, international grassroots movement "
    "to free Soviet Jews, whose attempts to emigrate or practise their religion were met "
    "with surveillance, imprisonment and exile. Through interviews with former refuseniks, "
    "activists and politicians, the film traces how a handful of students in the 1960s grew "
    "into a worldwide campaign that helped bring down the Iron Curtain."
)


# --- unchanged text -------------------------------------------------------------------------


@pytest.mark.parametrize("at", list(TruncateAt))
@pytest.mark.parametrize("text", ["", "Short.", "exactly10!"])
def test_text_within_the_limit_comes_back_unchanged(text: str, at: TruncateAt) -> None:
    assert truncate(text, 10, at) == Truncated(text, False)


def test_limit_counts_code_points_not_grapheme_clusters() -> None:
    assert truncate(COMBINING_E * 3, 6) == Truncated(COMBINING_E * 3, False)
    assert truncate(COMBINING_E * 3, 5).is_truncated


@pytest.mark.parametrize("max_length", [0, -1])
def test_max_length_below_one_is_rejected(max_length: int) -> None:
    with pytest.raises(ValueError, match="max_length"):
        truncate("", max_length)


def test_word_is_the_default_mode() -> None:
    assert truncate(SYNOPSIS, 100) == truncate(SYNOPSIS, 100, WORD)


# --- WORD -----------------------------------------------------------------------------------


def test_word_mode_cuts_at_the_last_whitespace_that_fits() -> None:
    assert truncate("The quick brown fox jumps", 16) == Truncated("The quick brown\u2026", True)
    assert truncate("The quick brown fox jumps", 15) == Truncated("The quick\u2026", True)


def test_word_mode_counts_the_ellipsis_in_the_limit() -> None:
    result = truncate("aaaa bbbb cccc", 9)
    assert result == Truncated("aaaa\u2026", True)
    assert len(truncate("aaaa bbbb cccc", 10).text) == 10


def test_word_mode_keeps_a_synopsis_up_to_a_whole_word() -> None:
    result = truncate(SYNOPSIS, 280)
    assert result.is_truncated
    assert result.text == SYNOPSIS[:272] + ELLIPSIS
    assert result.text.endswith(" refuseniks, activists and\u2026")
    assert len(result.text) <= 280


@pytest.mark.parametrize(
    ("text", "max_length", "expected"),
    [
        ("Hello, world and more", 9, "Hello\u2026"),
        ("Wait... what happened", 10, "Wait\u2026"),
        ("Wait\u2026 what happened", 10, "Wait\u2026"),
        ("He said \u201cno.\u201d Then left", 16, "He said \u201cno\u2026"),
    ],
)
def test_word_mode_drops_trailing_punctuation(text: str, max_length: int, expected: str) -> None:
    assert truncate(text, max_length, WORD) == Truncated(expected, True)


def test_word_mode_drops_runs_of_whitespace_before_the_ellipsis() -> None:
    assert truncate("one  \n two three", 10) == Truncated("one\u2026", True)


def test_single_long_word_falls_back_to_character() -> None:
    text = "Supercalifragilistic is long"
    assert truncate(text, 10, WORD) == Truncated("Supercali\u2026", True)
    assert truncate(text, 10, WORD) == truncate(text, 10, CHARACTER)


def test_word_mode_falls_back_to_character_when_only_punctuation_precedes_the_space() -> None:
    assert truncate("...  abcdefghijkl", 8) == Truncated("...  ab\u2026", True)


def test_leading_whitespace_is_not_a_word_break() -> None:
    assert truncate(" abcdefghijkl", 6) == Truncated(" abcd\u2026", True)


# --- SENTENCE -------------------------------------------------------------------------------


def test_sentence_mode_keeps_whole_sentences_without_ellipsis() -> None:
    text = "First sentence. Second sentence! Third one?"
    assert truncate(text, 35, SENTENCE) == Truncated("First sentence. Second sentence!", True)
    assert truncate(text, 32, SENTENCE) == Truncated("First sentence. Second sentence!", True)
    assert truncate(text, 31, SENTENCE) == Truncated("First sentence.", True)


def test_sentence_mode_on_a_synopsis() -> None:
    assert truncate(SYNOPSIS, 280, SENTENCE) == Truncated(SYNOPSIS[:215], True)
    assert SYNOPSIS[:215].endswith("imprisonment and exile.")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('He said "Stop." Then he left.', 'He said "Stop."'),
        ("He said 'Stop.' Then he left.", "He said 'Stop.'"),
        ("He said \u201cStop!\u201d Then he left.", "He said \u201cStop!\u201d"),
        ("He asked \u2018Why?\u2019 Then he left.", "He asked \u2018Why?\u2019"),
        ("Il a dit \u00abNon.\u00bb Puis il est parti.", "Il a dit \u00abNon.\u00bb"),
        ("(It rained all day.) Then sun came.", "(It rained all day.)"),
        ("[It rained all day.] Then sun came.", "[It rained all day.]"),
        ("Wait\u2026 Then chaos erupted.", "Wait\u2026"),
    ],
)
def test_sentence_ends_at_terminator_optionally_followed_by_closing_quotes_or_brackets(
    text: str, expected: str
) -> None:
    assert truncate(text, 24, SENTENCE) == Truncated(expected, True)


def test_sentence_terminator_must_be_followed_by_whitespace() -> None:
    assert truncate("Version 2.0 is out now. Yes", 12, SENTENCE) == Truncated(
        "Version 2.0\u2026", True
    )


def test_sentence_mode_drops_trailing_whitespace() -> None:
    assert truncate("One.  \n Two more words", 10, SENTENCE) == Truncated("One.", True)


def test_sentence_mode_falls_back_to_word_when_the_first_sentence_does_not_fit() -> None:
    text = "This first sentence is far too long to fit. Short."
    assert truncate(text, 20, SENTENCE) == Truncated("This first sentence\u2026", True)
    assert truncate(text, 20, SENTENCE) == truncate(text, 20, WORD)


def test_sentence_mode_falls_back_through_word_to_character() -> None:
    assert truncate("Incomprehensibilities. Yes.", 8, SENTENCE) == Truncated("Incompr\u2026", True)


# --- CHARACTER ------------------------------------------------------------------------------


def test_character_mode_cuts_anywhere_and_appends_ellipsis() -> None:
    assert truncate("abcdefghij", 5, CHARACTER) == Truncated("abcd\u2026", True)


def test_character_mode_drops_trailing_whitespace_before_the_ellipsis() -> None:
    assert truncate("abc   defgh", 6, CHARACTER) == Truncated("abc\u2026", True)
    assert truncate("abc\u00a0\u3000\tdefgh", 7, CHARACTER) == Truncated("abc\u2026", True)


def test_character_mode_keeps_trailing_punctuation() -> None:
    assert truncate("abc, defgh", 5, CHARACTER) == Truncated("abc,\u2026", True)


# --- grapheme clusters ----------------------------------------------------------------------


@pytest.mark.parametrize("at", list(TruncateAt))
def test_combining_accent_is_never_split_from_its_letter(at: TruncateAt) -> None:
    text = "Am" + COMBINING_E + "lie"
    assert truncate(text, 4, at) == Truncated("Am\u2026", True)
    assert truncate(text, 5, at) == Truncated("Am" + COMBINING_E + "\u2026", True)


@pytest.mark.parametrize("at", list(TruncateAt))
def test_zwj_emoji_sequence_is_kept_or_dropped_as_a_whole(at: TruncateAt) -> None:
    text = FAMILY + FAMILY + " family"
    assert truncate(text, 10, at) == Truncated(FAMILY + "\u2026", True)
    assert truncate(text, 11, at) == Truncated(FAMILY + FAMILY + "\u2026", True)


@pytest.mark.parametrize("at", list(TruncateAt))
def test_flags_are_never_split_into_regional_indicators(at: TruncateAt) -> None:
    assert truncate(US_FLAG + FR_FLAG + US_FLAG, 4, at) == Truncated(US_FLAG + "\u2026", True)
    assert truncate(US_FLAG * 3, 5, at) == Truncated(US_FLAG * 2 + "\u2026", True)


@pytest.mark.parametrize("at", list(TruncateAt))
def test_decomposed_hangul_syllable_is_never_split(at: TruncateAt) -> None:
    assert truncate(HAN_JAMO * 2, 5, at) == Truncated(HAN_JAMO + "\u2026", True)


@pytest.mark.parametrize("at", list(TruncateAt))
def test_result_is_only_an_ellipsis_when_no_cluster_fits(at: TruncateAt) -> None:
    assert truncate("abc", 1, at) == Truncated(ELLIPSIS, True)
    assert truncate(FAMILY + " and friends", 5, at) == Truncated(ELLIPSIS, True)


def test_cluster_longer_than_the_remaining_room_is_not_kept() -> None:
    text = "Hi. a" + "\u0301" * 20
    assert truncate(text, 7, CHARACTER) == Truncated("Hi.\u2026", True)
    assert truncate(text, 7, WORD) == Truncated("Hi\u2026", True)
    assert truncate(text, 7, SENTENCE) == Truncated("Hi.", True)


def test_space_joined_to_a_prepended_mark_never_dangles_before_the_ellipsis() -> None:
    # U+0600 (Prepend) and the following space form a single grapheme cluster.
    assert truncate("ab\u0600 cdef", 5, CHARACTER) == Truncated("ab\u2026", True)
    assert truncate("ab\u0600 cdef", 5, WORD) == Truncated("ab\u2026", True)


def test_fast_path_only_covers_characters_with_a_grapheme_break_on_both_sides() -> None:
    always_breaks = regex.compile(
        r"(?V1)[[\p{GCB=Other}\p{GCB=Control}\p{GCB=LF}]"
        r"--[\p{Extended_Pictographic}\p{InCB=Consonant}]]*"
    )
    everything = "".join(chr(cp) for cp in range(0x110000) if not 0xD800 <= cp <= 0xDFFF)
    fast = "".join(_ONE_CLUSTER_PER_CHAR.findall(everything))
    assert len(fast) > 500
    assert always_breaks.fullmatch(fast)


# --- properties -----------------------------------------------------------------------------

_GRAPHEME = regex.compile(r"\X")
TERMINATORS = ".!?\u2026"
PIECES = [
    "a", "b", "Z", "word", "Hello", "\u00e9", COMBINING_E, "\u0301", FAMILY, "\u200d",
    US_FLAG, FR_FLAG, "\U0001f1fa", HAN_JAMO, "\ud55c", " ", "  ", "\n", "\t", "\r\n",
    "\u00a0", ".", ",", "!", "?", "\u2026", "...", '"', "'", ")", "]", "\u201d", "\u2019",
    "\u00bb", "-", "(",
]  # fmt: skip
texts = st.lists(st.sampled_from(PIECES), min_size=1, max_size=40).map("".join)
# Mostly Latin text with the odd combining mark: the kind most windows are made of.
latin_texts = st.lists(
    st.sampled_from(
        ["a", "b", " ", ".", ",", "\u00e9", "\u2019", "\u2014", COMBINING_E, "c\u0327"]
    ),
    min_size=1,
    max_size=40,
).map("".join)
any_texts = st.one_of(texts, latin_texts, st.text(min_size=1, max_size=60))
modes = st.sampled_from(TruncateAt)


@st.composite
def cases(draw: st.DrawFn, text_strategy: st.SearchStrategy[str]) -> tuple[str, int]:
    """A text and a max_length around its length, so that most cases get truncated."""
    text = draw(text_strategy)
    return text, draw(st.integers(min_value=1, max_value=len(text) + 2))


fast = settings(max_examples=300, deadline=None, database=None)


def graphemes(text: str) -> list[str]:
    return list(_GRAPHEME.findall(text))


def is_space(cluster: str) -> bool:
    return cluster[0].isspace()


def is_punctuation(cluster: str) -> bool:
    return unicodedata.category(cluster[0]).startswith("P")


def is_closer(cluster: str) -> bool:
    return cluster[0] in "\"'" or unicodedata.category(cluster[0]) in ("Pe", "Pf")


def sentence_ends(text: str) -> list[int]:
    """Offsets right after each sentence (terminator, closers) that whitespace follows."""
    ends, offset = [], 0
    clusters = graphemes(text)
    for index, cluster in enumerate(clusters):
        if index and is_space(cluster):
            before = index
            while before and is_closer(clusters[before - 1]):
                before -= 1
            if before and clusters[before - 1][0] in TERMINATORS:
                ends.append(offset)
        offset += len(cluster)
    return ends


def is_sentence_cut(text: str, result: Truncated) -> bool:
    out = result.text
    return text.startswith(out) and len(out) < len(text) and text[len(out)].isspace()


def kept_prefix(text: str, result: Truncated, at: TruncateAt) -> str:
    """The part of the original that the result keeps (the result minus its own ellipsis)."""
    if not result.is_truncated or (at is SENTENCE and is_sentence_cut(text, result)):
        return result.text
    assert result.text.endswith(ELLIPSIS)
    return result.text[:-1]


def has_word_that_fits(text: str, max_length: int) -> bool:
    seen_word, offset = False, 0
    for cluster in graphemes(text):
        if offset > max_length - 1:
            break
        if is_space(cluster):
            if seen_word:
                return True
        elif not is_punctuation(cluster):
            seen_word = True
        offset += len(cluster)
    return False


@fast
@given(cases(any_texts), modes)
def test_result_never_exceeds_max_length(case: tuple[str, int], at: TruncateAt) -> None:
    text, max_length = case
    assert len(truncate(text, max_length, at).text) <= max_length


@fast
@given(cases(any_texts), modes)
def test_text_is_unchanged_iff_it_fits(case: tuple[str, int], at: TruncateAt) -> None:
    text, max_length = case
    result = truncate(text, max_length, at)
    assert result.is_truncated == (len(text) > max_length)
    assert (result.text == text) == (len(text) <= max_length)


@fast
@given(cases(any_texts), modes)
def test_kept_text_is_a_whole_grapheme_prefix_of_the_original(
    case: tuple[str, int], at: TruncateAt
) -> None:
    text, max_length = case
    kept = kept_prefix(text, truncate(text, max_length, at), at)
    assert text.startswith(kept)
    kept_clusters = graphemes(kept)
    assert kept_clusters == graphemes(text)[: len(kept_clusters)]


@fast
@given(cases(any_texts), modes)
def test_no_whitespace_before_the_ellipsis(case: tuple[str, int], at: TruncateAt) -> None:
    text, max_length = case
    result = truncate(text, max_length, at)
    if result.is_truncated:
        assert not kept_prefix(text, result, at)[-1:].isspace()


@fast
@given(cases(texts))
def test_word_mode_ends_at_a_word_boundary_unless_it_falls_back(case: tuple[str, int]) -> None:
    text, max_length = case
    result = truncate(text, max_length, WORD)
    if not result.is_truncated:
        return
    if has_word_that_fits(text, max_length):
        kept = kept_prefix(text, result, WORD)
        assert kept
        assert not is_space(kept[-1]) and not is_punctuation(graphemes(kept)[-1])
        following = text[len(kept)]
        assert following.isspace() or is_punctuation(following)
        assert not has_word_that_fits(text[len(kept) :], max_length - len(kept))
    else:
        assert result == truncate(text, max_length, CHARACTER)


@fast
@given(cases(texts))
def test_sentence_mode_keeps_the_longest_run_of_sentences_that_fits(case: tuple[str, int]) -> None:
    text, max_length = case
    result = truncate(text, max_length, SENTENCE)
    if not result.is_truncated:
        return
    fitting = [end for end in sentence_ends(text) if end <= max_length]
    if fitting:
        assert result == Truncated(text[: max(fitting)], True)
        clusters = graphemes(result.text)
        while is_closer(clusters[-1]):
            clusters.pop()
        assert clusters[-1][0] in TERMINATORS
    else:
        assert result == truncate(text, max_length, WORD)
