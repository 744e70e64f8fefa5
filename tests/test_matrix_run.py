"""Every row of the core and covering sets renders, passes its checks and its own tests."""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

import pytest

from fastgen import matrix
from fastgen.environments import PreparedEnvironments, project_environment
from fastgen.matrix_runner import MatrixRunner, Report
from fastgen.options import OptionModel
from tests.conftest import save_matrix_report


def tasks_and_database(row: matrix.Row) -> tuple[str, str, str]:
    return (row["background_tasks"], row["task_broker"], row["database"])


def runner_for(template: Path, workdir: Path, environments: PreparedEnvironments) -> MatrixRunner:
    return MatrixRunner(
        template=template,
        model=OptionModel.from_file(template / "copier.yml"),
        workdir=workdir,
        environments=environments,
        jobs=os.cpu_count() or 1,
    )


# Each long matrix run is a group of its own under `--dist loadgroup` (see conftest.py).
@pytest.mark.xdist_group("covering")
def test_covering_rows_and_the_core_options_but_middleware_pass(
    template_dir: Path,
    tmp_path: Path,
    prepared: PreparedEnvironments,
    pytestconfig: pytest.Config,
) -> None:
    """Every covering row (mypy included), and the product of the database and docker options
    (`fastgen test-matrix --set core` runs the full core product, on demand). The covering rows
    hold every background tasks choice (and broker) with every database, checked here."""
    runner = runner_for(template_dir, tmp_path, prepared)
    covering = matrix.covering_rows(runner.model)
    keys = {repr(row) for row in covering}
    pairs = matrix.product_rows(runner.model, ["background_tasks", "task_broker", "database"])
    held = {tasks_and_database(row) for row in covering}
    assert {tasks_and_database(row) for row in pairs} <= held
    core = matrix.product_rows(runner.model, ["database", "docker"])
    rows = covering + [row for row in core if repr(row) not in keys]
    report = runner.run("covering+core", rows, typecheck=lambda row: repr(row) in keys)
    save_matrix_report(pytestconfig, report, covering=len(covering), database_and_docker=len(core))
    assert not report.failed, report.summary()
    assert len(report.results) == len(rows)
    assert all("render" in result.seconds for result in report.results)
    assert all(
        "tests" in result.seconds or result.reused_from is not None for result in report.results
    )
    assert all(result.typechecked for result in report.results if repr(result.row) in keys)


@pytest.mark.xdist_group("middleware")
def test_every_subset_of_the_middleware_passes(
    template_dir: Path,
    tmp_path: Path,
    prepared: PreparedEnvironments,
    pytestconfig: pytest.Config,
) -> None:
    """Each of the 2^7 middleware subsets, mypy included, on the service without a database:
    the subsets' interplay with each database (and every other option) is the covering rows'."""
    runner = runner_for(template_dir, tmp_path, prepared)
    rows = [row | {"database": "none"} for row in matrix.product_rows(runner.model, ["middleware"])]
    report = runner.run("middleware", rows, typecheck=lambda row: True)
    save_matrix_report(pytestconfig, report, middleware_subsets=len(rows))
    assert len(rows) == 2 ** len(runner.model["middleware"].choice_values)
    assert not report.failed, report.summary()
    assert all(result.typechecked for result in report.results)
    assert all("tests" in result.seconds for result in report.results)


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


def test_a_hanging_step_fails_its_row_instead_of_stalling_the_run(
    template_dir: Path, tmp_path: Path, prepared: PreparedEnvironments
) -> None:
    hanging_template = tmp_path / "template"
    shutil.copytree(template_dir, hanging_template)
    (hanging_template / "template" / "tests" / "test_hangs.py").write_text(
        'import time\n\n\ndef test_hangs() -> None:\n    """Never ends on its own."""\n'
        "    time.sleep(3600)\n",
        encoding="utf-8",
    )
    runner = runner_for(hanging_template, tmp_path / "rows", prepared)
    runner.step_timeout = 30
    row = matrix.product_rows(runner.model, ["database"])[0]
    started = time.monotonic()
    report = runner.run("hanging", [row])

    assert time.monotonic() - started < 600
    [result] = report.results
    assert result.failure is not None, report.summary()
    assert result.failure.step == "tests"
    assert "did not finish in 30 s" in result.failure.output


def test_projects_tested_side_by_side_get_temporary_folders_of_their_own(tmp_path: Path) -> None:
    """pytest deletes older folders under `$TMPDIR/pytest-of-<user>`, even ones another run uses."""
    caller = {"VIRTUAL_ENV": "/caller/venv", "PATH": "/usr/bin"}
    first = project_environment(tmp_path / "row-0001", caller)
    second = project_environment(tmp_path / "row-0002", caller)

    assert first["TMPDIR"] != second["TMPDIR"]
    assert Path(first["TMPDIR"]).is_dir()
    assert Path(second["TMPDIR"]).is_dir()
    assert "VIRTUAL_ENV" not in first
    assert first["PATH"] == "/usr/bin"
    assert caller["VIRTUAL_ENV"] == "/caller/venv"
