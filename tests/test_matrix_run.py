"""Every row of the core and covering sets renders, passes its checks and its own tests."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from fastgen import matrix
from fastgen.environments import PreparedEnvironments
from fastgen.matrix_runner import MatrixRunner, Report
from fastgen.options import OptionModel
from tests.conftest import save_matrix_report


def runner_for(template: Path, workdir: Path, environments: PreparedEnvironments) -> MatrixRunner:
    return MatrixRunner(
        template=template,
        model=OptionModel.from_file(template / "copier.yml"),
        workdir=workdir,
        environments=environments,
        jobs=os.cpu_count() or 1,
    )


def test_covering_rows_and_the_core_options_but_middleware_pass(
    template_dir: Path,
    tmp_path: Path,
    prepared: PreparedEnvironments,
    pytestconfig: pytest.Config,
) -> None:
    """Every covering row (mypy included), and the product of the core options other than the
    middleware subsets (which `fastgen test-matrix --set core` runs in full, on demand)."""
    runner = runner_for(template_dir, tmp_path, prepared)
    covering = matrix.covering_rows(runner.model)
    keys = {repr(row) for row in covering}
    core_names = [name for name in matrix.core_option_names(runner.model) if name != "middleware"]
    core = matrix.product_rows(runner.model, core_names)
    rows = covering + [row for row in core if repr(row) not in keys]
    report = runner.run("covering+core", rows, typecheck=lambda row: repr(row) in keys)
    save_matrix_report(
        pytestconfig, report, covering=len(covering), core_without_middleware=len(core)
    )
    assert not report.failed, report.summary()
    assert len(report.results) == len(rows)
    assert all("render" in result.seconds for result in report.results)
    assert all(
        "tests" in result.seconds or result.reused_from is not None for result in report.results
    )
    assert all(result.typechecked for result in report.results if repr(result.row) in keys)


def conditional_file(template: Path, condition: str) -> Path:
    """A template file that is rendered only under `condition`."""
    for path in sorted((template / "template").rglob("*.py*")):
        relative = path.relative_to(template / "template").as_posix()
        if condition in relative and path.is_file():
            return path
    raise AssertionError(f"no template file is rendered only when {condition}")


def test_a_broken_file_fails_exactly_the_rows_that_use_it(
    template_dir: Path, tmp_path: Path, prepared: PreparedEnvironments
) -> None:
    broken_template = tmp_path / "template"
    shutil.copytree(template_dir, broken_template)
    broken = conditional_file(broken_template, "database != 'none'")
    with broken.open("a", encoding="utf-8") as file:
        file.write("\n\ndef broken(:\n")
    runner = runner_for(broken_template, tmp_path / "rows", prepared)
    # Every database, everything else at its default: enough rows with and without the file.
    rows = matrix.product_rows(runner.model, ["database"])
    report: Report = runner.run("databases", rows)

    failed = {result.label for result in report.failed}
    expected = {result.label for result in report.results if result.row["database"] != "none"}
    assert failed == expected
    assert expected
    assert len(report.results) > len(expected), "a row without the file must pass"
    for result in report.failed:
        assert result.failure is not None
        command = report.reproduce(result.row, result.failure)
        assert f"--data database={result.row['database']}" in command
        assert command.startswith("fastgen new svc --defaults")
        assert "&& cd svc && python -m " in command
