"""Automatic Persisted Queries and the safelist mode.

The common protocol (Apollo's): a client sends `extensions.persistedQuery =
{"version": 1, "sha256Hash": "<hex>"}` without the query; an unknown hash answers
PERSISTED_QUERY_NOT_FOUND, and the client retries with the query and the hash,
which registers it. In safelist mode (PERSISTED_QUERIES_ONLY) only the documents
of PERSISTED_QUERIES_FILE run, by hash or by text, and nothing can register.

Registration is open to anyone, so only a document that could run is kept: one
that parses within the token limit and validates against the schema. The store
is bounded by bytes (PERSISTED_QUERIES_MAX_BYTES), least recently used first out.
"""

import hashlib
import json
from pathlib import Path
from typing import Any

from graphql import GraphQLError, GraphQLSchema, OperationDefinitionNode, validate

from api.core.errors import ApiError, BadUserInput, ErrorCode
from api.core.limits import parse_limited
from api.core.lru import LRU

MAX_REGISTERED = 10_000


class PersistedQueryNotFound(ApiError):
    code = ErrorCode.PERSISTED_QUERY_NOT_FOUND


def sha256_hex(query: str) -> str:
    return hashlib.sha256(query.encode()).hexdigest()


def load_safelist(path: Path) -> dict[str, str]:
    """A JSON object {sha256: document}, or a list of documents; hashes are checked."""
    raw = json.loads(path.read_text(encoding="utf-8"))
    documents = list(raw.values()) if isinstance(raw, dict) else list(raw)
    safelist = {sha256_hex(document): document for document in documents}
    if isinstance(raw, dict) and set(raw) != set(safelist):
        raise ValueError(f"{path}: a key is not the SHA-256 of its document")
    return safelist


class PersistedQueries:
    def __init__(
        self,
        safelist: dict[str, str],
        safelist_only: bool,
        *,
        schema: GraphQLSchema,
        max_tokens: int,
        max_bytes: int,
    ) -> None:
        self.safelist = safelist
        self.safelist_only = safelist_only
        self.schema = schema
        self.max_tokens = max_tokens
        self.registered: LRU[str, str] = LRU(max_entries=MAX_REGISTERED, max_bytes=max_bytes)

    def resolve(self, query: str | None, extensions: Any) -> str | None:
        """The document to run (None when there is none: strawberry then says so)."""
        persisted = extensions.get("persistedQuery") if isinstance(extensions, dict) else None
        if persisted is None:
            if self.safelist_only and query is not None and sha256_hex(query) not in self.safelist:
                raise PersistedQueryNotFound(
                    "This service only runs registered documents; send a known sha256Hash.",
                )
            return query
        digest = persisted.get("sha256Hash") if isinstance(persisted, dict) else None
        if not isinstance(digest, str) or persisted.get("version") != 1:
            raise BadUserInput(
                "`extensions.persistedQuery` needs version 1 and a sha256Hash.",
                argument="extensions",
            )
        known = self.safelist.get(digest) or self.registered.get(digest)
        if query is None:
            if known is None:
                raise PersistedQueryNotFound("PersistedQueryNotFound")
            return known
        if sha256_hex(query) != digest:
            raise BadUserInput(
                "provided sha256Hash does not match the query", argument="extensions"
            )
        if known is None:
            if self.safelist_only:
                raise PersistedQueryNotFound(
                    "This service only runs registered documents; this one is not."
                )
            if self._runnable(query):
                self.registered.put(digest, query, len(digest) + len(query.encode()))
        return query

    def _runnable(self, query: str) -> bool:
        """Parses within the token limit, has an operation and validates; if not, the
        request still runs, and gets the error, but the document is not kept."""
        try:
            document = parse_limited(query, self.max_tokens)
        except GraphQLError:
            return False
        has_operation = any(isinstance(d, OperationDefinitionNode) for d in document.definitions)
        return has_operation and not validate(self.schema, document, max_errors=1)
