"""Validation, remembered: documents that passed while something else keeps them, and
what documents that failed were told, by a digest of their text.

strawberry's `ValidationCache` is an `lru_cache` keyed by the parsed document: 256
documents of up to MAX_BODY_BYTES each, bounded by count alone (each holds its text).
Here a document is remembered weakly: only while the parse cache (bounded by bytes) or
a request still holds it. A failure cannot be remembered so (its errors hold the
document's nodes and text): it is remembered by the SHA-256 of the text, with its errors
as the client sees them (`api.core.errors.classify`: message, locations, code) and
nothing of the document, within FAILED_MAX_BYTES. Validation is a function of the
schema, the rules and the text alone, so the same text always fails the same way; a
client repeating an invalid document costs a digest, not a validation.
"""

import hashlib
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from weakref import WeakSet

from graphql import ASTValidationRule, DocumentNode, GraphQLError, SourceLocation
from strawberry.extensions import SchemaExtension
from strawberry.schema.schema import validate_document

from api.core.errors import classify
from api.core.lru import LRU

Rules = tuple[type[ASTValidationRule], ...]

# Failures remembered per set of rules (the schema has one), least recently used first
# out. Besides its messages' strings an entry holds FAILURE_BYTES (its digest, tuple and
# places in the LRU) and ERROR_BYTES an error (its object, code and locations): measured
# with tracemalloc over invalid documents of 1 to 101 errors (graphql-core stops at
# 100 and says so), ~280 bytes an entry and 185 to 206 an error, rounded up
# (tests/core/test_validated.py checks the formula against it). A failure of one error
# weighs ~620 bytes: 1 MB holds ~1,600 of them.
FAILED_MAX_ENTRIES = 10_000
FAILED_MAX_BYTES = 1_000_000
FAILURE_BYTES = 300
ERROR_BYTES = 220


@dataclass(frozen=True, slots=True)
class Failure:
    """One validation error as the client sees it, holding no part of the document."""

    message: str
    locations: tuple[SourceLocation, ...] | None
    extensions: tuple[tuple[str, Any], ...]

    @classmethod
    def of(cls, error: GraphQLError) -> "Failure":
        shown = classify(error)
        locations = None if shown.locations is None else tuple(shown.locations)
        return cls(shown.message, locations, tuple((shown.extensions or {}).items()))

    def error(self) -> GraphQLError:
        """A new error that `classify` leaves as it is (it carries its code)."""
        error = GraphQLError(self.message, extensions=dict(self.extensions))
        error.locations = None if self.locations is None else list(self.locations)
        return error


def failures_bytes(failures: tuple[Failure, ...]) -> int:
    """What an entry of these failures holds at most, in bytes."""
    messages = sum(sys.getsizeof(failure.message) for failure in failures)
    return FAILURE_BYTES + ERROR_BYTES * len(failures) + messages


@dataclass
class Remembered:
    """What validation under one set of rules remembers."""

    valid: WeakSet[DocumentNode] = field(default_factory=WeakSet)
    failed: LRU[bytes, tuple[Failure, ...]] = field(
        default_factory=lambda: LRU(max_entries=FAILED_MAX_ENTRIES, max_bytes=FAILED_MAX_BYTES)
    )

    def errors(self, digest: bytes) -> list[GraphQLError] | None:
        """The errors the text of this digest was told, if it is remembered."""
        failures = self.failed.get(digest)
        return None if failures is None else [failure.error() for failure in failures]

    def fail(self, digest: bytes, errors: list[GraphQLError]) -> None:
        failures = tuple(Failure.of(error) for error in errors)
        self.failed.put(digest, failures, failures_bytes(failures))


Validations = dict[Rules, Remembered]


class RememberedValidation(SchemaExtension):
    """Pass as a factory sharing one `Validations`: `lambda: RememberedValidation(validations)`."""

    def __init__(self, validations: Validations) -> None:
        super().__init__()
        self.validations = validations

    def on_validate(self) -> Iterator[None]:
        context = self.execution_context
        document = context.graphql_document
        if document is not None and context.pre_execution_errors is None:
            rules = tuple(context.validation_rules)
            remembered = self.validations.get(rules)
            if remembered is None:
                remembered = self.validations[rules] = Remembered()
            context.pre_execution_errors = (
                [] if document in remembered.valid else self._validate(document, remembered)
            )
        yield

    def _validate(self, document: DocumentNode, remembered: Remembered) -> list[GraphQLError]:
        context = self.execution_context
        digest = None if context.query is None else text_digest(context.query)
        told = None if digest is None else remembered.errors(digest)
        if told is not None:
            return told
        errors = validate_document(context.schema._schema, document, context.validation_rules)
        if not errors:
            remembered.valid.add(document)
        elif digest is not None:
            remembered.fail(digest, errors)
        return errors


def text_digest(query: str) -> bytes:
    # surrogatepass: a JSON decoder may let a lone surrogate through (orjson does not)
    return hashlib.sha256(query.encode("utf-8", "surrogatepass")).digest()
