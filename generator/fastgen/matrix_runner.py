"""Render every row of a matrix, check it, and run its own tool chain and tests, fast.

Three phases, each on all cores:
1. render and check statically (processes: Copier is not thread-safe), each process keeping the
   Jinja templates it compiled; a git template is rendered from one plain-folder copy of its
   working tree, a plain folder where it is;
2. prepare one environment per distinct dependency set (shared by every row that needs it);
3. lint, type-check (where asked) and test each distinct project once: rows whose test-relevant
   files are byte-identical share one run, and the report says which rows reused whose result.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import multiprocessing
import os
import shlex
import subprocess
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from statistics import median

from fastgen.environments import PreparedEnvironments, project_environment
from fastgen.errors import FastgenError
from fastgen.jinja_compile_cache import keep_compiled_templates
from fastgen.matrix import Row, data_arguments, row_label
from fastgen.options import OptionModel
from fastgen.project_checks import static_problems
from fastgen.render import RenderRequest, render_project
from fastgen.template_snapshot import is_git_root, snapshot_template

# Files that no lint, type check or test of the project reads: rows differing only in these
# share one run. Anything not listed here counts.
NOT_TEST_RELEVANT = frozenset(
    {
        ".copier-answers.yml",
        "README.md",
        "Dockerfile",
        ".dockerignore",
        "compose.yaml",
        "compose.override.yaml",
        "compose.dev.yaml",
    }
)
OUTPUT_TAIL = 3000
# A step that runs longer than this has hung (the slowest row's tests take well under a minute):
# it fails its row, so one stuck process cannot stall a whole matrix run.
STEP_TIMEOUT_SECONDS = 600.0


@dataclass
class Failure:
    step: str
    command: str
    output: str


@dataclass
class RowResult:
    row: Row
    label: str
    project: Path
    fingerprint: str = ""
    seconds: dict[str, float] = field(default_factory=dict)
    failure: Failure | None = None
    reused_from: str | None = None
    typechecked: bool = False


@dataclass
class Report:
    set_name: str
    results: list[RowResult]
    seconds: float
    template: str

    @property
    def failed(self) -> list[RowResult]:
        return [result for result in self.results if result.failure is not None]

    @property
    def reused(self) -> list[RowResult]:
        return [result for result in self.results if result.reused_from is not None]

    def reproduce(self, row: Row, failure: Failure) -> str:
        """The commands that rebuild the row and run the step that failed."""
        data = " ".join(f"--data {shlex.quote(pair)}" for pair in data_arguments(row))
        # The rows rendered the working tree; of a git template, Copier takes the newest tag.
        ref = " --vcs-ref HEAD" if is_git_root(Path(self.template)) else ""
        template = shlex.quote(self.template)
        new = f"fastgen new svc --defaults --no-git --template {template}{ref} {data}"
        return f"{new} && cd svc && {failure.command}"

    def summary(self) -> str:
        total = len(self.results)
        rendered = sum("render" in r.seconds for r in self.results)
        tested = sum("tests" in r.seconds for r in self.results)
        typechecked = sum(r.typechecked for r in self.results)
        per_minute = total / self.seconds * 60 if self.seconds else 0.0
        lines = [
            f"matrix {self.set_name}: {total} rows, {rendered} rendered and checked, "
            f"{tested} tested, {len(self.reused)} reused, {typechecked} type-checked, "
            f"{len(self.failed)} failed, in {self.seconds:.1f} s ({per_minute:.1f} rows/min)",
            "median seconds per run: "
            + ", ".join(f"{step} {value:.2f}" for step, value in self.step_medians().items()),
        ]
        lines += [f"reused: {r.label} <- {r.reused_from}" for r in self.reused]
        for result in self.results:
            if result.failure is not None:
                lines += [
                    f"FAILED {result.label}: {result.failure.step}",
                    f"  reproduce: {self.reproduce(result.row, result.failure)}",
                    *("  | " + line for line in result.failure.output.splitlines()[-25:]),
                ]
        return "\n".join(lines)

    def step_medians(self) -> dict[str, float]:
        steps: dict[str, list[float]] = defaultdict(list)
        for result in self.results:
            for step, seconds in result.seconds.items():
                steps[step].append(seconds)
        return {step: median(values) for step, values in steps.items()}


@dataclass
class MatrixRunner:
    """Runs rows of a matrix against one template, in `workdir`, on `jobs` cores."""

    template: Path
    model: OptionModel
    workdir: Path
    environments: PreparedEnvironments
    jobs: int = field(default_factory=lambda: os.cpu_count() or 1)
    env: Mapping[str, str] = field(default_factory=lambda: dict(os.environ))
    reuse: bool = True
    step_timeout: float = STEP_TIMEOUT_SECONDS

    def run(
        self,
        set_name: str,
        rows: Sequence[Row],
        typecheck: Callable[[Row], bool] = lambda _row: False,
    ) -> Report:
        started = time.monotonic()
        results = [
            RowResult(row=row, label=row_label(row, self.model), project=self._row_dir(index))
            for index, row in enumerate(rows, start=1)
        ]
        self._render_all(results)
        groups: dict[str, list[RowResult]] = defaultdict(list)
        for result in results:
            if result.failure is None:
                key = result.fingerprint if self.reuse else str(result.project)
                groups[key].append(result)
        self._prepare_environments([group[0] for group in groups.values()])
        with ThreadPoolExecutor(max_workers=self.jobs) as pool:
            futures = [
                pool.submit(self._test_group, group, any(typecheck(r.row) for r in group))
                for group in groups.values()
            ]
            for future in futures:
                future.result()
        return Report(set_name, results, time.monotonic() - started, str(self.template))

    def _row_dir(self, index: int) -> Path:
        return self.workdir / f"row-{index:04d}"

    def _render_all(self, results: list[RowResult]) -> None:
        # Fresh interpreters, not forks: a fork of a process with threads (a test runner's, a
        # thread pool's) can inherit a lock some other thread held, and wait on it forever.
        spawn = multiprocessing.get_context("spawn")
        with (
            tempfile.TemporaryDirectory(prefix="fastgen-template-") as scratch,
            ProcessPoolExecutor(
                max_workers=self.jobs, mp_context=spawn, initializer=keep_compiled_templates
            ) as pool,
        ):
            # One folder for every row: no clone per row, and the same file names each time, so
            # that each worker's compiled templates serve all the rows it renders.
            template = snapshot_template(self.template, Path(scratch))
            outcomes = pool.map(
                _render_and_check,
                [str(template)] * len(results),
                [result.row for result in results],
                [result.project for result in results],
                [self.model] * len(results),
            )
            for result, (fingerprint, seconds, failure) in zip(results, outcomes, strict=True):
                result.fingerprint, result.failure = fingerprint, failure
                result.seconds.update(seconds)

    def _prepare_environments(self, representatives: list[RowResult]) -> None:
        for result in representatives:
            try:
                self.environments.python_for(result.project)
            except FastgenError as error:
                result.failure = Failure("environment", "uv sync", str(error))

    def _test_group(self, group: list[RowResult], typecheck: bool) -> None:
        first, *others = group
        if first.failure is None:
            self._test(first, typecheck)
        for other in others:
            other.reused_from = first.label
            other.failure = first.failure
            other.typechecked = first.typechecked

    def _test(self, result: RowResult, typecheck: bool) -> None:
        python = self.environments.python_for(result.project)
        mypy = self.environments.mypy_arguments(python, result.project)
        steps: list[tuple[str, list[str]]] = [
            ("lint", ["-m", "ruff", "check", "--no-cache", "."]),
            ("format", ["-m", "ruff", "format", "--check", "--no-cache", "."]),
            *([("mypy", mypy)] if typecheck else []),
            ("tests", ["-m", "pytest", "--cov", "-q", "-p", "no:cacheprovider"]),
        ]
        env = project_environment(result.project, self.env)
        for step, arguments in steps:
            started = time.monotonic()
            returncode, output = _run_step(
                [str(python), *arguments], result.project, env, self.step_timeout
            )
            result.seconds[step] = time.monotonic() - started
            if returncode != 0:
                # Paths inside the row's project are shown relative to it, as a user runs them.
                inside = str(result.project.resolve()) + "/"
                command = "python " + " ".join(arguments).replace(inside, "")
                result.failure = Failure(step, command, output[-OUTPUT_TAIL:])
                return
        result.typechecked = typecheck


def _run_step(
    command: list[str], cwd: Path, env: Mapping[str, str], timeout: float
) -> tuple[int | None, str]:
    """Run one step; its exit code (None when it timed out and was killed) and its output."""
    try:
        completed = subprocess.run(
            command, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout, check=False
        )
    except subprocess.TimeoutExpired as expired:
        # On timeout the captured output comes back as bytes, whatever `text` says.
        captured = "".join(
            part.decode(errors="replace") if isinstance(part, bytes) else part
            for part in (expired.stdout, expired.stderr)
            if part
        )
        return None, f"{captured}\nstopped: did not finish in {timeout:.0f} s"
    return completed.returncode, completed.stdout + completed.stderr


def fingerprint(project: Path) -> str:
    """A hash of the files that the project's lint, type check and tests read."""
    digest = hashlib.sha256()
    for path in sorted(project.rglob("*")):
        relative = path.relative_to(project).as_posix()
        if (
            path.is_file()
            and relative not in NOT_TEST_RELEVANT
            and not relative.startswith(".git/")
        ):
            digest.update(relative.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def _render_and_check(
    template: str, row: Row, project: Path, model: OptionModel
) -> tuple[str, dict[str, float], Failure | None]:
    seconds: dict[str, float] = {}
    started = time.monotonic()
    try:
        # Copier's notes about the source (no tags yet, a dirty tree) would repeat for every row.
        with contextlib.redirect_stderr(io.StringIO()):
            render_project(RenderRequest(template=template, destination=project, data=row))
    except FastgenError as error:
        return "", seconds, Failure("render", "(rendering)", str(error))
    seconds["render"] = time.monotonic() - started
    started = time.monotonic()
    problems = static_problems(project, model)
    seconds["static"] = time.monotonic() - started
    if problems:
        return "", seconds, Failure("static", "(static checks)", "\n".join(problems))
    return fingerprint(project), seconds, None
