"""The project's git repository: fastgen does what a Copier task would, without --trust."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Sequence
from pathlib import Path

from fastgen.errors import FastgenError


def init_repository(project: Path, *, message: str, author_name: str, author_email: str) -> bool:
    """`git init` the project and commit every file, unless it is in a repository already, its
    own or a larger one's (whose other changes are not ours to commit): whether it did."""
    if run_git(project, "rev-parse", "--is-inside-work-tree", check=False).strip() == "true":
        return False
    run_git(project, "init", "--quiet", step="init")
    commit(project, ["--all"], message=message, author_name=author_name, author_email=author_email)
    return True


def commit(
    project: Path, paths: Sequence[str], *, message: str, author_name: str, author_email: str
) -> None:
    """Stage `paths` (or `--all`) and commit them, with the author as identity if git has none."""
    identity: list[str] = []
    if not run_git(project, "config", "--get", "user.email", check=False).strip():
        # A fresh machine often has no git identity; the project's author stands in for it.
        identity = ["-c", f"user.name={author_name}", "-c", f"user.email={author_email}"]
    run_git(project, "add", *paths, step="add")
    commit_arguments = ["commit", "--quiet", "--no-verify", "--message", message]
    run_git(project, *identity, *commit_arguments, step="commit")


def run_git(project: Path, *arguments: str, step: str = "", check: bool = True) -> str:
    """Run git in `project` and return its output; a failure is a one-line error when `check`."""
    return _run(project, arguments, step=step, check=check).decode()


def committed_content(project: Path, path: str) -> bytes:
    """The bytes of `path` (relative to `project`) in the last commit."""
    return _run(project, ["show", f"HEAD:./{path}"], step="show", check=True)


def _run(project: Path, arguments: Sequence[str], *, step: str, check: bool) -> bytes:
    result = subprocess.run(
        [require_git(), *arguments], cwd=project, capture_output=True, check=False
    )
    if check and result.returncode != 0:
        detail = " ".join(result.stderr.decode(errors="replace").split())
        detail = detail or f"exit code {result.returncode}"
        raise FastgenError(f"git {step or arguments[0]} failed in {project}: {detail}")
    return result.stdout


NO_GIT_HINT = "`fastgen new` also takes --no-git"


def require_git(hint: str = NO_GIT_HINT) -> str:
    """git's path; without git, a one-line error ending with `hint`."""
    git = shutil.which("git")
    if git is None:
        raise FastgenError(f"git is not installed; install it ({hint})")
    return git
