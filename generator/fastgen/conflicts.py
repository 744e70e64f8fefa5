"""What an update left unresolved, which Copier does not report: it exits 0 all the same.

Copier merges a template change into a file the user changed with `git apply`; a hunk that does not
apply is, with `--conflict inline`, merged with `git merge-file` (conflict markers, and the path
recorded as unmerged in the index) or, with `--conflict rej`, left in a `<file>.rej` beside it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from fastgen.errors import FastgenError
from fastgen.git import committed_content, run_git

# Two-letter `git status` codes of a path with unmerged stages.
_UNMERGED = frozenset({"DD", "AU", "UD", "UA", "DU", "AA", "UU"})
# A conflict marker opens or closes a line; `=======` alone is too common (underlines) to count.
_MARKER = re.compile(rb"^(?:<{7}|>{7})(?: |$)", re.MULTILINE)
# Copier also merges into a template file the project's .gitignore hides; an ignored file larger
# than this (a local database, say) is no template file and is not read.
_LARGEST_IGNORED = 1 << 20


@dataclass(frozen=True)
class Change:
    """One line of `git status`: its two-letter code and the path, relative to the project."""

    code: str
    path: str


@dataclass(frozen=True)
class Conflict:
    path: str
    reasons: tuple[str, ...]

    def __str__(self) -> str:
        return f"{self.path} ({', '.join(self.reasons)})"


def changes(project: Path) -> list[Change]:
    """Every changed, untracked or ignored-but-matching path below `project`.

    `--ignored=matching` lists a `*.rej` that the project's .gitignore hides, but an ignored folder
    such as `.venv/` as one line, not file by file.
    """
    prefix = run_git(project, "rev-parse", "--show-prefix").strip()
    output = run_git(
        project,
        "status",
        "--porcelain=v1",
        "-z",
        "--untracked-files=all",
        "--ignored=matching",
        "--",
        ".",
    )
    entries = iter(output.split("\0"))
    found: list[Change] = []
    for entry in entries:
        if not entry:
            continue
        code, path = entry[:2], entry[3:]
        if code[0] in "RC":
            next(entries, None)  # a rename or copy is followed by its source path
        found.append(Change(code=code, path=path.removeprefix(prefix)))
    return found


def ignored_markers(project: Path) -> dict[str, int]:
    """How many conflict markers each ignored file holds (a mergetool's `.orig`, say): taken
    before an update, so that only markers the update adds count."""
    return {
        change.path: _markers((project / change.path).read_bytes())
        for change in changes(project)
        if change.code == "!!" and _readable(project, change)
    }


def find_conflicts(
    project: Path, found: list[Change], *, ignored_before: Mapping[str, int]
) -> list[Conflict]:
    """The paths an update left unresolved: unmerged, rejected hunks, or conflict markers that
    the file's last commit did not hold (`ignored_before`, for a file git ignores, as
    ignored_markers counted them before the update).

    Copier marks a merged file unmerged when it holds conflict markers, even markers its last
    commit held already (an example in a README): such a file merged cleanly, and is made a
    plain change again.
    """
    reasons: dict[str, list[str]] = {}
    for change in found:
        if change.path.endswith(".rej"):
            reasons.setdefault(change.path, []).append("rejected hunks")
            continue
        added_markers = _added_markers(project, change, ignored_before)
        if change.code in {"UU", "AA"} and not added_markers:
            run_git(project, "reset", "--quiet", "--", change.path)
            continue
        if change.code in _UNMERGED:
            reasons.setdefault(change.path, []).append("unmerged")
        if added_markers:
            reasons.setdefault(change.path, []).append("conflict markers")
    return [Conflict(path, tuple(why)) for path, why in sorted(reasons.items())]


def _added_markers(project: Path, change: Change, ignored_before: Mapping[str, int]) -> bool:
    """Whether the file holds more conflict markers than its last commit did."""
    if not _readable(project, change):
        return False
    markers = _markers((project / change.path).read_bytes())
    if not markers:
        return False
    if change.code in {"??", "!!"}:  # not in the last commit
        return markers > ignored_before.get(change.path, 0)
    try:
        committed = committed_content(project, change.path)
    except FastgenError:  # added since
        return True
    return markers > _markers(committed)


def _readable(project: Path, change: Change) -> bool:
    """A file (not deleted, nor a folder: an ignored one is listed whole, such as `.venv/`), and
    if ignored, a small one."""
    path = project / change.path
    if not path.is_file():
        return False
    return change.code != "!!" or path.stat().st_size <= _LARGEST_IGNORED


def _markers(content: bytes) -> int:
    return len(_MARKER.findall(content))
