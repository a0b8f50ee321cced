"""The one mapping from failures to the contract's `extensions.code` values.

Every error passes through `classify` on its way to the client (the HTTP view
calls it): expected errors keep their message, anything unexpected is logged
here and reaches the client only as a generic message, so no stack trace, SQL or
file path can leak.
"""

import enum
import logging
import re

from graphql import GraphQLError
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError

logger = logging.getLogger("reelgraph.errors")


class ErrorCode(enum.StrEnum):
    BAD_USER_INPUT = "BAD_USER_INPUT"
    UNAUTHENTICATED = "UNAUTHENTICATED"
    FORBIDDEN = "FORBIDDEN"
    NOT_FOUND = "NOT_FOUND"
    QUERY_TOO_COMPLEX = "QUERY_TOO_COMPLEX"
    PERSISTED_QUERY_NOT_FOUND = "PERSISTED_QUERY_NOT_FOUND"
    SERVICE_UNAVAILABLE = "SERVICE_UNAVAILABLE"
    INTERNAL_SERVER_ERROR = "INTERNAL_SERVER_ERROR"


class ApiError(Exception):
    """An error whose message is safe and useful to show to the client."""

    code = ErrorCode.INTERNAL_SERVER_ERROR

    def __init__(self, message: str, **extensions: object) -> None:
        super().__init__(message)
        self.message = message
        self.extensions = extensions


class BadUserInput(ApiError):
    code = ErrorCode.BAD_USER_INPUT


class QueryTooComplex(ApiError):
    code = ErrorCode.QUERY_TOO_COMPLEX


INTERNAL_MESSAGE = "Internal server error."
UNAVAILABLE_MESSAGE = "The service is temporarily unavailable; try again shortly."
# strawberry's QueryDepthLimiter reports through a plain validation error.
_DEPTH_LIMIT = re.compile(r"exceeds maximum operation depth of \d+$")
_DATABASE_DOWN = (OperationalError, InterfaceError, PoolTimeoutError, OSError, TimeoutError)


def classify(error: GraphQLError) -> GraphQLError:
    """Return `error` with a contract code, replacing it when it must not be shown."""
    original = error.original_error
    while isinstance(original, GraphQLError) and original.original_error is not None:
        error, original = original, original.original_error
    if isinstance(original, ApiError):
        return _with_code(error, original.message, original.code, original.extensions)
    # No path: the document or its variables were rejected before any resolver ran.
    if original is None or (
        isinstance(original, GraphQLError | ValueError | TypeError) and not error.path
    ):
        if error.extensions and "code" in error.extensions:
            return error
        code = (
            ErrorCode.QUERY_TOO_COMPLEX
            if _DEPTH_LIMIT.search(error.message)
            else ErrorCode.BAD_USER_INPUT
        )
        return _with_code(error, error.message, code)
    if isinstance(original, _DATABASE_DOWN) or (
        isinstance(original, DBAPIError) and original.connection_invalidated
    ):
        logger.warning("database unavailable: %r", original)
        return _with_code(error, UNAVAILABLE_MESSAGE, ErrorCode.SERVICE_UNAVAILABLE)
    logger.error("unexpected error at %s", error.path, exc_info=original)
    return _with_code(error, INTERNAL_MESSAGE, ErrorCode.INTERNAL_SERVER_ERROR)


def error_body(message: str, code: ErrorCode) -> dict[str, object]:
    """A GraphQL-shaped body for errors raised outside GraphQL execution (HTTP level)."""
    return {"errors": [{"message": message, "extensions": {"code": code.value}}]}


def _with_code(
    error: GraphQLError,
    message: str,
    code: ErrorCode,
    extensions: dict[str, object] | None = None,
) -> GraphQLError:
    return GraphQLError(
        message,
        nodes=error.nodes,
        source=error.source,
        positions=error.positions,
        path=error.path,
        extensions={**(extensions or {}), "code": code.value},
    )
