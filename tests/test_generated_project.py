"""Each rendered project passes its own checks: ruff, ruff format, mypy --strict, its migrations and
its tests, against the real database servers of this machine."""

from __future__ import annotations

import os
import re
import subprocess
import tomllib
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from fastgen import matrix
from fastgen.environments import PreparedEnvironments, project_environment
from fastgen.rules import Rules
from tests.combinations import COMBINATIONS, OPTIONS, QUEUE_ROWS
from tests.conftest import render, run

MIN_COVERAGE = 90
# The admin database of each server the generated tests create their databases on; these
# defaults are this machine's servers (.ci/run starts them), the variables point elsewhere.
SERVER_URLS = {
    "postgresql": os.environ.get(
        "FASTGEN_POSTGRESQL_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"
    ),
    "mysql": os.environ.get("FASTGEN_MYSQL_URL", "mysql+asyncmy://root@127.0.0.1:3306/mysql"),
}
ENV_PREFIX = "MY_SERVICE_"
SQL_STATEMENT = str(Path(__file__).with_name("sql_statement.py"))


@contextmanager
def scratch_database(
    python: str, database: str, env: dict[str, str], tmp_path: Path
) -> Iterator[str]:
    """The URL of an empty database for the project's migrations, dropped afterwards."""
    if database == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'migrations.db'}"
        return
    server = SERVER_URLS[database]
    name = f"fastgen_{uuid.uuid4().hex[:12]}"
    run([python, SQL_STATEMENT, server, f"CREATE DATABASE {name}"], env=env)
    try:
        yield server.rsplit("/", 1)[0] + f"/{name}"
    finally:
        run([python, SQL_STATEMENT, server, f"DROP DATABASE {name}"], env=env)


@pytest.mark.parametrize(("python_version", "database"), COMBINATIONS)
def test_generated_project_passes_its_own_checks(
    python_version: str,
    database: str,
    template_dir: Path,
    tmp_path: Path,
    prepared: PreparedEnvironments,
) -> None:
    data = [f"python_version={python_version}", f"database={database}"]
    project = render(template_dir, tmp_path / "svc", *data)
    check_project(project, database, tmp_path, prepared)


@pytest.mark.parametrize(("background_tasks", "task_broker", "database"), QUEUE_ROWS)
def test_a_project_with_a_task_queue_passes_its_own_checks(
    background_tasks: str,
    task_broker: str,
    database: str,
    template_dir: Path,
    tmp_path: Path,
    prepared: PreparedEnvironments,
) -> None:
    """Its tests start a real worker on the real broker and wait for tasks queued over HTTP."""
    data = [f"background_tasks={background_tasks}", f"task_broker={task_broker}"]
    project = render(template_dir, tmp_path / "svc", *data, f"database={database}")
    tests = check_project(project, database, tmp_path, prepared)
    worker_test = "tests/test_tasks.py::test_a_worker_runs_a_task_queued_through_the_api"
    assert f"PASSED {worker_test}" in tests.stdout


def test_the_queue_rows_hold_every_queue_and_broker() -> None:
    rules = Rules(OPTIONS)
    valid = {
        (row["background_tasks"], row["task_broker"])
        for row in matrix.product_rows(OPTIONS, ["background_tasks", "task_broker"])
        if rules.is_asked(OPTIONS["task_broker"], row)
    }
    assert {(queue, broker) for queue, broker, _ in QUEUE_ROWS} == valid


def check_project(
    project: Path, database: str, tmp_path: Path, prepared: PreparedEnvironments
) -> subprocess.CompletedProcess[str]:
    """Run the project's ruff, ruff format, mypy --strict, migrations and tests with coverage,
    against this machine's servers; return the test run."""
    python = str(prepared.python_for(project))
    env = project_environment(project)
    if database in SERVER_URLS:
        env["TEST_DATABASE_URL"] = SERVER_URLS[database]

    run([python, "-m", "ruff", "check", "--no-cache", "."], cwd=project, env=env)
    run([python, "-m", "ruff", "format", "--check", "--no-cache", "."], cwd=project, env=env)
    run([python, *prepared.mypy_arguments(Path(python), project)], cwd=project, env=env)
    if database != "none":
        with scratch_database(python, database, env, tmp_path) as url:
            alembic_env = env | {f"{ENV_PREFIX}DATABASE_URL": url}
            for command in (["upgrade", "head"], ["check"], ["downgrade", "base"]):
                run([python, "-m", "alembic", *command], cwd=project, env=alembic_env)
    tests = run(
        [python, "-m", "pytest", "--cov", "-p", "no:cacheprovider", "-q", "-rA"],
        cwd=project,
        env=env,
    )

    config = tomllib.loads((project / "pyproject.toml").read_text(encoding="utf-8"))
    assert config["tool"]["coverage"]["report"]["fail_under"] >= MIN_COVERAGE
    total = re.search(r"^TOTAL\s.*?(\d+(?:\.\d+)?)%$", tests.stdout, re.MULTILINE)
    assert total is not None, tests.stdout
    assert float(total.group(1)) >= MIN_COVERAGE
    passed = re.search(r"(\d+) passed", tests.stdout)
    assert passed is not None, tests.stdout
    assert int(passed.group(1)) > 0
    summary = tests.stdout.strip().splitlines()[-1]
    assert "skipped" not in summary, f"the generated tests must not skip: {summary}"
    return tests
