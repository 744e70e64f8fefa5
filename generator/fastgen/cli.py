"""The `fastgen` command: a thin Typer layer over the option model and Copier's public API.

The commands that render import Copier when they run, not when the command line is read: Copier
and its dependencies take two thirds of the start-up, which `--help`, `--version`, `options` and
`matrix` do without.
"""

from __future__ import annotations

import inspect
import shlex
import shutil
import sys
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Annotated, Any, Literal, NoReturn

import typer
from rich.console import Console
from rich.table import Table

from fastgen import __version__
from fastgen.answers import check_known, load_data_file, merge_answers, parse_data_pairs
from fastgen.errors import FastgenError
from fastgen.flags import answers_from_flags, describe_default, question_parameters
from fastgen.git import init_repository, require_git
from fastgen.jinja_code_store import CodeStore
from fastgen.jinja_compile_cache import keep_compiled_templates, save_compiled_templates
from fastgen.matrix_command import matrix_command, test_matrix_command
from fastgen.options import OptionModel
from fastgen.reference import markdown_reference
from fastgen.template_source import (
    bundled_option_model,
    bundled_template,
    is_git_source,
    option_model_for,
)
from fastgen.update_command import update
from fastgen.user_cache import cache_folder

# The exit code of a command stopped by Ctrl-C, as shells report it (128 + SIGINT).
INTERRUPTED = 130


def _show_version(value: bool) -> None:
    if value:
        typer.echo(f"fastgen {__version__}")
        raise typer.Exit


def _root(
    version: Annotated[
        bool,
        typer.Option("--version", callback=_show_version, is_eager=True, help="Show the version."),
    ] = False,
) -> None:
    """Generate production FastAPI services from the fastgen Copier template."""


def _new_command(model: OptionModel) -> Callable[..., None]:
    """`fastgen new`, whose answer flags come from the option model."""

    def new(
        destination: Annotated[Path, typer.Argument(help="Folder to create the project in.")],
        *,
        defaults: Annotated[
            bool,
            typer.Option("--defaults", help="Take the default of every unanswered question."),
        ] = False,
        data: Annotated[
            list[str] | None,
            typer.Option(
                "--data", "-d", metavar="KEY=VALUE", help="Answer a question; repeatable."
            ),
        ] = None,
        data_file: Annotated[
            Path | None,
            typer.Option("--data-file", help="A YAML file of answers, e.g. another project's."),
        ] = None,
        template: Annotated[
            str | None,
            typer.Option(
                "--template", help="Template source: a path or git URL. Default: bundled."
            ),
        ] = None,
        vcs_ref: Annotated[
            str | None, typer.Option("--vcs-ref", help="Git tag, branch or commit of the template.")
        ] = None,
        pretend: Annotated[
            bool,
            typer.Option("--pretend", help="Show what would be written; write nothing."),
        ] = False,
        git: Annotated[
            bool, typer.Option("--git/--no-git", help="git init and commit the new project.")
        ] = True,
        force: Annotated[
            bool,
            typer.Option(
                "--force",
                help="Render into a non-empty folder: files the template makes are overwritten, "
                "nothing is deleted.",
            ),
        ] = False,
        **flag_values: Any,
    ) -> None:
        """Create a new service."""
        interactive = not defaults
        if interactive and not sys.stdin.isatty():
            raise FastgenError(
                "no terminal to ask questions on; pass --defaults (and flags or --data)"
            )
        if vcs_ref is not None and template is None:
            raise FastgenError("--vcs-ref needs --template: the bundled template is one release")
        answers = merge_answers(
            load_data_file(data_file) if data_file is not None else {},
            parse_data_pairs(data or ()),
            answers_from_flags(model, flag_values),
        )
        git_source = template is not None and is_git_source(template)
        # Before anything is written: Copier reads a git template without git as a plain folder.
        if git_source:
            require_git(f"Copier reads the template {template} with it")
        if git and not pretend:
            require_git()
        # A folder's questions are read here; a git source's are those of the release Copier
        # takes (--vcs-ref, or its newest, which a checkout need not hold), checked once fetched.
        template_model = None if vcs_ref is not None or git_source else option_model_for(template)
        if template_model is not None:
            check_known(answers, template_model)
        from fastgen.render import RenderRequest, render_project  # imports Copier

        request = RenderRequest(
            template=template if template is not None else str(bundled_template()),
            destination=destination,
            data=answers,
            vcs_ref=vcs_ref,
            defaults=defaults,
            pretend=pretend,
            force=force,
        )
        created = not destination.exists()
        final_answers = render_project(request)
        if pretend:
            typer.echo(f"Pretended: nothing was written to {destination}.")
            return
        if git and not _commit_new_project(destination, final_answers, created=created):
            typer.echo(
                f"{destination} is in a git repository already: the files are not committed."
            )
        typer.echo(_next_steps(destination, final_answers))

    # Typer reads the signature: replace `**flag_values` with one keyword parameter per question.
    signature = inspect.signature(new, eval_str=True)
    fixed = [p for p in signature.parameters.values() if p.kind is not p.VAR_KEYWORD]
    parameters = fixed + question_parameters(model)
    new.__signature__ = signature.replace(parameters=parameters)  # type: ignore[attr-defined]
    new.__annotations__ = {p.name: p.annotation for p in parameters} | {"return": None}
    return new


def _options_command(model: OptionModel) -> Callable[..., None]:
    def options(
        output_format: Annotated[
            Literal["table", "markdown"],
            typer.Option(
                "--format", help="A table, or the Markdown of the docs' option reference."
            ),
        ] = "table",
    ) -> None:
        """List every question with its flag, choices, default and help."""
        if output_format == "markdown":
            typer.echo(markdown_reference(model), nl=False)
            return
        table = Table(title="fastgen options (from copier.yml)")
        for column in ("question", "flag", "choices", "default", "help"):
            table.add_column(column, overflow="fold")
        for question in model:
            choices = ", ".join(choice.label for choice in question.choices)
            if question.type == "bool" and not choices:
                choices = "yes, no"
            table.add_row(
                question.name, question.flag, choices, describe_default(question), question.help
            )
        Console(width=max(Console().width, 120)).print(table)

    return options


# The database servers a project needs a database created on before `make run` migrates it.
SERVER_DATABASES = {"postgresql": "PostgreSQL", "mysql": "MySQL or MariaDB"}


def _commit_new_project(destination: Path, answers: Mapping[str, Any], *, created: bool) -> bool:
    """`git init` and commit the new project (see init_repository). A project whose commit
    fails is removed again when this run created its folder: the run failed as a whole."""
    try:
        return init_repository(
            destination,
            message=f"Generate {answers.get('project_name', destination)} with fastgen",
            author_name=str(answers.get("author_name", "fastgen")),
            author_email=str(answers.get("author_email", "fastgen@localhost")),
        )
    except FastgenError as error:
        if not created:
            raise
        shutil.rmtree(destination)
        raise FastgenError(f"{error}; {destination} was removed again") from error


def _next_steps(destination: Path, answers: Mapping[str, Any]) -> str:
    steps = [f"Created {destination}.", "Next steps:", f"  cd {shlex.quote(str(destination))}"]
    server = SERVER_DATABASES.get(str(answers.get("database")))
    if server is not None:
        steps.append(
            f"  # create the database {answers.get('package_name')} on your {server} server"
            " first (README: Database)"
        )
    steps += [
        "  make run    # serve on http://127.0.0.1:8000 (API docs at /docs)",
        "  make check  # lint, type-check and test",
    ]
    return "\n".join(steps)


def build_app(model: OptionModel | None = None) -> typer.Typer:
    """The Typer app; `new` takes its flags from `model` (default: the bundled copier.yml)."""
    model = model if model is not None else bundled_option_model()
    app = typer.Typer(
        name="fastgen",
        no_args_is_help=True,
        pretty_exceptions_enable=False,
        rich_markup_mode=None,
    )
    app.callback()(_root)
    app.command("new")(_new_command(model))
    app.command("options")(_options_command(model))
    app.command("update")(update)
    app.command("matrix")(matrix_command(model))
    app.command("test-matrix")(test_matrix_command())
    return app


def main(argv: list[str] | None = None) -> NoReturn:
    """Run the CLI: every user-facing error is one line on stderr and a non-zero exit."""
    # A render compiles about 200 distinct sources some 1,000 times (Copier compiles each path
    # part and question expression anew): each is compiled once, and kept for the next run.
    keep_compiled_templates(CodeStore(cache_folder()))
    try:
        result = build_app()(args=argv, prog_name="fastgen", standalone_mode=False)
    except FastgenError as error:
        _fail(str(error), 1)
    except typer.TyperException as error:
        _fail(error.format_message(), error.exit_code)
    except typer.Abort:
        _fail("aborted", 1)
    except KeyboardInterrupt:
        _fail("interrupted", INTERRUPTED)
    finally:
        save_compiled_templates()
    if result == INTERRUPTED:  # Typer turns Ctrl-C into this exit code, without a word
        _fail("interrupted", INTERRUPTED)
    sys.exit(result if isinstance(result, int) else 0)


def _fail(message: str, code: int) -> NoReturn:
    typer.echo(f"fastgen: error: {' '.join(message.split())}", err=True)
    sys.exit(code or 1)
