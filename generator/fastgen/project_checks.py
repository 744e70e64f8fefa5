"""Static checks of a rendered project that need none of its tools: leftovers, answers, syntax."""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterator
from pathlib import Path

import yaml

from fastgen.docker_checks import docker_problems
from fastgen.options import OptionModel
from fastgen.rules import Rules

ANSWERS_FILE = ".copier-answers.yml"
# GitHub Actions' `${{ ... }}` is not Jinja.
JINJA_MARKERS = re.compile(r"(?<!\$)\{\{|\{%|\{#")


def text_files(project: Path) -> Iterator[tuple[Path, str]]:
    """Every UTF-8 file of the project outside .git, with its text."""
    for path in sorted(project.rglob("*")):
        if not path.is_file() or ".git" in path.relative_to(project).parts:
            continue
        try:
            yield path, path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue


def static_problems(project: Path, model: OptionModel) -> list[str]:
    """What is wrong with a rendered project before any of its tools runs; empty when nothing."""
    problems: list[str] = []
    for path, text in text_files(project):
        name = path.relative_to(project).as_posix()
        if JINJA_MARKERS.search(text) or JINJA_MARKERS.search(name) or name.endswith(".jinja"):
            problems.append(f"{name}: Jinja leftover")
        problems += _syntax_problems(path, name, text)
    problems += docker_problems(project)
    answers_path = project / ANSWERS_FILE
    if not answers_path.is_file():
        return [*problems, f"{ANSWERS_FILE} is missing"]
    answers = yaml.safe_load(answers_path.read_text(encoding="utf-8")) or {}
    rules = Rules(model)
    missing = [
        question.name
        for question in model
        if question.name not in answers and rules.is_asked(question, answers)
    ]
    if missing:
        problems.append(f"{ANSWERS_FILE} lacks {', '.join(missing)}")
    return problems


def _syntax_problems(path: Path, name: str, text: str) -> list[str]:
    try:
        if path.suffix == ".toml":
            tomllib.loads(text)
        elif path.suffix in {".yml", ".yaml"}:
            list(yaml.safe_load_all(text))
    except (tomllib.TOMLDecodeError, yaml.YAMLError) as error:
        return [f"{name}: does not parse: {' '.join(str(error).split())}"]
    return []
