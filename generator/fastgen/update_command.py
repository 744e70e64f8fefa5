"""`fastgen update`: the Typer command over fastgen.update."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Literal

import typer

from fastgen.answers import parse_data_pairs
from fastgen.errors import FastgenError

if TYPE_CHECKING:
    from fastgen.update import UpdateResult


def update(
    destination: Annotated[
        Path, typer.Argument(help="The project to update (default: the current folder).")
    ] = Path(),
    *,
    vcs_ref: Annotated[
        str | None,
        typer.Option("--vcs-ref", help="Template tag, branch or commit. Default: newest release."),
    ] = None,
    data: Annotated[
        list[str] | None,
        typer.Option("--data", "-d", metavar="KEY=VALUE", help="Change an answer; repeatable."),
    ] = None,
    conflict: Annotated[
        Literal["inline", "rej"],
        typer.Option(
            "--conflict",
            help="Where a clash with your edits goes: conflict markers in the file (inline), "
            "or a <file>.rej beside it (rej).",
        ),
    ] = "inline",
    pretend: Annotated[
        bool,
        typer.Option("--pretend", help="Update a throwaway clone and report; change nothing here."),
    ] = False,
    defaults: Annotated[
        bool,
        typer.Option("--defaults", help="Take the default of every question new to the project."),
    ] = False,
    template: Annotated[
        str | None,
        typer.Option(
            "--template",
            help="Template git URL or clone to update from; recorded in the answers file.",
        ),
    ] = None,
) -> None:
    """Bring a project up to a newer template release, or change its answers."""
    if not defaults and not sys.stdin.isatty():
        raise FastgenError("no terminal to ask new questions on; pass --defaults")
    from fastgen.update import UpdateRequest, update_project  # imports Copier: see fastgen.cli

    request = UpdateRequest(
        project=destination,
        data=parse_data_pairs(data or ()),
        vcs_ref=vcs_ref,
        template=template,
        conflict=conflict,
        defaults=defaults,
        pretend=pretend,
    )
    result = update_project(request)
    typer.echo(_summary(destination, result, pretend=pretend))
    for path in result.skipped:
        typer.echo(
            f"  not applied: {path} (the release changed it, but the project has no such file: "
            "removed or renamed; port the change by hand if you need it)",
            err=True,
        )
    if result.conflicts:
        # Copier exits 0 here; the list goes to stderr, then the one-line error of `main`.
        for found in result.conflicts:
            typer.echo(f"  {found}", err=True)
        count = f"{len(result.conflicts)} path{'s' if len(result.conflicts) > 1 else ''}"
        if pretend:
            raise FastgenError(f"the update would leave conflicts in {count} (listed above)")
        raise FastgenError(
            f"the update left conflicts in {count} (listed above): resolve each (edit out the "
            "markers, apply and delete a .rej file, or keep or git rm a kept file), git add it, "
            "then commit"
        )


def _summary(destination: Path, result: UpdateResult, *, pretend: bool) -> str:
    releases = f"from template {result.old_release} to {result.new_release}"
    if pretend:
        head = f"Pretended: the update of {destination} {releases} would change:"
        tail = "Nothing was changed."
    else:
        head = f"Updated {destination} {releases}; it changed:"
        tail = "" if result.conflicts else "Review the change with git diff, then commit it."
    if not result.status.strip():
        return f"{head.removesuffix(':')} nothing."
    return "\n".join(line for line in (head, result.status.rstrip(), tail) if line)
