"""Which Reelgraph is measured: the working tree, or a committed revision (`--ref`).

A revision is extracted with `git archive` (bench/ left out, so this harness
stays the one in use) into bench/data/src/<commit>/; its seed, migrations and
API then run from there with the same virtualenv.
"""

import io
import subprocess
import tarfile
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SNAPSHOTS = ROOT / "bench" / "data" / "src"


@dataclass(frozen=True)
class Source:
    root: Path  # where `python -m api` and `python -m seed` run
    description: str  # for RESULTS.md


def resolve(ref: str | None) -> Source:
    if ref is None:
        return Source(ROOT, _working_tree())
    commit = _git("rev-parse", "--verify", f"{ref}^{{commit}}").strip()
    folder = SNAPSHOTS / commit
    if not (folder / "api").is_dir():
        archive = subprocess.run(
            ["git", "archive", "--format=tar", commit, "--", ".", ":(exclude)bench"],
            cwd=ROOT,
            capture_output=True,
            check=True,
            timeout=120,
        ).stdout
        folder.mkdir(parents=True, exist_ok=True)
        with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
            tar.extractall(folder, filter="data")
    return Source(folder, f"commit `{commit[:7]}` (`--ref {ref}`, extracted with git archive)")


def _git(*args: str) -> str:
    result = subprocess.run(
        ["git", *args], cwd=ROOT, capture_output=True, text=True, check=True, timeout=30
    )
    return result.stdout.rstrip()  # porcelain lines start with a status column


def _working_tree() -> str:
    commit = _git("rev-parse", "--short", "HEAD").strip()
    measured = ("api", "models", "seed", "migrations", "bench", ":(exclude)bench/RESULTS.md")
    dirty = _git("status", "--porcelain", "--", *measured)
    if not dirty:
        return f"commit `{commit}` (working tree, clean)"
    changed = sorted({line[3:].split("/")[0] + "/" for line in dirty.splitlines()})
    return f"commit `{commit}` plus uncommitted changes in {', '.join(changed)} (working tree)"
