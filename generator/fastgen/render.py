"""Rendering a new project with Copier's public API, so that a failure leaves nothing behind."""

from __future__ import annotations

import io
import os
import shutil
import sys
import tempfile
import warnings
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager, redirect_stderr
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import copier
from copier.errors import (
    CopierAnswersInterrupt,
    CopierError,
    CopierWarning,
    UnsafeTemplateError,
)
from jinja2 import TemplateError
from plumbum import ProcessExecutionError

from fastgen import __version__
from fastgen.answers import check_known
from fastgen.errors import FastgenError
from fastgen.git import run_git
from fastgen.options import OptionModel
from fastgen.recorded import read_recorded, record_template
from fastgen.rules import Rules

if TYPE_CHECKING:
    # The type `copier.run_copy` returns; importing it from `copier` itself is deprecated.
    from copier._main import Worker
from fastgen.template_source import (
    absolute_source,
    bundled_commit,
    is_bundled,
    is_git_repository,
)


@dataclass(frozen=True)
class RenderRequest:
    """What `fastgen new` was asked to make."""

    template: str
    destination: Path
    data: Mapping[str, Any]
    vcs_ref: str | None = None
    defaults: bool = True
    pretend: bool = False
    force: bool = False


def render_project(request: RenderRequest) -> dict[str, Any]:
    """Render the template into `request.destination`; return the answers it was rendered with.

    Every answer, given or derived from a default, is validated before the destination is touched:
    the project is rendered into a staging folder, its answers checked against copier.yml's rules
    (Copier validates the answers passed as data, not the defaults it fills in under --defaults),
    and only then moved into place.
    """
    check_destination(request.destination, force=request.force)
    request = replace(request, template=absolute_source(request.template))
    if request.pretend or (request.force and request.destination.exists()):
        answers = resolve_answers(request, given=request.data)
        copy = _copier_call(request, answers)
        if request.pretend:
            copy(request.destination, pretend=True, quiet=False)
            return answers
        # Copier's conflict handling: files the template makes are overwritten, none is deleted.
        copy(request.destination, overwrite=True)
    else:
        with tempfile.TemporaryDirectory(prefix="fastgen-") as staging:
            staged = Path(staging) / "project"
            # Copier's notes on a git template (no tags, a dirty tree) are shown once it has
            # rendered: an error is to be the only line. A run that asks questions shows them
            # as it goes, since the terminal is the questions' too.
            notes = io.StringIO() if request.defaults else sys.stderr
            with copier_errors(), redirect_stderr(notes):
                worker = copier.run_copy(
                    request.template,
                    staged,
                    data=dict(request.data),
                    vcs_ref=request.vcs_ref,
                    defaults=request.defaults,
                    quiet=True,
                )
            answers = validated_answers(worker, given=request.data)
            _move_into_place(staged, request.destination)
            if isinstance(notes, io.StringIO):
                sys.stderr.write(notes.getvalue())
    if not request.pretend and is_git_repository(request.template):
        record_a_release_of_the_source(request.destination, request.template)
    if is_bundled(request.template):
        # The wheel's copy of the template is no git repository, so Copier records no commit;
        # the one the wheel was built from (else its version) lets `fastgen update --template`
        # start from the template the project was made from.
        record_template(request.destination, commit=bundled_commit() or __version__)
    return answers


def record_a_release_of_the_source(project: Path, source: str) -> None:
    """Copier renders a git template's uncommitted changes from a commit of its own, which the
    source never gets: a project that recorded it could never be updated. It records the
    source's HEAD instead, and the changes read as the project's own in later updates."""
    commit = read_recorded(project).commit
    template = Path(source)
    if commit is None or run_git(template, "rev-parse", "--verify", "--quiet", commit, check=False):
        return
    head = run_git(template, "describe", "--tags", "--always").strip()
    record_template(project, commit=head)
    sys.stderr.write(
        f"fastgen: {source} has uncommitted changes, which the project was made with; "
        f"it records the template's last commit, {head}, as its release\n"
    )


def check_destination(destination: Path, *, force: bool) -> None:
    if destination.is_symlink() and not destination.exists():
        raise FastgenError(f"destination {destination} is a link to nothing")
    if destination.exists() and not destination.is_dir():
        raise FastgenError(f"destination {destination} exists and is not a directory")
    existing = next(path for path in (destination, *destination.parents) if path.exists())
    if not existing.is_dir():
        raise FastgenError(f"cannot create {destination}: {existing} is not a directory")
    if not os.access(existing, os.W_OK | os.X_OK):
        raise FastgenError(f"cannot create {destination}: {existing} is not writable")
    if destination.is_dir() and any(destination.iterdir()) and not force:
        raise FastgenError(
            f"destination {destination} exists and is not empty; "
            "pass --force to render into it (nothing is deleted)"
        )


def resolve_answers(request: RenderRequest, *, given: Mapping[str, Any]) -> dict[str, Any]:
    """Every answer the template would render with, validated by a dry run that writes nothing;
    `given` are the answers the user gave (see validated_answers)."""
    return validated_answers(_dry_run(request), given=given)


def release_model(template: str, vcs_ref: str | None) -> OptionModel:
    """The questions of the release Copier renders from `template`: `vcs_ref`, or by default its
    newest release, which a git checkout's working tree need not hold. Read by a dry run with
    the defaults."""
    worker = _dry_run(RenderRequest(template, destination=Path(), data={}, vcs_ref=vcs_ref))
    return OptionModel.from_mapping(worker.template.questions_data)


def _dry_run(request: RenderRequest) -> Worker:
    """Copier's run of `request` in pretend mode, into a scratch folder: it writes nothing."""
    # Copier's notes on the template source (no tags, dirty tree) are shown once, by the real run.
    notes = io.StringIO()
    with (
        tempfile.TemporaryDirectory(prefix="fastgen-") as scratch,
        copier_errors(),
        warnings.catch_warnings(),
        redirect_stderr(notes),
    ):
        warnings.simplefilter("ignore", CopierWarning)
        return copier.run_copy(
            request.template,
            Path(scratch) / "project",
            data=dict(request.data),
            vcs_ref=request.vcs_ref,
            defaults=request.defaults,
            pretend=True,
            quiet=True,
        )


def validated_answers(worker: Worker, *, given: Mapping[str, Any]) -> dict[str, Any]:
    """The answers of a finished Copier run, each checked against its question's validator.

    The answers the user gave are checked against the questions of the release Copier rendered,
    which only Copier knows for a git URL or another `--vcs-ref`: it drops an answer to a
    question the release does not ask, and takes any text as yes to a yes/no question.
    """
    model = OptionModel.from_mapping(worker.template.questions_data)
    check_known(given, model)
    answers = worker.answers
    resolved = {
        name: value
        for name, value in answers.user.items()
        if not name.startswith("_") and name not in answers.hidden
    }
    rules = Rules(model)
    context = dict(answers.combined)
    for question in rules.model:
        problem = rules.problem(question, context) if question.name in resolved else ""
        if problem:
            raise FastgenError(f"Validation error for question '{question.name}': {problem}")
    return resolved


def _copier_call(request: RenderRequest, answers: Mapping[str, Any]) -> Callable[..., None]:
    def copy(destination: Path, **options: Any) -> None:
        options.setdefault("quiet", True)
        with copier_errors():
            copier.run_copy(
                request.template,
                destination,
                data=dict(answers),
                vcs_ref=request.vcs_ref,
                defaults=True,
                **options,
            )

    return copy


def _move_into_place(staged: Path, destination: Path) -> None:
    try:
        if destination.exists():
            for child in staged.iterdir():
                shutil.move(child, destination / child.name)
        else:
            destination.parent.mkdir(parents=True, exist_ok=True)
            shutil.move(staged, destination)
    except OSError as error:
        raise FastgenError(f"cannot write {destination}: {error.strerror}") from error


@contextmanager
def copier_errors() -> Iterator[None]:
    """Turn Copier's and git's exceptions into one-line errors."""
    try:
        yield
    except CopierAnswersInterrupt:  # Ctrl-C at a question: the CLI says "interrupted"
        raise KeyboardInterrupt from None
    except UnsafeTemplateError as error:
        # fastgen has no --trust: it never runs a template's own code.
        raise FastgenError(
            f"{str(error).splitlines()[0]} fastgen does not run a template's code; if you trust "
            "this release, run Copier itself with --trust (copier copy/update --trust), then "
            "review the result with git status and git diff"
        ) from error
    except (CopierError, ValueError, TypeError) as error:  # TypeError: "Not a YAML list: ..."
        raise FastgenError(_one_line(str(error))) from error
    except TemplateError as error:  # a broken template release: its Jinja fails
        raise FastgenError(f"the template does not render: {_one_line(str(error))}") from error
    except ProcessExecutionError as error:
        detail = _one_line(error.stderr) or f"exit code {error.retcode}"
        raise FastgenError(f"cannot fetch the template: {detail}") from error


def _one_line(text: str) -> str:
    return " ".join(text.split())
