"""Optional arguments that the SDL shows with no default (`after: String`, not `= null`)."""

from typing import Any, TypeVar

import strawberry

T = TypeVar("T")

OMITTED: Any = strawberry.UNSET


def given(value: T | None) -> T | None:
    """The argument's value, None when the client left it out or sent null."""
    return None if value is OMITTED else value
