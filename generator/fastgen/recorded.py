"""What a generated project's answers file records: its answers and the template they came from."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from fastgen.answers import read_answers_mapping

# Copier's default name, which copier.yml's `_answers_file` keeps.
ANSWERS_FILE = ".copier-answers.yml"


@dataclass(frozen=True)
class Recorded:
    """The answers file of a project as Copier wrote it."""

    path: Path
    values: Mapping[str, Any]

    @property
    def src_path(self) -> str | None:
        """The template source, a path or URL (`_src_path`)."""
        value = self.values.get("_src_path")
        return None if value is None else str(value)

    @property
    def commit(self) -> str | None:
        """The template release or commit the project was last rendered from (`_commit`)."""
        value = self.values.get("_commit")
        return None if value is None else str(value)

    @property
    def answers(self) -> dict[str, Any]:
        """The answers to the template's questions, without Copier's own `_` keys."""
        return {key: value for key, value in self.values.items() if not key.startswith("_")}


def read_recorded(project: Path) -> Recorded:
    path = project / ANSWERS_FILE
    return Recorded(path=path, values=read_answers_mapping(path))


def record_template(project: Path, **private: str) -> None:
    """Set Copier's own keys (`_src_path=...`, `_commit=...`) in the project's answers file.

    The file is written the way the template writes it (its comment line, then Copier's
    `to_nice_yaml`: sorted keys, four-space indent), so only the changed keys differ.
    """
    path = project / ANSWERS_FILE
    text = path.read_text(encoding="utf-8")
    header = "".join(line for line in text.splitlines(keepends=True) if line.startswith("#"))
    values = read_answers_mapping(path) | {f"_{key}": value for key, value in private.items()}
    body = yaml.safe_dump(values, indent=4, allow_unicode=True, default_flow_style=False)
    path.write_text(header + body, encoding="utf-8")
