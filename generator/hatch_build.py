"""Wheel build hook: the wheel records which commit of the template it bundles.

A project made from the wheel's copy of the template (no git repository) records that commit as
its `_commit`, as Copier records a git checkout's (`git describe --tags --always`), so a later
`fastgen update --template <repository>` starts from the template it was really made from.
"""

from __future__ import annotations

import subprocess
import tempfile
from pathlib import Path
from typing import Any

from hatchling.builders.config import BuilderConfig
from hatchling.builders.hooks.plugin.interface import BuildHookInterface

# Where the wheel keeps the commit, beside its copy of the template.
TEMPLATE_COMMIT = "fastgen/bundled/template_commit"


class TemplateCommitHook(BuildHookInterface[BuilderConfig]):
    def initialize(self, version: str, build_data: dict[str, Any]) -> None:
        commit = describe(Path(self.root))
        if commit is None:  # not built from a git checkout (an sdist): the version stands in
            return
        folder = Path(tempfile.mkdtemp(prefix="fastgen-build-"))
        (folder / "template_commit").write_text(commit + "\n", encoding="utf-8")
        build_data["force_include"][str(folder / "template_commit")] = TEMPLATE_COMMIT


def describe(root: Path) -> str | None:
    """`git describe --tags --always` of the checkout at `root`, or None outside one."""
    try:
        described = subprocess.run(
            ["git", "describe", "--tags", "--always"],
            cwd=root, check=True, capture_output=True, text=True,
        ).stdout.strip()  # fmt: skip
    except (OSError, subprocess.CalledProcessError):
        return None
    return described or None
