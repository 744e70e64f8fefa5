"""`fastgen matrix`: the option combinations as JSON, GitHub Actions jobs, or lines."""

from __future__ import annotations

import json
import shlex
from collections.abc import Callable
from typing import Annotated, Literal

import typer

from fastgen import matrix
from fastgen.errors import FastgenError
from fastgen.options import OptionModel

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
            matrix.SetName, typer.Option("--set", help="core, covering or full.")
        ] = "core",
        output_format: Annotated[
            OutputFormat,
            typer.Option("--format", help="json rows, github jobs, or one row of --data per line."),
        ] = "json",
        shard: Annotated[
            str | None, typer.Option("--shard", metavar="I/N", help="Only shard I of N.")
        ] = None,
        count: Annotated[bool, typer.Option("--count", help="Print the size of each set.")] = False,
        max_jobs: Annotated[
            int,
            typer.Option("--max-jobs", min=1, help="With --format github: at most this many jobs."),
        ] = GITHUB_JOB_LIMIT,
    ) -> None:
        """Print the option combinations to test, for a CI matrix."""
        if count:
            sizes = {name: len(matrix.select(model, name)) for name in matrix.SET_NAMES}
            if output_format == "json":
                typer.echo(json.dumps(sizes))
            else:
                typer.echo("\n".join(f"{name:<9}{size:>7}" for name, size in sizes.items()))
            return
        rows = matrix.select(model, set_name)
        if output_format == "github":
            typer.echo(json.dumps(github_jobs(set_name, len(rows), max_jobs)))
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
