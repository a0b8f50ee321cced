"""The one mapping from failures to the contract's `extensions.code` values.

Every error passes through `classify` on its way to the client (the HTTP view
calls it): expected errors keep their message, anything unexpected is logged
here and reaches the client only as a generic message, so no stack trace, SQL or
file path can leak.
"""

import enum
import logging

from graphql import GraphQLError
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError

from api.core.text import TruncateAt, truncate
from api.observability.request_ids import current_request_id

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
    # Beyond the contract's list: a write based on a stale version of a row.
    CONFLICT = "CONFLICT"
    # Beyond the contract's list: HTTP 429, too many requests from one API key or address.
    RATE_LIMITED = "RATE_LIMITED"


class ApiError(Exception):
    """An error whose message is safe and useful to show to the client."""

    code = ErrorCode.INTERNAL_SERVER_ERROR

    def __init__(self, message: str, **extensions: object) -> None:
        super().__init__(message)
        self.message = message
        self.extensions = extensions


class BadUserInput(ApiError):
    code = ErrorCode.BAD_USER_INPUT


class NotFound(ApiError):
    code = ErrorCode.NOT_FOUND


class Conflict(ApiError):
    code = ErrorCode.CONFLICT


# A client's value quoted in a message is cut after this many characters, and a whole
# message after MAX_MESSAGE_LENGTH: an error must not send a 50 KB input back.
MAX_ECHO_LENGTH = 100
MAX_MESSAGE_LENGTH = 500


def shown(value: object) -> str:
    """A client's value as an error message quotes it: its repr, cut short when long."""
    text = value if isinstance(value, str) else str(value)
    return repr(truncate(text, MAX_ECHO_LENGTH + 1, TruncateAt.CHARACTER).text)


INTERNAL_MESSAGE = "Internal server error."
UNAVAILABLE_MESSAGE = "The service is temporarily unavailable; try again shortly."
STATEMENT_TIMEOUT_MESSAGE = (
    "The database took too long to answer and the query was cancelled; try again shortly."
)
# SQLSTATE query_canceled: PostgreSQL's statement_timeout (DB_STATEMENT_TIMEOUT_SECONDS)
# cancelled a statement. SQLAlchemy wraps asyncpg's QueryCanceledError in a plain DBAPIError.
_QUERY_CANCELED = "57014"
# SQLSTATEs of text PostgreSQL cannot store (a NUL character): the client's input.
_UNSTORABLE_TEXT = ("22021", "22P05")
NUL_MESSAGE = "Text arguments must not contain NUL (\\u0000) characters."
_DATABASE_DOWN = (OperationalError, InterfaceError, PoolTimeoutError, OSError, TimeoutError)
# SQLSTATE classes of a database that is unreachable, restarting or overloaded:
# connection exception, operator intervention (shutting down, "starting up"),
# insufficient resources (too many connections). 57014 has its own message above.
_DATABASE_DOWN_SQLSTATES = ("08", "57P", "53")


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
        if error.extensions and "code" in error.extensions:  # e.g. api.core.limits' errors
            return error
        return _with_code(error, error.message, ErrorCode.BAD_USER_INPUT)
    if isinstance(original, DBAPIError) and _sqlstate(original) in _UNSTORABLE_TEXT:
        return _with_code(error, NUL_MESSAGE, ErrorCode.BAD_USER_INPUT)
    if isinstance(original, DBAPIError) and _sqlstate(original) == _QUERY_CANCELED:
        logger.warning("statement cancelled by statement_timeout: %r", original)
        return _with_code(error, STATEMENT_TIMEOUT_MESSAGE, ErrorCode.SERVICE_UNAVAILABLE)
    if _database_down(original):
        logger.warning("database unavailable: %r", original)
        return _with_code(error, UNAVAILABLE_MESSAGE, ErrorCode.SERVICE_UNAVAILABLE)
    logger.error("unexpected error at %s", error.path, exc_info=original)
    return _with_code(error, INTERNAL_MESSAGE, ErrorCode.INTERNAL_SERVER_ERROR)


def _database_down(error: Exception) -> bool:
    if isinstance(error, _DATABASE_DOWN):
        return True
    if not isinstance(error, DBAPIError):
        return False
    sqlstate = _sqlstate(error)
    return error.connection_invalidated or sqlstate.startswith(_DATABASE_DOWN_SQLSTATES)


def _sqlstate(error: DBAPIError) -> str:
    return getattr(error.orig, "sqlstate", None) or ""


def error_body(message: str, code: ErrorCode) -> dict[str, object]:
    """A GraphQL-shaped body for errors raised outside GraphQL execution (HTTP level),
    with the request's id beside them as in every response."""
    body: dict[str, object] = {"errors": [{"message": message, "extensions": {"code": code.value}}]}
    request_id = current_request_id()
    if request_id is not None:
        body["extensions"] = {"requestId": request_id}
    return body


def _with_code(
    error: GraphQLError,
    message: str,
    code: ErrorCode,
    extensions: dict[str, object] | None = None,
) -> GraphQLError:
    return GraphQLError(
        truncate(message, MAX_MESSAGE_LENGTH, TruncateAt.CHARACTER).text,
        nodes=error.nodes,
        source=error.source,
        positions=error.positions,
        path=error.path,
        extensions={**(extensions or {}), "code": code.value},
    )
