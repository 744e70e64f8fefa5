"""Fixtures of the generator's tests: the working-tree template, tools, prepared environments."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

import pytest
import uv

from fastgen.environments import PreparedEnvironments, project_environment
from fastgen.matrix_runner import Report
from fastgen.template_source import copy_template_files

REPO_ROOT = Path(__file__).resolve().parents[1]
BIN_DIR = Path(sys.executable).parent
FASTGEN = str(BIN_DIR / "fastgen")
COPIER = str(BIN_DIR / "copier")
UV = uv.find_uv_bin()
PYTHON_VERSIONS = ("3.11", "3.12", "3.13")

Runner = Callable[..., subprocess.CompletedProcess[str]]


def run(
    command: Sequence[str],
    *,
    cwd: Path | None = None,
    env: dict[str, str] | None = None,
    check: bool = True,
    timeout: float = 600,
    stdin: int | None = subprocess.DEVNULL,
) -> subprocess.CompletedProcess[str]:
    """Run a command; on an unexpected exit, fail with its output so the log tells what broke."""
    result = subprocess.run(
        list(command),
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=timeout,
        stdin=stdin,
    )
    if check and result.returncode != 0:
        pytest.fail(
            f"{' '.join(command)} exited {result.returncode} in {cwd}\n"
            f"--- stdout\n{result.stdout}\n--- stderr\n{result.stderr}"
        )
    return result


@pytest.fixture(scope="session")
def template_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The template as it is in the working tree (a plain folder, so Copier renders it as is).

    Copier renders a git template at its newest tag or commit; the tests must see uncommitted work.
    """
    return copy_template_files(REPO_ROOT, tmp_path_factory.mktemp("template"))


@pytest.fixture
def fastgen_new(template_dir: Path) -> Runner:
    """`fastgen new` against the working-tree template."""

    def new(
        *arguments: str, check: bool = True, cwd: Path | None = None
    ) -> subprocess.CompletedProcess[str]:
        return run(
            [FASTGEN, "new", *arguments, "--template", str(template_dir)], check=check, cwd=cwd
        )

    return new


def render(template_dir: Path, destination: Path, *data: str) -> Path:
    """Render with `fastgen new --defaults --no-git` and the given `KEY=VALUE` answers."""
    arguments = [arg for pair in data for arg in ("--data", pair)]
    run(
        [
            FASTGEN,
            "new",
            str(destination),
            "--defaults",
            "--no-git",
            "--template",
            str(template_dir),
            *arguments,
        ]
    )
    return destination


def project_files(root: Path) -> dict[str, bytes]:
    """Every file below `root` (outside .git) by relative path, with its bytes."""
    return {
        path.relative_to(root).as_posix(): path.read_bytes()
        for path in sorted(root.rglob("*"))
        if path.is_file() and ".git" not in path.relative_to(root).parts
    }


def snapshot(root: Path) -> dict[str, bytes]:
    """The whole tree below `root`, folders included, to prove a command wrote nothing."""
    tree = project_files(root)
    tree.update(
        {path.relative_to(root).as_posix() + "/": b"" for path in root.rglob("*") if path.is_dir()}
    )
    return tree


@pytest.fixture(scope="session")
def prepared(tmp_path_factory: pytest.TempPathFactory) -> PreparedEnvironments:
    # Shared by every xdist worker: the parent of the per-worker temporary folders.
    root = tmp_path_factory.getbasetemp().parent / "prepared-envs"
    root.mkdir(exist_ok=True)
    return PreparedEnvironments(root)


def check_generated_project(
    project: Path, prepared: PreparedEnvironments
) -> subprocess.CompletedProcess[str]:
    """Run a rendered project's own checks (ruff, ruff format, mypy --strict, its tests with
    coverage) in the prepared environment that fits it; return the test run."""
    python = str(prepared.python_for(project))
    env = project_environment(project)
    run([python, "-m", "ruff", "check", "--no-cache", "."], cwd=project, env=env)
    run([python, "-m", "ruff", "format", "--check", "--no-cache", "."], cwd=project, env=env)
    run([python, *prepared.mypy_arguments(Path(python), project)], cwd=project, env=env)
    return run(
        [python, "-m", "pytest", "--cov", "-p", "no:cacheprovider", "-q"], cwd=project, env=env
    )


# The matrix run's report, printed at the end of the session (it runs in an xdist worker).
MATRIX_REPORTS = "matrix-reports"


def _reports_dir(config: pytest.Config) -> Path:
    """The run's own folder: an xdist worker's temporary folder is inside the controller's."""
    factory: pytest.TempPathFactory = config._tmp_path_factory  # type: ignore[attr-defined]
    base = factory.getbasetemp()
    return (base.parent if hasattr(config, "workerinput") else base) / MATRIX_REPORTS


def save_matrix_report(config: pytest.Config, report: Report, **sizes: int) -> None:
    folder = _reports_dir(config)
    folder.mkdir(exist_ok=True)
    sizes_line = ", ".join(f"{name} set {size} rows" for name, size in sizes.items())
    text = f"{sizes_line}\n{report.summary()}\n"
    (folder / f"{report.set_name}.json").write_text(json.dumps(text), encoding="utf-8")


# The longest test, started first: pytest-xdist leaves the tests queued behind a running one on
# its worker, so the covering rows (most of the run's time) go out before anything can queue
# behind them, and the other worker takes everything else, the middleware subsets included.
LONGEST_TEST = "test_covering_rows_and_the_core_options_but_middleware_pass"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    items.sort(key=lambda item: item.name != LONGEST_TEST)


def pytest_terminal_summary(
    terminalreporter: pytest.TerminalReporter, config: pytest.Config
) -> None:
    if hasattr(config, "workerinput"):
        return
    folder = _reports_dir(config)
    for path in sorted(folder.glob("*.json")) if folder.is_dir() else []:
        terminalreporter.section(f"fastgen test-matrix: {path.stem}")
        terminalreporter.write(json.loads(path.read_text(encoding="utf-8")))
