"""Checks for mutation inputs; each failure is BAD_USER_INPUT naming the field."""

import re
import unicodedata
from collections.abc import Sequence
from datetime import UTC, date, datetime
from decimal import Decimal
from urllib.parse import urlsplit

import regex

from api.core.errors import BadUserInput, shown
from api.core.iso_codes import LANGUAGES

SLUG_LENGTH = 120
_SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
# BCP 47 in the shapes a catalogue meets: "en", "pt-BR", "zh-Hant", "es-419", "yue".
_LANGUAGE = re.compile(r"([a-z]{2,3})(?:-[A-Za-z0-9]{2,8})*")
# Text must show something: a character that is not a space, a mark, a control,
# format or unassigned code point, nor one that renders as nothing (U+200B, U+3164...).
_VISIBLE = regex.compile(r"[^\p{White_Space}\p{Default_Ignorable_Code_Point}\p{C}\p{M}]")
# Spaces and zero-width characters at either end are trimmed.
_EDGES = regex.compile(r"^[\s\u200b\u200c\u200d\u2060\ufeff]+|[\s\u200b\u200c\u200d\u2060\ufeff]+$")
# Single-line text (names, labels) takes no control characters, no line or paragraph
# separators and no explicit bidi formatting, which can make "exe.png" read "gnp.exe".
_SINGLE_LINE_REFUSED = regex.compile(r"[\p{Cc}\u2028\u2029\u202a-\u202e\u2066-\u2069]")
# Prose keeps tabs, newlines and the bidi embeddings and isolates that mixed-script
# text uses; the overrides only reorder characters for show.
_MULTI_LINE_REFUSED = regex.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202d\u202e]")
# No script stacks more non-spacing marks on one character (Vietnamese uses two,
# cantillated Hebrew four or five); longer runs are "Zalgo" text.
MAX_MARKS = 8
_MARK_RUN = regex.compile(rf"[\p{{Mn}}\p{{Me}}]{{{MAX_MARKS + 1},}}")


def invalid(field: str, problem: str) -> BadUserInput:
    return BadUserInput(f"`{field}` {problem}.", field=field)


def text(field: str, value: str, max_length: int, *, multiline: bool = False) -> str:
    """Trimmed, NFC-normalised text that shows something and hides nothing."""
    value = _EDGES.sub("", unicodedata.normalize("NFC", value))
    if "\x00" in value:
        raise invalid(field, "must not contain NUL characters")
    if not _VISIBLE.search(value):
        raise invalid(field, "must not be empty (or only invisible characters)")
    refused = (_MULTI_LINE_REFUSED if multiline else _SINGLE_LINE_REFUSED).search(value)
    if refused:
        kind = "control or bidi override" if multiline else "control, line break or bidi"
        raise invalid(
            field, f"must not contain {kind} characters, got U+{ord(refused.group()):04X}"
        )
    if _MARK_RUN.search(value):
        raise invalid(field, f"must not stack more than {MAX_MARKS} combining marks")
    if len(value) > max_length:
        raise invalid(field, f"must be at most {max_length} characters, got {len(value)}")
    return value


def number(field: str, value: int, low: int, high: int) -> int:
    if not low <= value <= high:
        raise invalid(field, f"must be between {low} and {high}, got {value}")
    return value


def day(field: str, value: date, low: date, high: date) -> date:
    """A date within [low, high]: both engines store every such date as itself
    (asyncpg would turn 0001-01-01 and 9999-12-31 into -infinity and infinity)."""
    if not low <= value <= high:
        raise invalid(field, f"must be between {low} and {high}, got {value}")
    return value


def moment(field: str, value: datetime, low: datetime, high: datetime) -> datetime:
    """An aware datetime within [low, high], as UTC."""
    if value.tzinfo is None:
        raise invalid(field, "must include a time zone offset")
    # Aware datetimes compare by their UTC instants without converting, so an offset
    # that takes the instant past year 1 or 9999 is refused here, not overflowed.
    if not low <= value <= high:
        span = f"{low:%Y-%m-%dT%H:%M:%SZ} and {high:%Y-%m-%dT%H:%M:%SZ}"
        raise invalid(field, f"must be between {span}, got {value.isoformat()}")
    return value.astimezone(UTC)


def slug(field: str, value: str) -> str:
    if len(value) > SLUG_LENGTH or not _SLUG.fullmatch(value):
        raise invalid(field, f"must be lower-case words joined by hyphens, got {shown(value)}")
    return value


def language(field: str, value: str) -> str:
    shape = _LANGUAGE.fullmatch(value) if len(value) <= 35 else None
    if shape is None or shape.group(1) not in LANGUAGES:
        raise invalid(
            field,
            "must be a BCP 47 language tag starting with an ISO 639 language code, "
            f"like 'en', 'pt-BR' or 'yue', got {shown(value)}",
        )
    return value


def languages(field: str, values: Sequence[str]) -> list[str]:
    if len(values) > 50:
        raise invalid(field, "may list at most 50 languages")
    checked = [language(field, value) for value in values]
    if len(set(checked)) != len(checked):
        raise invalid(field, "lists a language twice")
    return checked


def rating(field: str, value: float) -> float:
    if not 0 <= value <= 5 or value * 2 != int(value * 2):
        raise invalid(field, f"must be 0..5 in steps of 0.5, got {value}")
    return 0.0 if value == 0 else value  # not -0.0


def price(field: str, value: Decimal) -> Decimal:
    if not value.is_finite():
        raise invalid(field, f"must be a number, got {shown(str(value))}")
    if value < 0:
        raise invalid(field, f"must not be negative, got {value}")
    if value >= Decimal("100000000") or value != value.quantize(Decimal("0.01")):
        raise invalid(field, f"must have at most 8 digits and 2 decimals, got {shown(value)}")
    return value


def https_url(field: str, value: str) -> str:
    value = value.strip()
    if len(value) > 2000 or regex.search(r"[\s\p{C}]", value):
        raise invalid(
            field,
            "must be an https:// URL of at most 2000 characters, with spaces and control "
            f"characters percent-encoded, got {shown(value)}",
        )
    try:
        parts = urlsplit(value)
        hostname = parts.hostname
    except ValueError:
        parts, hostname = urlsplit(""), None
    if parts.scheme != "https" or not hostname:
        raise invalid(field, f"must be an https:// URL, got {shown(value)}")
    if "@" in parts.netloc:
        raise invalid(field, "must not contain a user name or password")
    return value


_APP_SCHEME = re.compile(r"[a-z][a-z0-9+.-]*")
# Schemes that run or embed content instead of opening an app.
_REFUSED_SCHEMES = frozenset({"javascript", "data", "file", "vbscript", "blob", "about"})


def app_url(field: str, value: str) -> str:
    """An app's deep link (`nflx://...`) or an https:// URL."""
    value = value.strip()
    if len(value) > 2000 or regex.search(r"[\s\p{C}]", value):
        raise invalid(
            field,
            "must be a URL of at most 2000 characters, with spaces and control characters"
            f" percent-encoded, got {shown(value)}",
        )
    scheme, separator, rest = value.partition("://")
    if not separator or not rest or not _APP_SCHEME.fullmatch(scheme.lower()):
        raise invalid(field, f"must be a URL like `nflx://title/80057281`, got {shown(value)}")
    if scheme.lower() in _REFUSED_SCHEMES or scheme.lower() == "http":
        raise invalid(field, f"must not use the {scheme.lower()}: scheme")
    if scheme.lower() == "https":
        return https_url(field, value)
    return value
