"""The README and docs/ stand alone: every link resolves inside the repository."""

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
LINK = re.compile(r"\]\(([^)\s]+)\)|<(https?://[^>]+)>")
LOCAL = re.compile(r"https?://(127\.0\.0\.1|localhost)[:/]")


def links(page: Path) -> list[str]:
    return [inline or auto for inline, auto in LINK.findall(page.read_text(encoding="utf-8"))]


@pytest.mark.parametrize("page", PAGES, ids=lambda page: str(page.relative_to(ROOT)))
def test_every_link_stays_in_the_repository_and_resolves(page: Path) -> None:
    for target in links(page):
        if LOCAL.match(target):  # the service a reader runs
            continue
        assert "://" not in target, f"{page.name} links outside the repository: {target}"
        path = (page.parent / target.split("#")[0]).resolve()
        assert path.is_relative_to(ROOT), f"{page.name} links outside the repository: {target}"
        assert path.exists(), f"{page.name} links to a missing file: {target}"


@pytest.mark.parametrize("page", PAGES, ids=lambda page: str(page.relative_to(ROOT)))
def test_no_page_refers_to_files_beside_the_repository(page: Path) -> None:
    text = page.read_text(encoding="utf-8")
    assert "../shared" not in text
    assert "/work/" not in text


def test_the_readme_links_to_the_docs_and_the_docs_to_each_page() -> None:
    assert "docs/README.md" in links(ROOT / "README.md")
    index = links(ROOT / "docs" / "README.md")
    for page in PAGES[1:]:
        if page.name != "README.md":
            assert page.name in index, f"docs/README.md does not link {page.name}"
