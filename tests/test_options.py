"""The option model reads copier.yml, and copier.yml states every rule of every question."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest
import yaml

from fastgen.errors import FastgenError
from fastgen.options import OptionModel
from fastgen.rules import Rules
from tests.conftest import REPO_ROOT

COPIER_YML = REPO_ROOT / "copier.yml"


def raw_questions() -> dict[str, dict[str, object]]:
    raw = yaml.safe_load(COPIER_YML.read_text(encoding="utf-8"))
    return {name: spec for name, spec in raw.items() if not name.startswith("_")}


def test_model_holds_every_question_of_copier_yml_in_order() -> None:
    model = OptionModel.from_file(COPIER_YML)
    assert model.names == tuple(raw_questions())


def test_every_question_has_help_and_a_default() -> None:
    for question in OptionModel.from_file(COPIER_YML):
        assert question.help, question.name
        assert question.default is not None, question.name


def test_every_free_text_question_has_a_validator() -> None:
    for question in OptionModel.from_file(COPIER_YML):
        if question.type == "str" and not question.choices:
            assert question.validator, f"{question.name} accepts any text"


def test_a_package_name_that_would_shadow_a_standard_module_is_refused() -> None:
    """A package named `json` or `email` would hide the standard library's from the service."""
    model = OptionModel.from_file(COPIER_YML)
    rules = Rules(model)
    shadowing = [
        name
        for name in sorted(sys.stdlib_module_names)
        if re.fullmatch("[a-z][a-z0-9_]*", name)
        and not rules.problem(model["package_name"], {"package_name": name})
    ]
    assert shadowing == []


def test_a_package_name_that_would_shadow_a_test_helper_is_refused() -> None:
    """The generated tests import their helper modules (conftest, failing_tasks...) by name."""
    model = OptionModel.from_file(COPIER_YML)
    rules = Rules(model)
    helpers = {
        found[1]
        for path in (REPO_ROOT / "template" / "tests").iterdir()
        if (found := re.search(r"([a-z_]+)\.py(?:\{%|\.jinja|$)", path.name))
        and not found[1].startswith("test_")
    }
    assert {"conftest", "failing_tasks", "loopback_proxy"} <= helpers
    accepted = [
        name
        for name in sorted(helpers)
        if not rules.problem(model["package_name"], {"package_name": name})
    ]
    assert accepted == []


def test_a_project_slug_that_names_a_dependency_is_refused() -> None:
    """The distribution would depend on itself: uv refuses to lock it."""
    model = OptionModel.from_file(COPIER_YML)
    rules = Rules(model)
    pyproject = (REPO_ROOT / "template" / "pyproject.toml.jinja").read_text(encoding="utf-8")
    dependencies = set(re.findall(r'^    "([a-z0-9-]+)[\[>]', pyproject, flags=re.MULTILINE))
    assert {"fastapi", "sqlalchemy", "celery", "taskiq-redis"} <= dependencies
    accepted = [
        name
        for name in sorted(dependencies)
        if not rules.problem(model["project_slug"], {"project_slug": name})
    ]
    assert accepted == []


def test_copier_settings_follow_the_design() -> None:
    settings = OptionModel.from_file(COPIER_YML).settings
    assert settings["_subdirectory"] == "template"
    assert settings["_templates_suffix"] == ".jinja"
    assert settings["_answers_file"] == ".copier-answers.yml"
    assert "_min_copier_version" in settings
    # Plain `copier copy` must work without --trust.
    assert "_tasks" not in settings
    assert "_jinja_extensions" not in settings


def test_python_version_choices() -> None:
    question = OptionModel.from_file(COPIER_YML)["python_version"]
    assert question.choice_values == ("3.11", "3.12", "3.13")
    assert question.default == "3.12"


def test_derived_defaults_are_recognised() -> None:
    model = OptionModel.from_file(COPIER_YML)
    assert model["project_slug"].default_is_derived
    assert model["package_name"].default_is_derived
    assert not model["project_name"].default_is_derived


def test_reads_every_question_shape(tmp_path: Path) -> None:
    copier_yml = tmp_path / "copier.yml"
    copier_yml.write_text(
        """
_subdirectory: template
short: plain default
docker:
  type: bool
  default: true
  help: Add Docker files
database:
  type: str
  choices:
    SQLite: sqlite
    PostgreSQL: postgresql
  default: sqlite
middleware:
  type: str
  multiselect: true
  choices: [cors, gzip]
  default: [cors]
workers:
  type: int
  default: 2
  when: "{{ docker }}"
""",
        encoding="utf-8",
    )
    model = OptionModel.from_file(copier_yml)
    assert model.names == ("short", "docker", "database", "middleware", "workers")
    assert model["short"].type == "str"
    assert model["short"].default == "plain default"
    assert model["docker"].type == "bool"
    assert model["database"].choice_values == ("sqlite", "postgresql")
    assert [choice.label for choice in model["database"].choices] == ["SQLite", "PostgreSQL"]
    assert model["middleware"].multiselect
    assert model["workers"].is_conditional
    assert not model["docker"].is_conditional
    assert "docker" in model
    assert "nope" not in model
    with pytest.raises(KeyError):
        model["nope"]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("- a list\n", "does not hold a mapping"),
        ("q:\n  type: decimal\n", "unknown type"),
        ("'not-an-identifier':\n  type: str\n", "not an identifier"),
        ("q: [unclosed\n", "cannot read"),
    ],
)
def test_a_broken_copier_yml_is_reported(tmp_path: Path, content: str, message: str) -> None:
    copier_yml = tmp_path / "copier.yml"
    copier_yml.write_text(content, encoding="utf-8")
    with pytest.raises(FastgenError, match=message):
        OptionModel.from_file(copier_yml)
