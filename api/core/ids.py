"""Relay global object ids: opaque base64 of "TypeName:primary key"."""

import base64
import binascii

from api.core.errors import BadUserInput, shown

# Primary keys are PostgreSQL `integer`s: a larger one names no row, and asyncpg
# refuses to send it at all.
MAX_PK = 2**31 - 1


def encode_id(type_name: str, pk: int) -> str:
    return base64.urlsafe_b64encode(f"{type_name}:{pk}".encode()).decode().rstrip("=")


def decode_id(global_id: str, expected_type: str | None = None) -> tuple[str, int]:
    """Split a global id; a malformed one (or one of another type) is bad input."""
    try:
        padded = global_id + "=" * (-len(global_id) % 4)
        type_name, _, pk = base64.urlsafe_b64decode(padded.encode("ascii")).decode().partition(":")
        number = int(pk)
    except (ValueError, UnicodeError, binascii.Error):
        raise BadUserInput(f"Invalid ID {shown(global_id)}.", argument="id") from None
    valid = type_name and 1 <= number <= MAX_PK
    if not valid or (expected_type and type_name != expected_type):
        kind = f"a {expected_type} ID" if expected_type else "a valid ID"
        raise BadUserInput(f"{shown(global_id)} is not {kind}.", argument="id")
    return type_name, number
