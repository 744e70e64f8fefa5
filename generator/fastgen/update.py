"""`fastgen update`: Copier's update, checked before it starts and checked for conflicts after."""

from __future__ import annotations

import io
import sys
import tempfile
from collections.abc import Mapping
from contextlib import redirect_stderr
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import copier

from fastgen.answers import check_known, typed_answer
from fastgen.conflicts import Conflict, changes, find_conflicts, ignored_markers
from fastgen.errors import FastgenError
from fastgen.git import commit, committed_content, run_git
from fastgen.options import OptionModel
from fastgen.recorded import ANSWERS_FILE, Recorded, read_recorded, record_template
from fastgen.render import RenderRequest, copier_errors, release_model, resolve_answers
from fastgen.rules import Rules
from fastgen.template_source import absolute_source, is_bundled, is_git_repository, is_url


@dataclass(frozen=True)
class UpdateRequest:
    """What `fastgen update` was asked to do."""

    project: Path
    data: Mapping[str, Any] = field(default_factory=dict)
    vcs_ref: str | None = None
    template: str | None = None
    conflict: Literal["inline", "rej"] = "inline"
    defaults: bool = True
    pretend: bool = False


@dataclass(frozen=True)
class UpdateResult:
    old_release: str
    new_release: str
    status: str
    """`git status --short` of the project after the update: what it changed."""
    conflicts: tuple[Conflict, ...]
    skipped: tuple[str, ...] = ()
    """Files the release changed that the project no longer has (removed or renamed)."""


def update_project(request: UpdateRequest) -> UpdateResult:
    """Update the project; with `pretend`, update a throwaway clone of it and report that.

    Nothing is touched until every check has passed: the project is a clean git work tree with an
    answers file that names a git template source and release, and the answers are valid for the
    template release it updates to.
    """
    recorded = check_updatable(request.project)
    source = template_source(recorded, request.template)
    model = release_model(source, request.vcs_ref)
    check_known(request.data, model)
    # The answers the project keeps, with the changed ones, must all be valid for the new release.
    answers = _still_asked({**recorded.answers, **request.data}, request.data, model)
    try:
        resolve_answers(
            RenderRequest(
                template=source, destination=request.project, data=answers, vcs_ref=request.vcs_ref
            ),
            given=request.data,
        )
    except FastgenError as error:
        # Copier names the question it refuses in quotes: say how to give it another answer.
        named = [name for name in answers if f"'{name}'" in str(error)]
        if not named:
            raise
        raise FastgenError(f"{error} (change the answer with --data {named[0]}=VALUE)") from error
    if not request.pretend:
        return _update_in_place(request.project, request, recorded, source)
    with tempfile.TemporaryDirectory(prefix="fastgen-update-") as scratch:
        top = run_git(request.project, "rev-parse", "--show-toplevel").strip()
        prefix = run_git(request.project, "rev-parse", "--show-prefix").strip()
        run_git(Path(scratch), "clone", "--quiet", top, "repository")
        return _update_in_place(Path(scratch, "repository", prefix), request, recorded, source)


def _still_asked(
    answers: Mapping[str, Any], given: Mapping[str, Any], model: OptionModel
) -> dict[str, Any]:
    """The answers less the recorded ones whose question the changed answers no longer ask (a
    RabbitMQ broker once the task queue is off): Copier drops those, but would check them first."""
    rules = Rules(model)
    context = {**answers, **{name: typed_answer(value) for name, value in given.items()}}
    return {
        name: value
        for name, value in answers.items()
        if name in given or name not in model or rules.is_asked(model[name], context)
    }


def check_updatable(project: Path) -> Recorded:
    """Refuse, touching nothing, a project that Copier could not update safely."""
    if not project.is_dir():
        raise FastgenError(f"{project} is not a folder")
    if not (project / ANSWERS_FILE).is_file():
        raise FastgenError(
            f"{project} has no {ANSWERS_FILE}: only a project made from the template can be updated"
        )
    inside = run_git(project, "rev-parse", "--is-inside-work-tree", check=False).strip()
    if inside != "true":
        raise FastgenError(
            f"{project} is not in a git repository; Copier merges an update with git: "
            "run git init and commit the project first"
        )
    dirty = run_git(project, "status", "--porcelain", "--", ".").splitlines()
    if dirty:
        raise FastgenError(
            f"{project} has uncommitted changes (e.g. {dirty[0][3:]}); "
            "commit or stash them, then update"
        )
    recorded = read_recorded(project)
    if recorded.commit is None:
        raise FastgenError(
            f"{recorded.path} records no template release (_commit) to merge from; add "
            "`_commit: <release it was made from>` to it, commit, and update again"
        )
    return recorded


def template_source(recorded: Recorded, override: str | None) -> str:
    """The git repository to update from: `--template`, or the source the answers file names."""
    hint = "pass --template with the fastgen repository's git URL or the path of a clone"
    if override is not None:
        source = absolute_source(override)
    elif recorded.src_path is None:
        raise FastgenError(f"{recorded.path} records no template source (_src_path); {hint}")
    elif is_bundled(recorded.src_path):
        raise FastgenError(
            "the project was made from the template copy inside the installed fastgen, "
            f"which is not a git repository; {hint} (once: it is recorded)"
        )
    else:
        source = recorded.src_path
    if is_url(source):
        return source
    if not Path(source).is_absolute():
        raise FastgenError(
            f"{recorded.path} records the template as the relative path {source}, which Copier "
            f"reads from the folder it runs in; {hint} (once: it is recorded absolute)"
        )
    if not is_git_repository(source):
        raise FastgenError(f"the template source {source} is not a git repository; {hint}")
    if run_git(Path(source), "status", "--porcelain", check=False).strip():
        # Copier would render them from a commit of its own, then fail to find it.
        raise FastgenError(
            f"the template source {source} has uncommitted changes; commit or stash them first"
        )
    return source


def _update_in_place(
    project: Path, request: UpdateRequest, recorded: Recorded, source: str
) -> UpdateResult:
    recorded_source = source != recorded.src_path
    if recorded_source:
        _record_source(project, source, recorded)
    ignored = ignored_markers(project)
    # Copier's notes on the template source (no tags, a dirty tree) are shown once it has
    # updated: an error is to be the only line. Without --defaults it may ask new questions.
    notes = io.StringIO() if request.defaults else sys.stderr
    try:
        with copier_errors(), redirect_stderr(notes):
            copier.run_update(
                project,
                data=dict(request.data),
                vcs_ref=request.vcs_ref,
                defaults=request.defaults,
                skip_answered=True,  # ask (without --defaults) only the questions new to it
                overwrite=True,
                quiet=True,
                conflict=request.conflict,
            )
    except FastgenError as error:
        if run_git(project, "status", "--porcelain", "--", "."):
            raise FastgenError(f"{error} (the update stopped part-way: see git status)") from error
        if recorded_source:  # nothing else changed: take back the commit that recorded it
            run_git(project, "reset", "--quiet", "--soft", "HEAD~1")
            _restore_answers_file(project)
        raise
    if isinstance(notes, io.StringIO):
        sys.stderr.write(notes.getvalue())
    updated = read_recorded(project)
    with tempfile.TemporaryDirectory(prefix="fastgen-update-") as scratch:
        # The two releases as Copier rendered them, each with its answers: what the update
        # changed, which Copier reports only by what it did to the project.
        old = _render_release(source, recorded, Path(scratch, "old"))
        new = _render_release(source, updated, Path(scratch, "new"))
        kept = _keep_changed_files_it_removed(project, old)
        skipped = _changes_to_files_the_project_removed(project, old, new)
    # Before the status: it settles some.
    conflicts = find_conflicts(project, changes(project), ignored_before=ignored)
    return UpdateResult(
        old_release=str(recorded.commit),
        new_release=str(updated.commit),
        status=run_git(project, "status", "--short", "--", "."),
        conflicts=tuple(sorted([*kept, *conflicts], key=str)),
        skipped=tuple(skipped),
    )


def _record_source(project: Path, source: str, recorded: Recorded) -> None:
    """Record and commit `source` in the answers file: Copier reads the source of both the old
    and the new release from there."""
    record_template(project, src_path=source)
    try:
        commit(
            project,
            [ANSWERS_FILE],
            message=f"Record the template source {source}",
            author_name=str(recorded.answers.get("author_name", "fastgen")),
            author_email=str(recorded.answers.get("author_email", "fastgen@localhost")),
        )
    except FastgenError:  # signing failed, say: leave the project as it was
        _restore_answers_file(project)
        raise


def _restore_answers_file(project: Path) -> None:
    run_git(project, "restore", "--staged", "--worktree", "--source=HEAD", ANSWERS_FILE)


def _render_release(source: str, release: Recorded, folder: Path) -> Path:
    with copier_errors(), redirect_stderr(io.StringIO()):
        copier.run_copy(
            source, folder, data=release.answers, vcs_ref=release.commit, defaults=True, quiet=True
        )
    return folder


def _keep_changed_files_it_removed(project: Path, old: Path) -> list[Conflict]:
    """Put back, and report, each file the update removed (the new release or a switched-off
    option drops it) that the user had changed: Copier deletes it, changes and all, and exits 0.
    Changed means unlike the old release's rendering of it (`old`), with the project's old
    answers."""
    removed = [change.path for change in changes(project) if change.code == " D"]
    changed = [
        path
        for path in removed
        if not (old / path).is_file()
        or (old / path).read_bytes() != committed_content(project, path)
    ]
    for path in changed:
        run_git(project, "restore", "--source=HEAD", "--", path)
    reason = "removed by the update but kept: it has your changes; git rm it to drop it"
    return [Conflict(path, (reason,)) for path in changed]


def _changes_to_files_the_project_removed(project: Path, old: Path, new: Path) -> list[str]:
    """The files the new release changed that the project had removed or renamed before the
    update: Copier keeps them removed, and drops the release's change to them without a word."""
    # Paths relative to the project (ls-tree names them relative to where it runs).
    committed = set(run_git(project, "ls-tree", "-r", "--name-only", "HEAD", ".").splitlines())
    return sorted(
        path
        for file in old.rglob("*")
        if file.is_file()
        and (path := file.relative_to(old).as_posix()) != ANSWERS_FILE
        and path not in committed
        and (new / path).is_file()
        and (new / path).read_bytes() != file.read_bytes()
    )
