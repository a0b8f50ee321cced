"""Slugs: the URL-safe names rows are found by (`refusenik-2007`)."""

import re
import unicodedata


def slugify(text: str) -> str:
    """Lower-case ASCII words joined by `-` (accents dropped, anything else a separator)."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
