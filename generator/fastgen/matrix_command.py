"""`fastgen matrix`: the option combinations as JSON, GitHub Actions jobs, or lines."""

from __future__ import annotations

import json
import os
import shlex
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Literal

import typer

from fastgen import matrix
from fastgen.environments import PreparedEnvironments
from fastgen.errors import FastgenError
from fastgen.options import OptionModel
from fastgen.template_source import bundled_template, option_model_for
from fastgen.user_cache import cache_folder

GITHUB_JOB_LIMIT = 256

OutputFormat = Literal["json", "github", "lines"]


def parse_shard(value: str) -> tuple[int, int]:
    index, separator, count = value.partition("/")
    if not separator or not index.isdigit() or not count.isdigit():
        raise FastgenError(f"--shard takes I/N, such as 2/8, got {value!r}")
    return int(index), int(count)


def matrix_command(model: OptionModel) -> Callable[..., None]:
    def matrix_(
        set_name: Annotated[
            matrix.SetName | None,
            typer.Option("--set", help="core (the default), covering or full."),
        ] = None,
        output_format: Annotated[
            OutputFormat,
            typer.Option("--format", help="json rows, github jobs, or one row of --data per line."),
        ] = "json",
        shard: Annotated[
            str | None, typer.Option("--shard", metavar="I/N", help="Only shard I of N.")
        ] = None,
        count: Annotated[bool, typer.Option("--count", help="Print the size of each set.")] = False,
        max_jobs: Annotated[
            int | None,
            typer.Option(
                "--max-jobs",
                min=1,
                help=f"With --format github: at most this many jobs (default {GITHUB_JOB_LIMIT}).",
            ),
        ] = None,
    ) -> None:
        """Print the option combinations to test, for a CI matrix."""
        # An option the chosen output does not use is refused, never ignored.
        if count:
            for flag, value in (("--set", set_name), ("--shard", shard), ("--max-jobs", max_jobs)):
                if value is not None:
                    raise FastgenError(f"--count prints every set's size; it takes no {flag}")
            sizes = {name: len(matrix.select(model, name)) for name in matrix.SET_NAMES}
            if output_format == "json":
                typer.echo(json.dumps(sizes))
            else:
                typer.echo("\n".join(f"{name:<9}{size:>7}" for name, size in sizes.items()))
            return
        if max_jobs is not None and output_format != "github":
            raise FastgenError("--max-jobs goes with --format github only")
        set_name = set_name or "core"
        rows = matrix.select(model, set_name)
        if output_format == "github":
            if shard is not None:
                raise FastgenError("--shard does not go with --format github: its jobs are shards")
            jobs = github_jobs(set_name, len(rows), max_jobs or GITHUB_JOB_LIMIT)
            typer.echo(json.dumps(jobs))
            return
        if shard is not None:
            rows = matrix.shard(rows, *parse_shard(shard))
        if output_format == "json":
            typer.echo(json.dumps(rows))
        else:
            for row in rows:
                data = (f"--data {shlex.quote(pair)}" for pair in matrix.data_arguments(row))
                typer.echo(" ".join(data))

    return matrix_


def github_jobs(set_name: str, rows: int, max_jobs: int) -> dict[str, list[dict[str, str]]]:
    """A `strategy.matrix` of shards: every row in exactly one job, never over `max_jobs` jobs."""
    jobs = max(1, min(rows, max_jobs, GITHUB_JOB_LIMIT))
    return {
        "include": [
            {
                "name": f"{set_name} {index}/{jobs}",
                "set": set_name,
                "shard": f"{index}/{jobs}",
                "rows": str(len(range(index - 1, rows, jobs))),
            }
            for index in range(1, jobs + 1)
        ]
    }


def default_environments_root() -> Path:
    return cache_folder() / "environments"


def test_matrix_command() -> Callable[..., None]:
    def test_matrix(
        set_name: Annotated[
            matrix.SetName, typer.Option("--set", help="core, covering or full.")
        ] = "core",
        shard: Annotated[
            str | None, typer.Option("--shard", metavar="I/N", help="Only shard I of N.")
        ] = None,
        jobs: Annotated[
            int, typer.Option("--jobs", min=1, help="Rows in parallel. Default: every core.")
        ] = os.cpu_count() or 1,
        template: Annotated[
            str | None, typer.Option("--template", help="Template source. Default: bundled.")
        ] = None,
        typecheck: Annotated[
            bool | None,
            typer.Option(
                "--mypy/--no-mypy", help="Run mypy --strict. Default: on for the covering set."
            ),
        ] = None,
        workdir: Annotated[
            Path | None,
            typer.Option(
                "--workdir", help="Where to render the rows. Default: a temporary folder."
            ),
        ] = None,
        reuse: Annotated[
            bool,
            typer.Option(
                "--reuse/--no-reuse",
                help="Test rows with byte-identical test-relevant files once.",
            ),
        ] = True,
        environments: Annotated[
            Path | None,
            typer.Option("--environments", help="Prepared environments. Default: the user cache."),
        ] = None,
    ) -> None:
        """Render each row of a matrix set and run its checks and its own tests."""
        source = Path(template) if template is not None else bundled_template()
        template_model = option_model_for(str(source))
        if template_model is None:
            raise FastgenError(f"--template {source} must be a folder holding copier.yml")
        rows = matrix.select(template_model, set_name)
        if shard is not None:
            rows = matrix.shard(rows, *parse_shard(shard))
        run_typecheck = set_name == "covering" if typecheck is None else typecheck
        from fastgen.matrix_runner import MatrixRunner  # imports Copier: see fastgen.cli

        with tempfile.TemporaryDirectory(prefix="fastgen-matrix-") as scratch:
            runner = MatrixRunner(
                template=source,
                model=template_model,
                workdir=workdir if workdir is not None else Path(scratch),
                environments=PreparedEnvironments(environments or default_environments_root()),
                jobs=jobs,
                reuse=reuse,
            )
            report = runner.run(set_name, rows, typecheck=lambda _row: run_typecheck)
        typer.echo(report.summary())
        if report.failed:
            raise typer.Exit(1)

    return test_matrix
