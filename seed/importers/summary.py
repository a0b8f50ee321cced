"""What an import did: counts for the summary line, and the rows it skipped."""

import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal, TextIO

Outcome = Literal["created", "updated", "unchanged"]


class MalformedRow(ValueError):
    """A row that cannot be imported; it is reported and skipped."""


@dataclass
class ImportSummary:
    read: int = 0
    created: int = 0
    updated: int = 0
    skipped: int = 0
    problems: list[str] = field(default_factory=list)
    out: TextIO = field(default_factory=lambda: sys.stderr, repr=False)

    def skip(self, path: Path | str, line: int | str, reason: str) -> None:
        """Report a malformed row as `file:line: reason` and count it skipped."""
        problem = f"{path}:{line}: {reason}"
        self.skipped += 1
        self.problems.append(problem)
        print(problem, file=self.out)

    def count(self, outcome: Outcome) -> None:
        if outcome == "created":
            self.created += 1
        elif outcome == "updated":
            self.updated += 1

    def line(self) -> str:
        return (
            f"read {self.read:,}, created {self.created:,}, updated {self.updated:,},"
            f" skipped {self.skipped:,}"
        )
