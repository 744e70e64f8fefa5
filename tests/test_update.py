"""Updating a generated project to a newer template release, with Copier and `fastgen update`.

The template source is a local clone of this repository holding the working tree's template,
tagged as a synthetic release; a second synthetic release changes the template the way a real one
would (a changed file, a new file). Projects render at the first and update to the second. No
network is needed.
"""

from __future__ import annotations

import shutil
import subprocess
import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml
from packaging.version import InvalidVersion, Version

from fastgen.conflicts import changes, find_conflicts
from fastgen.environments import PreparedEnvironments
from fastgen.recorded import ANSWERS_FILE, record_template
from fastgen.template_source import copy_template_files
from tests.conftest import (
    COPIER,
    FASTGEN,
    REPO_ROOT,
    check_generated_project,
    project_files,
    run,
    snapshot,
)
from tests.test_cli import assert_refused

GIT_IDENTITY = ["-c", "user.name=Update Test", "-c", "user.email=update-test@example.com"]
# What the newer synthetic release changes: a line appended to a rendered file, and a new file.
RELEASE_README_LINE = "\nSee CHANGELOG.md for what each template release changed.\n"
RELEASE_NEW_FILE = ("CHANGELOG.md.jinja", "# Changes to {{ project_name }}\n")


def git(repository: Path, *arguments: str) -> str:
    return run(["git", *GIT_IDENTITY, *arguments], cwd=repository).stdout


def real_release_tags() -> list[str]:
    """The PEP 440 tags of this repository: its real releases."""
    tags = run(["git", "tag", "--list"], cwd=REPO_ROOT).stdout.split()
    return sorted((tag for tag in tags if _is_version(tag)), key=Version)


def _is_version(tag: str) -> bool:
    try:
        Version(tag)
    except InvalidVersion:
        return False
    return True


def copier_questions() -> dict[str, dict[str, object]]:
    raw = yaml.safe_load((REPO_ROOT / "copier.yml").read_text(encoding="utf-8"))
    return {name: spec for name, spec in raw.items() if not name.startswith("_")}


def option_switches() -> list[tuple[str, str, str]]:
    """(question, answer at generation, answer switched to through update)."""
    switches = [("python_version", "3.12", "3.13")]
    if "database" in copier_questions():
        switches.append(("database", "sqlite", "postgresql"))
    return switches


@dataclass(frozen=True)
class TemplateRepository:
    """A clone of this repository with two synthetic releases of the working tree's template."""

    path: Path
    old: str
    new: str


@pytest.fixture(scope="module")
def releases(tmp_path_factory: pytest.TempPathFactory) -> TemplateRepository:
    path = tmp_path_factory.mktemp("releases") / "fastgen"
    run(["git", "clone", "--quiet", str(REPO_ROOT), str(path)])
    # The working tree's template, uncommitted changes included, as the older release.
    shutil.rmtree(path / "template")
    copy_template_files(REPO_ROOT, path)
    git(path, "add", "--all", "copier.yml", "template")
    git(path, "commit", "--quiet", "--allow-empty", "--message", "The working tree")
    # Synthetic releases come after every real one, so Copier's newest release is the last.
    real = real_release_tags()
    major = Version(real[-1]).major + 1 if real else 0
    old, new = f"{major}.1.0", f"{major}.2.0"
    git(path, "tag", old)
    readme = path / "template" / "README.md.jinja"
    readme.write_text(readme.read_text(encoding="utf-8") + RELEASE_README_LINE, encoding="utf-8")
    name, content = RELEASE_NEW_FILE
    (path / "template" / name).write_text(content, encoding="utf-8")
    git(path, "add", "--all", "template")
    git(path, "commit", "--quiet", "--message", "Release: a changelog")
    git(path, "tag", new)
    return TemplateRepository(path=path, old=old, new=new)


def fastgen_new(
    releases: TemplateRepository, destination: Path, *arguments: str, ref: str | None = None
) -> Path:
    """`fastgen new --defaults` from the clone at a release (the older one unless `ref`)."""
    template = ["--template", str(releases.path), "--vcs-ref", ref or releases.old]
    run([FASTGEN, "new", str(destination), "--defaults", *template, *arguments])
    return destination


def fastgen_update(
    project: Path, *arguments: str, check: bool = True, cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    return run([FASTGEN, "update", str(project), *arguments], check=check, cwd=cwd)


@pytest.fixture(scope="module")
def base_project(releases: TemplateRepository, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A project made by `fastgen new` at the older release, committed; tests work on copies."""
    return fastgen_new(releases, tmp_path_factory.mktemp("base") / "svc")


@pytest.fixture
def project(base_project: Path, tmp_path: Path) -> Path:
    destination = tmp_path / "svc"
    shutil.copytree(base_project, destination, symlinks=True)
    return destination


FreshRender = Callable[[Path], Path]


@pytest.fixture(scope="module")
def fresh_render(
    releases: TemplateRepository, tmp_path_factory: pytest.TempPathFactory
) -> FreshRender:
    """The newer release rendered anew with the answers a project records, once per answers."""
    renders: dict[str, Path] = {}

    def render_like(project: Path) -> Path:
        answers = (project / ANSWERS_FILE).read_text(encoding="utf-8")
        if answers not in renders:
            destination = tmp_path_factory.mktemp("fresh") / "svc"
            data_file = ["--data-file", str(project / ANSWERS_FILE)]
            renders[answers] = fastgen_new(
                releases, destination, "--no-git", *data_file, ref=releases.new
            )
        return renders[answers]

    return render_like


def recorded(project: Path) -> dict[str, object]:
    answers: dict[str, object] = yaml.safe_load(
        (project / ANSWERS_FILE).read_text(encoding="utf-8")
    )
    return answers


def assert_same_files(project: Path, reference: Path) -> None:
    """Byte for byte the same files, apart from the answers file, whose answers are the same."""
    updated, fresh = project_files(project), project_files(reference)
    assert updated.keys() == fresh.keys()
    for name in updated:
        if name != ANSWERS_FILE:
            assert updated[name] == fresh[name], name
    assert recorded(project) == recorded(reference)


def commit_all(project: Path, message: str) -> None:
    git(project, "add", "--all")
    git(project, "commit", "--quiet", "--message", message)


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{path.name} no longer holds {old!r}: pick another line to edit"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_release_tags_are_pep_440_and_name_their_wheel_version() -> None:
    """A release tag names the version of the wheel built from it: `fastgen new` records it."""
    for tag in real_release_tags():
        pyproject = tomllib.loads(
            run(["git", "show", f"{tag}:pyproject.toml"], cwd=REPO_ROOT).stdout
        )
        assert Version(pyproject["project"]["version"]) == Version(tag), tag


@pytest.mark.parametrize("start", ["synthetic", *real_release_tags()])
def test_an_unedited_project_updates_to_exactly_a_fresh_render(
    start: str,
    releases: TemplateRepository,
    base_project: Path,
    fresh_render: FreshRender,
    tmp_path: Path,
) -> None:
    if start == "synthetic":
        project = tmp_path / "svc"
        shutil.copytree(base_project, project, symlinks=True)
    else:
        project = fastgen_new(releases, tmp_path / "svc", ref=start)
    result = fastgen_update(project, "--defaults")
    assert f"to {releases.new}" in result.stdout
    assert recorded(project)["_commit"] == releases.new
    assert_same_files(project, fresh_render(project))


def test_user_edits_survive_an_update(
    project: Path, releases: TemplateRepository, tmp_path: Path
) -> None:
    package = project / "src" / "my_service"
    route = 'from fastapi import APIRouter\n\nrouter = APIRouter(prefix="/reports")\n'
    (package / "reports.py").write_text(route, encoding="utf-8")
    edit(
        package / "core" / "config.py",
        'log_level: LogLevel = "INFO"',
        'log_level: LogLevel = "DEBUG"',
    )
    edit(
        project / "pyproject.toml", "dependencies = [\n", 'dependencies = [\n    "orjson>=3.10",\n'
    )
    edit(project / "README.md", "# My Service\n", "# My Service, by the orders team\n")
    commit_all(project, "Our changes")
    edited = project_files(project)

    result = fastgen_update(project, "--defaults")

    assert "CHANGELOG.md" in result.stdout
    after = project_files(project)
    assert after["src/my_service/reports.py"] == edited["src/my_service/reports.py"]
    assert after["src/my_service/core/config.py"] == edited["src/my_service/core/config.py"]
    assert after["pyproject.toml"] == edited["pyproject.toml"]
    readme = after["README.md"].decode()
    assert readme.startswith("# My Service, by the orders team\n")
    assert readme.endswith(RELEASE_README_LINE)
    assert after["CHANGELOG.md"] == b"# Changes to My Service\n"
    assert recorded(project)["_commit"] == releases.new


@pytest.mark.parametrize("conflict", ["inline", "rej"])
def test_an_edit_that_collides_with_the_release_is_a_reported_conflict(
    project: Path, conflict: str
) -> None:
    readme = project / "README.md"
    readme.write_text(readme.read_text(encoding="utf-8") + "\nOwned by the orders team.\n")
    commit_all(project, "Our note")

    result = fastgen_update(project, "--defaults", "--conflict", conflict, check=False)

    assert result.returncode != 0, result.stdout
    *listing, last = result.stderr.rstrip().splitlines()
    assert last.startswith("fastgen: error: the update left conflicts in 1 path")
    status = run(["git", "status", "--porcelain"], cwd=project).stdout
    if conflict == "inline":
        assert listing == ["  README.md (unmerged, conflict markers)"]
        assert "UU README.md" in status
        assert "<<<<<<< before updating" in readme.read_text(encoding="utf-8")
    else:
        assert listing == ["  README.md.rej (rejected hunks)"]
        assert "?? README.md.rej" in status
    # What merged cleanly is there all the same.
    assert (project / "CHANGELOG.md").is_file()


def test_conflict_markers_the_project_held_already_are_no_conflict(project: Path) -> None:
    """A README that shows what a conflict looks like: the release's change merges cleanly
    around it, and the update reports no conflict (Copier marked the file unmerged)."""
    readme = project / "README.md"
    title, rest = readme.read_text(encoding="utf-8").split("\n", 1)
    example = "```\n<<<<<<< before updating\nmine\n=======\ntheirs\n>>>>>>> after updating\n```\n"
    readme.write_text(f"{title}\n\n{example}{rest}", encoding="utf-8")
    commit_all(project, "How a conflict looks")

    result = fastgen_update(project, "--defaults")

    assert "conflict" not in result.stderr
    assert run(["git", "status", "--porcelain"], cwd=project).stdout.count("UU") == 0
    merged = readme.read_text(encoding="utf-8")
    assert example in merged
    assert RELEASE_README_LINE.strip() in merged


def test_a_release_change_to_a_file_the_user_removed_is_reported(project: Path) -> None:
    """The release changes README.md, which the user removed: Copier keeps it removed and drops
    the change silently; fastgen says so, without failing the update."""
    git(project, "rm", "--quiet", "README.md")
    commit_all(project, "We keep our docs elsewhere")

    result = fastgen_update(project, "--defaults")

    assert "not applied: README.md (the release changed it" in result.stderr
    assert not (project / "README.md").exists()
    # Nothing else is reported: the files the user kept took the release's changes.
    assert result.stderr.count("not applied:") == 1


def test_a_changed_file_the_update_removes_is_kept_and_reported(project: Path) -> None:
    """Switching the database off drops its files; one the user changed stays, as a conflict."""
    engine = project / "src" / "my_service" / "db" / "engine.py"
    engine.write_text(engine.read_text(encoding="utf-8") + "# Our pool tuning.\n")
    commit_all(project, "Our change")
    changed = engine.read_bytes()

    result = fastgen_update(project, "--defaults", "--data", "database=none", check=False)

    assert result.returncode != 0, result.stdout
    *listing, last = result.stderr.rstrip().splitlines()
    assert listing == [
        "  src/my_service/db/engine.py (removed by the update but kept: it has your changes; "
        "git rm it to drop it)"
    ]
    assert last.startswith("fastgen: error: the update left conflicts in 1 path")
    assert engine.read_bytes() == changed
    # The database's files nobody changed are gone.
    assert not (project / "src" / "my_service" / "db" / "session.py").exists()
    assert recorded(project)["database"] == "none"


def test_pretend_reports_the_update_and_changes_nothing(project: Path) -> None:
    before = snapshot(project)
    result = fastgen_update(project, "--defaults", "--pretend")
    assert result.stdout.startswith("Pretended:")
    assert "?? CHANGELOG.md" in result.stdout
    assert snapshot(project) == before

    readme = project / "README.md"
    readme.write_text(readme.read_text(encoding="utf-8") + "\nOwned by the orders team.\n")
    commit_all(project, "Our note")
    before = snapshot(project)
    result = fastgen_update(project, "--defaults", "--pretend", check=False)
    assert result.returncode != 0
    assert "README.md (unmerged, conflict markers)" in result.stderr
    assert "would leave conflicts" in result.stderr
    assert snapshot(project) == before
    assert run(["git", "status", "--porcelain"], cwd=project).stdout == ""


@pytest.mark.slow
@pytest.mark.parametrize(("question", "before", "after"), option_switches())
def test_switching_an_option_through_update(
    question: str,
    before: str,
    after: str,
    releases: TemplateRepository,
    fresh_render: FreshRender,
    tmp_path: Path,
    prepared: PreparedEnvironments,
) -> None:
    project = fastgen_new(releases, tmp_path / "svc", "--data", f"{question}={before}")
    old_files = project_files(project)

    fastgen_update(project, "--defaults", "--data", f"{question}={after}")

    assert recorded(project)[question] == after
    # Exactly the files of a project made with the new answer: the option's files appear.
    assert_same_files(project, fresh_render(project))
    changed = {
        name for name, content in project_files(project).items() if old_files.get(name) != content
    }
    assert changed - {ANSWERS_FILE, "CHANGELOG.md", "README.md"}, "the switch changed no file"
    check_generated_project(project, prepared)


@pytest.mark.parametrize("source", ["newest release", "--vcs-ref", "git URL"])
def test_turning_the_task_queue_off_drops_the_answers_it_asked_for(
    releases: TemplateRepository, fresh_render: FreshRender, tmp_path: Path, source: str
) -> None:
    """Whether the release's questions are read from the clone or from what Copier fetched."""
    arguments = ["--background-tasks", "celery", "--task-broker", "rabbitmq"]
    project = fastgen_new(releases, tmp_path / "svc", *arguments)
    chosen = {
        "newest release": [],
        "--vcs-ref": ["--vcs-ref", releases.new],
        "git URL": ["--template", f"git+file://{releases.path}"],
    }[source]

    fastgen_update(project, "--defaults", *chosen, "--data", "background_tasks=none")

    assert recorded(project)["background_tasks"] == "none"
    assert "task_broker" not in recorded(project)
    assert recorded(project)["_commit"] == releases.new
    if source != "git URL":  # which records the URL as the source
        assert_same_files(project, fresh_render(project))


@pytest.mark.parametrize("tagged", [True, False], ids=["tagged", "untagged"])
def test_a_source_without_the_projects_release_is_refused_and_changes_nothing(
    project: Path, releases: TemplateRepository, tmp_path: Path, tagged: bool
) -> None:
    """The source is recorded, in a commit of its own, before Copier looks for the release.
    Copier's note on a source without tags stays out of the one line."""
    other = tmp_path / "other"
    run(["git", "init", "--quiet", str(other)])
    shutil.copy(releases.path / "copier.yml", other)
    shutil.copytree(releases.path / "template", other / "template")
    commit_all(other, "A template without the project's release")
    if tagged:
        git(other, "tag", "99.0.0")
    before, log = work_tree(project), git(project, "log", "--format=%H")

    result = fastgen_update(project, "--defaults", "--template", str(other), check=False)

    assert result.returncode != 0
    assert result.stderr.startswith("fastgen: error: "), result.stderr
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    # The commit that recorded the source is taken back (git keeps its objects, unreferenced).
    assert git(project, "log", "--format=%H") == log
    assert work_tree(project) == before
    assert git(project, "status", "--porcelain") == ""


def test_a_failed_commit_of_the_new_source_leaves_the_project_as_it_was(
    project: Path, releases: TemplateRepository, tmp_path: Path
) -> None:
    """The commit that records another source is refused (here its signing fails)."""
    moved = tmp_path / "moved"
    run(["git", "clone", "--quiet", str(releases.path), str(moved)])
    git(project, "config", "commit.gpgsign", "true")
    git(project, "config", "gpg.program", "false")
    before, log = work_tree(project), git(project, "log", "--format=%H")

    result = fastgen_update(project, "--defaults", "--template", str(moved), check=False)

    assert result.returncode != 0
    assert "git commit failed" in result.stderr
    assert git(project, "log", "--format=%H") == log
    assert work_tree(project) == before
    assert git(project, "status", "--porcelain") == ""


def test_a_bare_template_repository_is_a_source_to_update_from(
    releases: TemplateRepository, tmp_path: Path
) -> None:
    bare = tmp_path / "template.git"
    run(["git", "clone", "--quiet", "--bare", str(releases.path), str(bare)])
    project = tmp_path / "svc"
    template = ["--template", str(bare), "--vcs-ref", releases.old]
    run([FASTGEN, "new", str(project), "--defaults", *template])

    fastgen_update(project, "--defaults")

    assert recorded(project)["_src_path"] == str(bare)
    assert recorded(project)["_commit"] == releases.new
    assert (project / "CHANGELOG.md").is_file()


def test_markers_in_an_ignored_file_from_before_the_update_are_no_conflict(
    project: Path,
) -> None:
    """A merge tool's leftover, which git ignores, is the user's, not the update's."""
    (project / ".git" / "info" / "exclude").write_text("*.orig\n", encoding="utf-8")
    leftover = "<<<<<<< mine\nx\n=======\ny\n>>>>>>> theirs\n"
    (project / "README.md.orig").write_text(leftover, encoding="utf-8")

    result = fastgen_update(project, "--defaults")

    assert "conflict" not in result.stderr
    assert (project / "README.md.orig").read_text(encoding="utf-8") == leftover


@pytest.fixture
def later_release(releases: TemplateRepository, tmp_path: Path) -> Callable[[str], Path]:
    """A clone of the releases with one more, whose copier.yml gains `addition`; the clone's
    work tree is left at the older release."""

    def make(addition: str) -> Path:
        clone = tmp_path / "later"
        run(["git", "clone", "--quiet", str(releases.path), str(clone)])
        copier_yml = clone / "copier.yml"
        copier_yml.write_text(copier_yml.read_text(encoding="utf-8") + addition, encoding="utf-8")
        commit_all(clone, "A release with another question")
        git(clone, "tag", str(Version(releases.new).major) + ".3.0")
        git(clone, "checkout", "--quiet", releases.old)
        return clone

    return make


def test_answers_are_checked_against_the_release_updated_to_not_the_checkout(
    project: Path, later_release: Callable[[str], Path]
) -> None:
    source = later_release("\nrelease_note:\n  type: str\n  default: none\n")

    fastgen_update(project, "--defaults", "--template", str(source), "-d", "release_note=hello")

    assert recorded(project)["release_note"] == "hello"


def test_a_release_that_runs_code_is_refused_with_how_to_trust_it(
    project: Path, later_release: Callable[[str], Path]
) -> None:
    source = later_release("\n_tasks:\n  - echo updated\n")
    before, log = work_tree(project), git(project, "log", "--format=%H")

    result = fastgen_update(project, "--defaults", "--template", str(source), check=False)

    assert result.returncode != 0
    assert "unsafe feature: tasks." in result.stderr
    assert "copier copy/update --trust" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert git(project, "log", "--format=%H") == log
    assert work_tree(project) == before


def work_tree(project: Path) -> dict[str, bytes]:
    return {name: data for name, data in snapshot(project).items() if not name.startswith(".git/")}


@pytest.mark.parametrize("change", ["edited", "added", "staged"])
def test_a_dirty_project_is_refused_and_left_as_it_was(project: Path, change: str) -> None:
    readme = project / "README.md"
    if change == "added":
        (project / "notes.txt").write_text("mine\n", encoding="utf-8")
    else:
        readme.write_text(readme.read_text(encoding="utf-8") + "More.\n", encoding="utf-8")
    if change == "staged":
        git(project, "add", "README.md")
    before, status = snapshot(project), run(["git", "status", "--porcelain"], cwd=project).stdout

    result = fastgen_update(project, "--defaults", check=False)

    assert_refused(result, project, before, "uncommitted changes")
    assert run(["git", "status", "--porcelain"], cwd=project).stdout == status


def test_a_project_that_cannot_be_updated_is_refused(
    project: Path, releases: TemplateRepository, tmp_path: Path
) -> None:
    cases = {
        "--data bogus=1": (project, ["--defaults", "-d", "bogus=1"], "unknown question bogus"),
        "an invalid answer": (project, ["--defaults", "-d", "python_version=2.7"], "2.7"),
        # Another release's questions are known once Copier has fetched it.
        "--vcs-ref and not yes or no": (
            project,
            ["--defaults", "--vcs-ref", releases.new, "-d", "docker=maybe"],
            "docker takes true or false, not 'maybe'",
        ),
        "no --defaults, no terminal": (project, [], "--defaults"),
        "no answers file": (tmp_path / "empty", ["--defaults"], "no .copier-answers.yml"),
        "no git repository": (tmp_path / "plain", ["--defaults"], "not in a git repository"),
        "missing folder": (tmp_path / "nowhere", ["--defaults"], "is not a folder"),
        "a file:// URL, which Copier reads as a folder name": (
            project,
            ["--defaults", "--template", f"file://{releases.path}"],
            f"or as the git URL git+file://{releases.path}",
        ),
        "a kept answer the release refuses": (
            tmp_path / "stale",
            ["--defaults"],
            "(change the answer with --data python_version=VALUE)",
        ),
    }
    (tmp_path / "empty").mkdir()
    fastgen_new(releases, tmp_path / "plain", "--no-git")
    shutil.copytree(project, tmp_path / "stale", symlinks=True)
    edit(tmp_path / "stale" / ANSWERS_FILE, "python_version: '3.12'", "python_version: '3.10'")
    commit_all(tmp_path / "stale", "An answer no release accepts")
    for what, (destination, arguments, needle) in cases.items():
        before = snapshot(tmp_path)
        result = fastgen_update(destination, *arguments, check=False, cwd=tmp_path)
        assert result.returncode != 0, what
        assert_refused(result, tmp_path, before, needle)


@pytest.mark.parametrize(
    ("answer", "needle"),
    [("nosuch=1", "unknown question nosuch"), ("docker=maybe", "docker takes true or false")],
)
def test_answers_for_a_fetched_template_are_checked(
    releases: TemplateRepository, tmp_path: Path, answer: str, needle: str
) -> None:
    """A git URL's questions, or another release's, are known once Copier has fetched it:
    Copier itself drops an unknown answer and reads any text as yes."""
    for template in (
        ["--template", f"git+file://{releases.path}"],
        ["--template", str(releases.path), "--vcs-ref", releases.old],
    ):
        before = snapshot(tmp_path)
        command = [FASTGEN, "new", "out", "--defaults", "--no-git", *template, "-d", answer]
        assert_refused(run(command, cwd=tmp_path, check=False), tmp_path, before, needle)


def test_a_template_with_uncommitted_changes_makes_a_project_that_updates(
    releases: TemplateRepository, tmp_path: Path
) -> None:
    """Copier renders uncommitted changes from a commit of its own, which the source never gets:
    the project records the source's last commit instead, and an update waits for a clean one."""
    source = tmp_path / "fastgen"
    run(["git", "clone", "--quiet", str(releases.path), str(source)])
    readme = source / "template" / "README.md.jinja"
    readme.write_text(readme.read_text(encoding="utf-8") + "\nUncommitted.\n", encoding="utf-8")
    project = tmp_path / "svc"

    # At HEAD: Copier renders a release tag as committed, and HEAD with the changes.
    template = ["--template", str(source), "--vcs-ref", "HEAD"]
    made = run([FASTGEN, "new", str(project), "--defaults", *template])

    head = git(source, "describe", "--tags", "--always").strip()
    assert recorded(project)["_commit"] == head
    assert f"it records the template's last commit, {head}, as its release" in made.stderr
    before = snapshot(tmp_path)
    refused = fastgen_update(project, "--defaults", check=False, cwd=tmp_path)
    assert_refused(refused, tmp_path, before, f"{source} has uncommitted changes")
    git(source, "stash", "--quiet")
    fastgen_update(project, "--defaults")
    # The uncommitted line reads as the project's own: the update keeps it.
    assert "Uncommitted." in (project / "README.md").read_text(encoding="utf-8")


def test_plain_copier_update_needs_no_extra_flags(
    project: Path, releases: TemplateRepository
) -> None:
    run([COPIER, "update", "--defaults"], cwd=project)
    assert recorded(project)["_commit"] == releases.new
    assert (project / "CHANGELOG.md").is_file()


def beside_the_clone(releases: TemplateRepository, tmp_path: Path) -> Path:
    """A new project folder whose parent also holds the clone, so `../fastgen` names it."""
    workdir = releases.path.parent / "work"
    workdir.mkdir(exist_ok=True)
    return workdir / tmp_path.name


def test_a_relative_template_path_is_recorded_absolute(
    releases: TemplateRepository, tmp_path: Path
) -> None:
    project = beside_the_clone(releases, tmp_path)
    new = [FASTGEN, "new", project.name, "--defaults", "--vcs-ref", releases.old]
    run([*new, "--template", "../fastgen"], cwd=project.parent)
    assert recorded(project)["_src_path"] == str(releases.path.resolve())
    # So the update works from any folder.
    fastgen_update(project, "--defaults", cwd=tmp_path)
    assert recorded(project)["_commit"] == releases.new


def test_a_relative_path_recorded_by_plain_copier_is_fixed_with_template(
    releases: TemplateRepository, tmp_path: Path
) -> None:
    project = beside_the_clone(releases, tmp_path)
    copy = [COPIER, "copy", "--defaults", "--quiet", "--vcs-ref", releases.old]
    run([*copy, "../fastgen", project.name], cwd=project.parent)
    assert recorded(project)["_src_path"] == "../fastgen"  # Copier keeps the path as given
    git(project, "init", "--quiet")
    commit_all(project, "Generate")

    before = snapshot(project)
    refused = fastgen_update(project, "--defaults", check=False, cwd=tmp_path)
    assert_refused(refused, project, before, "relative path ../fastgen")

    fastgen_update(project, "--defaults", "--template", str(releases.path), cwd=tmp_path)
    assert recorded(project)["_src_path"] == str(releases.path.resolve())
    assert recorded(project)["_commit"] == releases.new
    log = git(project, "log", "--format=%s").splitlines()
    assert log[0] == f"Record the template source {releases.path.resolve()}"


def test_a_project_from_a_template_folder_updates_once_given_a_repository(
    releases: TemplateRepository, fresh_render: FreshRender, tmp_path: Path
) -> None:
    """As from a wheel: a plain folder as source, its release recorded as the wheel records it."""
    folder = tmp_path / "bundled"
    folder.mkdir()
    archive = tmp_path / "release.tar"
    git(releases.path, "archive", "--format=tar", "--output", str(archive), releases.old)
    run(["tar", "-x", "-f", str(archive), "-C", str(folder)])
    project = tmp_path / "svc"
    run([FASTGEN, "new", str(project), "--defaults", "--no-git", "--template", str(folder)])
    record_template(project, commit=releases.old)
    git(project, "init", "--quiet")
    commit_all(project, "Generate")

    before = snapshot(project)
    refused = fastgen_update(project, "--defaults", check=False)
    assert_refused(refused, project, before, "is not a git repository; pass --template")

    fastgen_update(project, "--defaults", "--template", str(releases.path))
    assert recorded(project)["_src_path"] == str(releases.path.resolve())
    assert_same_files(project, fresh_render(project))


def test_conflicts_are_found_in_every_form_even_where_gitignore_hides_them(tmp_path: Path) -> None:
    (tmp_path / ".gitignore").write_text("*.rej\n.env\nbig.bin\n", encoding="utf-8")
    (tmp_path / "clean.md").write_text("======= an underline is no marker\n", encoding="utf-8")
    git(tmp_path, "init", "--quiet")
    commit_all(tmp_path, "Start")
    markers = "<<<<<<< before updating\nmine\n=======\ntheirs\n>>>>>>> after updating\n"
    (tmp_path / "app.py").write_text(markers, encoding="utf-8")
    (tmp_path / ".env").write_text(markers, encoding="utf-8")
    (tmp_path / "README.md.rej").write_text("@@ -1 +1 @@\n", encoding="utf-8")
    (tmp_path / "big.bin").write_bytes(markers.encode() + bytes(2 << 20))
    (tmp_path / "clean.md").write_text("======= still no marker\n", encoding="utf-8")

    found = find_conflicts(tmp_path, changes(tmp_path), ignored_before={})

    assert [str(conflict) for conflict in found] == [
        ".env (conflict markers)",
        "README.md.rej (rejected hunks)",
        "app.py (conflict markers)",
    ]
