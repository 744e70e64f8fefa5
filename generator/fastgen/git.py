"""The new project's git repository: fastgen does what a Copier task would, without --trust."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from fastgen.errors import FastgenError


def init_repository(project: Path, *, message: str, author_name: str, author_email: str) -> None:
    """`git init` the project and commit every file, unless it already is a repository."""
    git = shutil.which("git")
    if git is None:
        raise FastgenError("git is not installed; install it or pass --no-git")
    if (project / ".git").exists():
        return
    identity: list[str] = []
    if not _configured(git, project, "user.email"):
        # A fresh machine often has no git identity; the project's author stands in for it.
        identity = ["-c", f"user.name={author_name}", "-c", f"user.email={author_email}"]
    steps = {
        "init": ["init", "--quiet"],
        "add": ["add", "--all"],
        "commit": [*identity, "commit", "--quiet", "--no-verify", "--message", message],
    }
    for step, arguments in steps.items():
        result = subprocess.run(
            [git, *arguments], cwd=project, capture_output=True, text=True, check=False
        )
        if result.returncode != 0:
            detail = " ".join(result.stderr.split()) or f"exit code {result.returncode}"
            raise FastgenError(f"git {step} failed in {project}: {detail}")


def _configured(git: str, project: Path, key: str) -> bool:
    result = subprocess.run(
        [git, "config", "--get", key], cwd=project, capture_output=True, text=True, check=False
    )
    return bool(result.stdout.strip())
