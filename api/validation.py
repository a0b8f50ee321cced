"""Checks for mutation inputs; each failure is BAD_USER_INPUT naming the field."""

import re
from collections.abc import Sequence
from decimal import Decimal
from urllib.parse import urlsplit

from api.errors import BadUserInput

_SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
# BCP 47 in the shapes a catalogue meets: "en", "pt-BR", "zh-Hant", "es-419".
_LANGUAGE = re.compile(r"[a-z]{2,3}(?:-[A-Za-z0-9]{2,8})*")


def invalid(field: str, problem: str) -> BadUserInput:
    return BadUserInput(f"`{field}` {problem}.", field=field)


def text(field: str, value: str, max_length: int) -> str:
    value = value.strip()
    if not value:
        raise invalid(field, "must not be empty")
    if "\x00" in value:
        raise invalid(field, "must not contain NUL characters")
    if len(value) > max_length:
        raise invalid(field, f"must be at most {max_length} characters, got {len(value)}")
    return value


def number(field: str, value: int, low: int, high: int) -> int:
    if not low <= value <= high:
        raise invalid(field, f"must be between {low} and {high}, got {value}")
    return value


def slug(field: str, value: str) -> str:
    if len(value) > 120 or not _SLUG.fullmatch(value):
        raise invalid(field, f"must be lower-case words joined by hyphens, got {value!r}")
    return value


def language(field: str, value: str) -> str:
    if len(value) > 35 or not _LANGUAGE.fullmatch(value):
        raise invalid(field, f"must be a BCP 47 language tag like 'en' or 'pt-BR', got {value!r}")
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
    return value


def price(field: str, value: Decimal) -> Decimal:
    if not value.is_finite() or value < 0:
        raise invalid(field, f"must not be negative, got {value}")
    if value >= Decimal("100000000") or value != value.quantize(Decimal("0.01")):
        raise invalid(field, f"must have at most 8 digits and 2 decimals, got {value}")
    return value


def https_url(field: str, value: str) -> str:
    value = value.strip()
    try:
        parts = urlsplit(value)
    except ValueError:
        parts = urlsplit("")
    if parts.scheme != "https" or not parts.hostname or len(value) > 2000:
        raise invalid(field, f"must be an https:// URL of at most 2000 characters, got {value!r}")
    return value
