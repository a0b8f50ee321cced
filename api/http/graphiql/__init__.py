"""Self-hosted GraphiQL page: no CDN, the JS/CSS assets ship in ``static/``.

Mount ``STATIC_DIR`` (e.g. ``StaticFiles(directory=STATIC_DIR)``) at the URL
given as ``static_url`` and serve ``render_page(endpoint, static_url)`` as HTML.

``index.html`` holds two placeholders, each the name in double curly braces
with one space inside each brace:

* ``static_url`` -- URL prefix of the assets (no trailing slash needed),
  default ``/static/graphiql``; inserted HTML-attribute-escaped.
* ``endpoint`` -- URL of the GraphQL endpoint used by the fetcher; inserted
  into a single-quoted JS string, JSON-escaped with ``< > & '`` as ``\\uXXXX``.

Substitution is done in a single pass, so a value that itself contains a
placeholder is never expanded again.
"""

from __future__ import annotations

import functools
import html
import json
import pathlib
import re

__all__ = ["STATIC_DIR", "render_page"]

_HERE = pathlib.Path(__file__).resolve().parent
STATIC_DIR: pathlib.Path = _HERE / "static"
_TEMPLATE = _HERE / "index.html"
_PLACEHOLDER = re.compile(r"\{\{ (static_url|endpoint) \}\}")
_JS_UNSAFE = str.maketrans({"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "'": "\\u0027"})


@functools.cache
def _template() -> str:
    return _TEMPLATE.read_text(encoding="utf-8")


def _js_string_body(value: str) -> str:
    """Escape ``value`` for use inside a JS string literal in an HTML <script>."""
    # ensure_ascii also escapes U+2028/U+2029 and every other non-ASCII char.
    return json.dumps(value, ensure_ascii=True)[1:-1].translate(_JS_UNSAFE)


def render_page(endpoint: str, static_url: str = "/static/graphiql") -> str:
    """Return the GraphiQL HTML page for ``endpoint`` with assets under ``static_url``."""
    values = {
        "static_url": html.escape(static_url.rstrip("/"), quote=True),
        "endpoint": _js_string_body(endpoint),
    }
    return _PLACEHOLDER.sub(lambda m: values[m[1]], _template())
