"""Validation remembered: a failing document is told the same errors again without being
validated again, and what is remembered is bounded by bytes and holds no document."""

import gc
import tracemalloc
from collections.abc import Callable
from types import ModuleType
from typing import Any

import pytest
from graphql import DocumentNode, Node, Source, Token, parse, specified_rules
from strawberry.schema.schema import validate_document

from api.core import validated
from api.core.lru import LRU
from api.core.validated import Remembered, RememberedValidation, Validations, text_digest
from api.schema import Query, Schema, create_schema
from api.settings import Settings
from tests.helpers import serve

# Two errors, on lines 2 and 3: an argument of the wrong type and an unknown field.
INVALID = """query Broken {
  title(slug: 1) { name }
  nope
}"""


@pytest.fixture
def validations(monkeypatch: pytest.MonkeyPatch) -> list[DocumentNode]:
    """The documents validation runs on, from now on."""
    seen: list[DocumentNode] = []

    def counted(*args: Any) -> Any:
        seen.append(args[1])
        return validate_document(*args)

    monkeypatch.setattr(validated, "validate_document", counted)
    return seen


async def test_a_repeated_invalid_document_is_told_the_same_errors_without_validating(
    database_url: str, validations: list[DocumentNode]
) -> None:
    async with serve(Settings(database_url=database_url)) as http:
        first = (await http.post("/graphql", json={"query": INVALID})).json()
        assert [error["locations"] for error in first["errors"]] == [
            [{"line": 2, "column": 15}],
            [{"line": 3, "column": 3}],
        ]
        assert {error["extensions"]["code"] for error in first["errors"]} == {"BAD_USER_INPUT"}
        assert len(validations) == 1
        for again in (
            {"query": INVALID},
            {"query": INVALID, "operationName": "Broken", "variables": {"unused": 1}},
        ):
            body = (await http.post("/graphql", json=again)).json()
            assert body["errors"] == first["errors"]
        assert len(validations) == 1
        other = (await http.post("/graphql", json={"query": " " + INVALID})).json()
        assert other["errors"][0]["message"] == first["errors"][0]["message"]
        assert len(validations) == 2  # another text: validated, not taken for the first


async def test_a_remembered_failure_holds_no_part_of_its_document(
    validations: list[DocumentNode],
) -> None:
    remembered: Validations = {}
    schema = _bare_schema(remembered)
    query = INVALID + " #" + "x" * 95_000
    for _ in range(2):  # validated, then its errors remembered
        result = await schema.execute(query)
        assert result.errors is not None and len(result.errors) == 2
    assert len(validations) == 1
    held = _reachable(remembered)
    assert not [thing for thing in held if isinstance(thing, Node | Source | Token)]
    assert not [thing for thing in held if thing is query]


def _reachable(root: object) -> list[object]:
    """Every object `root` refers to, directly or not (classes and modules excepted)."""
    seen = {id(root)}
    found, pending = [], [root]
    while pending:
        for thing in gc.get_referents(pending.pop()):
            if id(thing) not in seen and not isinstance(thing, type | ModuleType):
                seen.add(id(thing))
                found.append(thing)
                pending.append(thing)
    return found


def _bare_schema(validations: Validations) -> Schema:
    """The service's queries with remembered validation alone (no parse cache)."""
    return Schema(query=Query, extensions=[lambda: RememberedValidation(validations)])


async def test_remembered_failures_are_bounded_by_bytes(
    monkeypatch: pytest.MonkeyPatch, validations: list[DocumentNode]
) -> None:
    monkeypatch.setattr(validated, "FAILED_MAX_BYTES", 20_000)
    remembered: Validations = {}
    schema = _bare_schema(remembered)
    for n in range(100):
        await schema.execute(f"{{ nope{n} }}")
    (failures,) = (memory.failed for memory in remembered.values())
    assert 0 < failures.bytes <= 20_000 and 20 < len(failures) < 100
    validations.clear()
    await schema.execute("{ nope99 }")  # the newest is remembered
    assert validations == []
    await schema.execute("{ nope0 }")  # the oldest went first
    assert len(validations) == 1


@pytest.mark.parametrize(
    "make",
    [
        lambda n: f"{{ nope{n} }}",
        lambda n: f"{{ title(slug: {n}) {{ name(x: 1) {{ x }} }} nope{n} }}",
        # graphql-core stops at 100 errors and says so (a 101st).
        lambda n: "{ " + " ".join(f"n{n}_{j}" for j in range(150)) + " }",
    ],
    ids=["one error", "four errors", "101 errors"],
)
def test_a_remembered_failure_weighs_what_it_holds(make: Callable[[int], str]) -> None:
    schema = create_schema(Settings())._schema
    rules = tuple(specified_rules)
    queries = [make(n) for n in range(100)]  # made before measuring: the caller holds them
    errors = [validate_document(schema, parse(query), rules) for query in queries]
    remembered = Remembered(failed=LRU(max_entries=1_000, max_bytes=100_000_000))
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        for query, its_errors in zip(queries, errors, strict=True):
            remembered.fail(text_digest(query), its_errors)
        gc.collect()
        held = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    assert len(remembered.failed) == 100
    assert held <= remembered.failed.bytes <= held * 1.2
