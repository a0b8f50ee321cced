"""The breaking changes of schema.graphql since a base revision, refused unless listed.

`python -m scripts.breaking_changes [--base REF]`: REF defaults to the newest `v*` tag,
or without one to HEAD~1 (the previous commit on main). Each change graphql-core's
`find_breaking_changes` reports must appear, word for word, as a bullet of
BREAKING_CHANGES.md (`- Field Query.oldField was removed.`); dangerous changes are printed
only. Exit status 1 when a break is not listed.
"""

import argparse
import subprocess
import sys
from pathlib import Path

from graphql import BreakingChange, build_schema, find_breaking_changes, find_dangerous_changes

ROOT = Path(__file__).resolve().parent.parent
SCHEMA = "schema.graphql"
MARKERS = ROOT / "BREAKING_CHANGES.md"


def unlisted_breaks(old_sdl: str, new_sdl: str, listed: str) -> list[BreakingChange]:
    """The breaks from `old_sdl` to `new_sdl` that no bullet of `listed` names."""
    allowed = {
        line.strip()[2:].strip() for line in listed.splitlines() if line.strip().startswith("- ")
    }
    changes = find_breaking_changes(build_schema(old_sdl), build_schema(new_sdl))
    return [change for change in changes if change.description not in allowed]


def base_revision() -> str:
    tag = _git("describe", "--tags", "--abbrev=0", "--match", "v*", check=False)
    return tag or "HEAD~1"


def _git(*arguments: str, check: bool = True) -> str:
    done = subprocess.run(
        ["git", *arguments], cwd=ROOT, capture_output=True, text=True, check=False
    )
    if check and done.returncode != 0:
        raise RuntimeError(done.stderr.strip())
    return done.stdout.strip() if done.returncode == 0 else ""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", help="the revision to compare with (default: see above)")
    base = parser.parse_args(argv).base or base_revision()
    old_sdl = _git("show", f"{base}:{SCHEMA}", check=False)
    if not old_sdl:
        print(f"breaking changes: {base} has no {SCHEMA}; nothing to compare")
        return 0
    new_sdl = (ROOT / SCHEMA).read_text()
    for danger in find_dangerous_changes(build_schema(old_sdl), build_schema(new_sdl)):
        print(f"dangerous (allowed): {danger.description}")
    listed = MARKERS.read_text() if MARKERS.exists() else ""
    unlisted = unlisted_breaks(old_sdl, new_sdl, listed)
    for change in unlisted:
        print(f"BREAKING, not listed in {MARKERS.name}: {change.description}")
    print(f"breaking changes since {base}: {len(unlisted)} not listed")
    return 1 if unlisted else 0


if __name__ == "__main__":
    sys.exit(main())
