"""Each rendered project passes its own checks: ruff, ruff format, mypy --strict and its tests."""

from __future__ import annotations

import os
import re
import tomllib
from pathlib import Path

import pytest

from tests.conftest import PYTHON_VERSIONS, PreparedEnvironments, render, run

MIN_COVERAGE = 90


def project_env() -> dict[str, str]:
    """The environment a generated project's tools run in: none of the caller's virtualenv."""
    env = {key: value for key, value in os.environ.items() if key not in {"VIRTUAL_ENV"}}
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    return env


@pytest.mark.parametrize("python_version", PYTHON_VERSIONS)
def test_generated_project_passes_its_own_checks(
    python_version: str,
    template_dir: Path,
    tmp_path: Path,
    prepared: PreparedEnvironments,
) -> None:
    project = render(template_dir, tmp_path / "svc", f"python_version={python_version}")
    python = str(prepared.python_for(project, python_version))
    env = project_env()
    mypy_cache = str(python) + "-mypy-cache"

    run([python, "-m", "ruff", "check", "--no-cache", "."], cwd=project, env=env)
    run([python, "-m", "ruff", "format", "--check", "--no-cache", "."], cwd=project, env=env)
    run([python, "-m", "mypy", "--strict", "--cache-dir", mypy_cache], cwd=project, env=env)
    tests = run(
        [python, "-m", "pytest", "--cov", "-p", "no:cacheprovider", "-q"], cwd=project, env=env
    )

    config = tomllib.loads((project / "pyproject.toml").read_text(encoding="utf-8"))
    assert config["tool"]["coverage"]["report"]["fail_under"] >= MIN_COVERAGE
    total = re.search(r"^TOTAL\s.*?(\d+(?:\.\d+)?)%$", tests.stdout, re.MULTILINE)
    assert total is not None, tests.stdout
    assert float(total.group(1)) >= MIN_COVERAGE
    passed = re.search(r"(\d+) passed", tests.stdout)
    assert passed is not None, tests.stdout
    assert int(passed.group(1)) > 0
