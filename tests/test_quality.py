"""The generator itself stays ruff-clean, formatted and `mypy --strict` clean."""

from __future__ import annotations

import sys

from tests.conftest import REPO_ROOT, run


def test_ruff_check() -> None:
    run([sys.executable, "-m", "ruff", "check", "--no-cache", "generator", "tests"], cwd=REPO_ROOT)


def test_ruff_format() -> None:
    run(
        [sys.executable, "-m", "ruff", "format", "--check", "--no-cache", "generator", "tests"],
        cwd=REPO_ROOT,
    )


def test_mypy_strict() -> None:
    run([sys.executable, "-m", "mypy", "--strict"], cwd=REPO_ROOT)
