"""Small helpers the tests share (fixtures live in conftest.py)."""

from collections.abc import Awaitable, Callable
from typing import Any

GraphQL = Callable[..., Awaitable[dict[str, Any]]]


def data(body: dict[str, Any]) -> dict[str, Any]:
    """The `data` of a response that must have no errors."""
    assert "errors" not in body, body["errors"]
    result: dict[str, Any] = body["data"]
    return result


def error_codes(body: dict[str, Any]) -> list[str]:
    return [error["extensions"]["code"] for error in body.get("errors", [])]
