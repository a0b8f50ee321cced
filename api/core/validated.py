"""Validation, remembered for documents that passed while something else keeps them.

strawberry's `ValidationCache` is an `lru_cache` keyed by the parsed document: 256
documents of up to MAX_BODY_BYTES each, bounded by count alone (each holds its text).
Here a document is remembered weakly: only while the parse cache (bounded by bytes) or
a request still holds it. Failures are not kept (their errors would hold the document).
"""

from collections.abc import Iterator
from weakref import WeakSet

from graphql import ASTValidationRule, DocumentNode
from strawberry.extensions import SchemaExtension
from strawberry.schema.schema import validate_document

ValidDocuments = dict[tuple[type[ASTValidationRule], ...], WeakSet[DocumentNode]]


class RememberedValidation(SchemaExtension):
    """Pass as a factory sharing one `ValidDocuments`: `lambda: RememberedValidation(valid)`."""

    def __init__(self, valid: ValidDocuments) -> None:
        super().__init__()
        self.valid = valid

    def on_validate(self) -> Iterator[None]:
        context = self.execution_context
        document = context.graphql_document
        if document is not None and context.pre_execution_errors is None:
            rules = tuple(context.validation_rules)
            known = self.valid.setdefault(rules, WeakSet())
            if document in known:
                context.pre_execution_errors = []
            else:
                errors = validate_document(context.schema._schema, document, rules)
                if not errors:
                    known.add(document)
                context.pre_execution_errors = errors
        yield
