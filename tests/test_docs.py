"""The docs' option reference is the one produced from copier.yml."""

from __future__ import annotations

from tests.conftest import FASTGEN, REPO_ROOT, run


def test_option_reference_is_up_to_date() -> None:
    produced = run([FASTGEN, "options", "--format", "markdown"]).stdout
    written = (REPO_ROOT / "docs" / "options.md").read_text(encoding="utf-8")
    assert written == produced, "run: fastgen options --format markdown > docs/options.md"


def test_every_docs_page_is_in_the_navigation() -> None:
    mkdocs = (REPO_ROOT / "mkdocs.yml").read_text(encoding="utf-8")
    for page in sorted((REPO_ROOT / "docs").glob("*.md")):
        assert page.name in mkdocs, f"{page.name} is missing from mkdocs.yml's nav"
