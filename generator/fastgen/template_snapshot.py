"""A plain-folder copy of a local git template, taken once for a matrix run.

Copier clones a template that is a git repository for every project it renders (about half a
second a row here) and renders its latest tag when it has one. The matrix runner renders many rows
from one snapshot of the working tree instead: no clone per row, and the rows test the files as
they are now, uncommitted changes included, tags or not.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from fastgen.git import run_git


def snapshot_template(template: Path, into: Path) -> Path:
    """The folder to render `template` from: `template` itself unless it is a git repository's
    root, else a copy in `into` of the files Copier would take from it (tracked or untracked, not
    ignored, the way Copier includes a dirty tree's changes)."""
    if not is_git_root(template):
        return template
    listing = run_git(
        template, "ls-files", "-z", "--cached", "--others", "--exclude-standard", step="ls-files"
    )
    for name in sorted(set(filter(None, listing.split("\0")))):
        source = template / name
        if source.is_file():  # tracked files deleted from the working tree are listed too
            target = into / name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)
    return into


def is_git_root(folder: Path) -> bool:
    """Whether Copier reads `folder` as a git repository (it must be the repository's root)."""
    if not (folder / ".git").exists():  # a plain folder: git need not even be installed
        return False
    top = run_git(folder, "rev-parse", "--show-toplevel", check=False).strip()
    return bool(top) and Path(top).resolve() == folder.resolve()
