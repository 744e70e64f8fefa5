"""The `fastgen` command: flags mirror copier.yml; bad input is refused and writes nothing."""

from __future__ import annotations

import os
import pty
import re
import select
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
import typer.main
import yaml

from fastgen import __version__, matrix
from fastgen.cli import build_app
from fastgen.options import OptionModel
from fastgen.rules import Rules
from tests.conftest import FASTGEN, REPO_ROOT, Runner, run, snapshot

FIXED_NEW_FLAGS = {
    "--defaults",
    "--data",
    "--data-file",
    "--template",
    "--vcs-ref",
    "--pretend",
    "--git",
    "--force",
}


def copier_yml_questions() -> dict[str, dict[str, object]]:
    raw = yaml.safe_load((REPO_ROOT / "copier.yml").read_text(encoding="utf-8"))
    return {name: spec for name, spec in raw.items() if not name.startswith("_")}


def test_new_has_exactly_one_flag_per_question_of_copier_yml() -> None:
    command = typer.main.get_command(build_app())
    new = command.commands["new"]  # type: ignore[attr-defined]
    flags = {opts[0] for opts in (param.opts for param in new.params) if opts[0].startswith("--")}
    questions = copier_yml_questions()
    expected = {"--" + name.replace("_", "-") for name in questions}
    # A multi-choice question also takes --no-NAME, to choose none of its values.
    expected |= {
        "--no-" + n.replace("_", "-") for n, s in questions.items() if s.get("multiselect")
    }
    assert flags - FIXED_NEW_FLAGS == expected


def test_every_flag_is_documented_in_help() -> None:
    result = run([FASTGEN, "new", "--help"])
    for name, spec in copier_yml_questions().items():
        assert "--" + name.replace("_", "-") in result.stdout
        first_word = str(spec["help"]).split()[0]
        assert first_word in result.stdout


def test_options_lists_every_question_with_its_choices() -> None:
    result = run([FASTGEN, "options"])
    for name, spec in copier_yml_questions().items():
        assert name in result.stdout
        for choice in spec.get("choices", []):  # type: ignore[attr-defined]
            assert str(choice) in result.stdout


def test_version() -> None:
    result = run([FASTGEN, "--version"])
    assert result.stdout.strip() == f"fastgen {__version__}"


def test_completion_is_offered() -> None:
    result = run([FASTGEN, "--help"])
    assert "--install-completion" in result.stdout


@pytest.mark.parametrize("python_version", ["3.11", "3.12", "3.13"])
def test_every_choice_is_accepted(fastgen_new: Runner, tmp_path: Path, python_version: str) -> None:
    result = fastgen_new(
        str(tmp_path / "out"), "--defaults", "--pretend", "--python-version", python_version
    )
    assert "pyproject.toml" in result.stderr
    assert not (tmp_path / "out").exists()


# No slug or package may take spaces, a leading digit, paths, Jinja or shell syntax, or nothing.
BAD_IDENTIFIERS = [
    "my service",
    "1service",
    "a/b",
    "..",
    "../escape",
    "{{ 7 * 7 }}",
    "{% raw %}x",
    "$(touch pwned)",
    "a;b",
    "`id`",
    "",
]
# A project name may hold spaces, but none of the rest.
BAD_PROJECT_NAMES = [name for name in BAD_IDENTIFIERS if name != "my service"]


def bad_input_cases() -> list[tuple[list[str], str]]:
    cases: list[tuple[list[str], str]] = []
    for name in BAD_IDENTIFIERS:
        cases.append((["--project-slug", name], "project_slug"))
        cases.append((["--package-name", name], "package_name"))
    cases += [(["--project-name", name], "project_name") for name in BAD_PROJECT_NAMES]
    cases += [
        (["--package-name", "class"], "keyword"),
        (["--package-name", "fastapi"], "shadow"),
        (["--project-slug", "UPPER"], "project_slug"),
        # Derived defaults are validated too: this name makes the package name `class`.
        (["--project-name", "Class"], "keyword"),
        (["--description", 'say "hi"'], "description"),
        (["--description", "trailing space "], "description"),
        (["--author-name", "<script>"], "author_name"),
        (["--author-email", "not-an-email"], "author_email"),
        (["--python-version", "3.10"], "3.10"),
        (["--bogus"], "No such option"),
        (["--data", "bogus=1"], "unknown question bogus"),
        (["--data", "project_slug"], "KEY=VALUE"),
        (["--data", "=value"], "KEY=VALUE"),
        (["--data", "python_version=2.7"], "python_version"),
        (["--project-slug", "one", "--data", "project_slug=two"], "give it once"),
        (["--no-docker", "--data", "docker=true"], "give it once"),
        # Copier would read any word but no, false, off, n, f and 0 as yes.
        (["--data", "docker=maybe"], "docker takes true or false"),
        (["--data", "middleware=cors"], "middleware takes a list, as in --data 'middleware=["),
        (["--background-tasks", "rq"], "background-tasks"),
        # RabbitMQ is for Celery only; without a queue there is no broker to choose.
        (
            ["--background-tasks", "taskiq", "--task-broker", "rabbitmq"],
            "needs background_tasks celery",
        ),
        (["--data", "background_tasks=builtin", "--data", "task_broker=rabbitmq"], "task_broker"),
    ]
    return cases


def assert_refused(
    result: subprocess.CompletedProcess[str], workdir: Path, before: dict[str, bytes], needle: str
) -> None:
    """One line on stderr naming the problem, a non-zero exit, and the folder exactly as it was."""
    assert result.returncode != 0, result.stdout
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("fastgen: error: ")
    assert needle in lines[0]
    assert snapshot(workdir) == before


@pytest.mark.parametrize(("arguments", "needle"), bad_input_cases())
def test_bad_answers_are_refused_and_write_nothing(
    fastgen_new: Runner, tmp_path: Path, arguments: list[str], needle: str
) -> None:
    (tmp_path / "keep.txt").write_text("user file\n", encoding="utf-8")
    before = snapshot(tmp_path)
    result = fastgen_new("out", "--defaults", *arguments, check=False, cwd=tmp_path)
    assert_refused(result, tmp_path, before, needle)


@pytest.mark.parametrize(
    ("content", "needle"),
    [
        ("project_slug: [unclosed\n", "not valid YAML"),
        ("- a\n- list\n", "must be a mapping"),
        ("bogus: 1\n", "unknown question bogus"),
        ("package_name: class\n", "keyword"),
        ("python_version: 3.10\n", "python_version was read as the number 3.1; quote it"),
    ],
)
def test_bad_answers_files_are_refused(
    fastgen_new: Runner, tmp_path: Path, content: str, needle: str
) -> None:
    (tmp_path / "answers.yml").write_text(content, encoding="utf-8")
    before = snapshot(tmp_path)
    result = fastgen_new(
        "out", "--defaults", "--data-file", "answers.yml", check=False, cwd=tmp_path
    )
    assert_refused(result, tmp_path, before, needle)


def test_a_missing_answers_file_is_refused(fastgen_new: Runner, tmp_path: Path) -> None:
    before = snapshot(tmp_path)
    result = fastgen_new("out", "--defaults", "--data-file", "nope.yml", check=False, cwd=tmp_path)
    assert_refused(result, tmp_path, before, "nope.yml")


def non_empty_folder(path: Path) -> None:
    path.mkdir()
    (path / "README.md").write_text("mine\n", encoding="utf-8")


def a_file(path: Path) -> None:
    path.write_text("a file\n", encoding="utf-8")


def link_to_nothing(path: Path) -> None:
    path.symlink_to(path.parent / "nowhere")


@pytest.mark.parametrize(
    ("prepare", "destination", "needle"),
    [
        (non_empty_folder, "out", "not empty"),
        (a_file, "out", "not a directory"),
        (link_to_nothing, "out", "link to nothing"),
        (a_file, "out/inner", "out is not a directory"),
    ],
)
def test_a_destination_that_cannot_be_made_is_refused(
    fastgen_new: Runner,
    tmp_path: Path,
    prepare: Callable[[Path], None],
    destination: str,
    needle: str,
) -> None:
    prepare(tmp_path / "out")
    before = snapshot(tmp_path)
    result = fastgen_new(destination, "--defaults", check=False, cwd=tmp_path)
    assert_refused(result, tmp_path, before, needle)


def test_a_destination_the_system_refuses_is_one_line(fastgen_new: Runner, tmp_path: Path) -> None:
    before = snapshot(tmp_path)
    result = fastgen_new("/sys/fastgen-out", "--defaults", "--no-git", check=False, cwd=tmp_path)
    assert_refused(result, tmp_path, before, "/sys/fastgen-out")
    assert not Path("/sys/fastgen-out").exists()


def test_a_vcs_ref_needs_a_template_source(tmp_path: Path) -> None:
    before = snapshot(tmp_path)
    result = run(
        [FASTGEN, "new", "out", "--defaults", "--vcs-ref", "v1"], cwd=tmp_path, check=False
    )
    assert_refused(result, tmp_path, before, "--vcs-ref needs --template")


def test_without_git_nothing_is_rendered(template_dir: Path, tmp_path: Path) -> None:
    """git is checked before Copier runs: for the commit of --git, and for a template that is a
    git repository, which Copier would read as a plain folder (recording no release)."""
    no_git = {**os.environ, "PATH": str(tmp_path / "bin-without-git")}
    repository = tmp_path / "repository"
    shutil.copytree(template_dir, repository)
    run(["git", "init", "--quiet", str(repository)])
    before = snapshot(tmp_path)
    for arguments, needle in [
        (["--template", str(template_dir)], "`fastgen new` also takes --no-git"),
        (["--template", str(repository), "--no-git"], f"Copier reads the template {repository}"),
    ]:
        command = [FASTGEN, "new", "out", "--defaults", *arguments]
        result = run(command, cwd=tmp_path, env=no_git, check=False)
        assert_refused(result, tmp_path, before, "git is not installed; install it (" + needle)


def test_a_project_whose_commit_fails_is_removed(template_dir: Path, tmp_path: Path) -> None:
    """The run failed as a whole (here git cannot sign the commit): no half-made project stays."""
    config = tmp_path / "gitconfig"
    config.write_text("[commit]\n\tgpgsign = true\n[gpg]\n\tprogram = false\n", encoding="utf-8")
    workdir = tmp_path / "work"
    workdir.mkdir()
    before = snapshot(workdir)
    env = {**os.environ, "GIT_CONFIG_GLOBAL": str(config)}
    result = run(
        [FASTGEN, "new", "out", "--defaults", "--template", str(template_dir)],
        cwd=workdir,
        env=env,
        check=False,
    )
    assert_refused(result, workdir, before, "git commit failed")
    assert result.stderr.strip().endswith("out was removed again")


def test_agreeing_flag_and_data_answers_are_one_answer(fastgen_new: Runner, tmp_path: Path) -> None:
    fastgen_new(
        "out", "--defaults", "--no-git", "--no-docker", "--data", "docker=false",
        "--middleware", "cors", "--data", "middleware=[cors]", cwd=tmp_path,
    )  # fmt: skip
    answers = recorded_answers(tmp_path / "out")
    assert (answers["docker"], answers["middleware"]) == (False, ["cors"])


def test_a_missing_template_is_refused(tmp_path: Path) -> None:
    before = snapshot(tmp_path)
    result = run(
        [FASTGEN, "new", "out", "--defaults", "--template", str(tmp_path / "nowhere")],
        cwd=tmp_path,
        check=False,
    )
    assert_refused(result, tmp_path, before, f"template {tmp_path / 'nowhere'} does not exist")


def test_an_error_with_a_git_template_is_still_one_line(template_dir: Path, tmp_path: Path) -> None:
    """Copier notes a template without release tags on stderr; a refusal stays the only line."""
    repository = tmp_path / "template"
    shutil.copytree(template_dir, repository)
    for arguments in (["init", "--quiet"], ["add", "--all"], ["commit", "--quiet", "-m", "T"]):
        run(["git", *arguments], cwd=repository)
    before = snapshot(tmp_path)
    command = [FASTGEN, "new", "out", "--defaults", "--template", str(repository)]
    result = run([*command, "--package-name", "json"], cwd=tmp_path, check=False)
    assert_refused(result, tmp_path, before, "standard library")


def test_a_template_that_does_not_render_is_one_line(template_dir: Path, tmp_path: Path) -> None:
    """A broken template release (a name its Jinja does not define) is refused in one line, and
    nothing is written."""
    broken = tmp_path / "template"
    shutil.copytree(template_dir, broken)
    with (broken / "template" / "README.md.jinja").open("a", encoding="utf-8") as readme:
        readme.write("{{ undefined_thing.attr }}\n")
    before = snapshot(tmp_path)
    command = [FASTGEN, "new", "out", "--defaults", "--no-git", "--template", str(broken)]
    result = run(command, cwd=tmp_path, check=False)
    assert_refused(result, tmp_path, before, "the template does not render: 'undefined_thing'")


def test_the_next_steps_quote_the_destination(fastgen_new: Runner, tmp_path: Path) -> None:
    result = fastgen_new("my service", "--defaults", "--no-git", cwd=tmp_path)
    assert "  cd 'my service'\n" in result.stdout


def test_without_a_terminal_it_asks_for_defaults(fastgen_new: Runner, tmp_path: Path) -> None:
    before = snapshot(tmp_path)
    result = fastgen_new("out", check=False, cwd=tmp_path)
    assert_refused(result, tmp_path, before, "--defaults")


def test_force_renders_into_a_non_empty_folder_and_deletes_nothing(
    fastgen_new: Runner, tmp_path: Path
) -> None:
    destination = tmp_path / "out"
    destination.mkdir()
    (destination / "notes.txt").write_text("my notes\n", encoding="utf-8")
    fastgen_new(str(destination), "--defaults", "--force", "--no-git")
    assert (destination / "notes.txt").read_text(encoding="utf-8") == "my notes\n"
    assert (destination / "pyproject.toml").is_file()
    assert (destination / ".copier-answers.yml").is_file()


def test_force_into_a_git_repository_commits_nothing_and_says_so(
    fastgen_new: Runner, tmp_path: Path
) -> None:
    """The repository may hold the user's own uncommitted work: fastgen does not commit it."""
    destination = tmp_path / "out"
    destination.mkdir()
    run(["git", "init", "--quiet"], cwd=destination)
    (destination / "wip.txt").write_text("work in progress\n", encoding="utf-8")

    result = fastgen_new(str(destination), "--defaults", "--force")

    assert f"{destination} is in a git repository already: the files are not committed." in (
        result.stdout
    )
    assert run(["git", "rev-list", "--all"], cwd=destination).stdout == ""


def test_a_project_made_inside_a_repository_is_left_to_it(
    fastgen_new: Runner, tmp_path: Path
) -> None:
    """A service made in a monorepo's folder belongs to the monorepo: no repository of its own
    (git would keep only a link to it), no commit."""
    run(["git", "init", "--quiet"], cwd=tmp_path)
    destination = tmp_path / "services" / "orders"

    result = fastgen_new(str(destination), "--defaults")

    assert f"{destination} is in a git repository already: the files are not committed." in (
        result.stdout
    )
    assert not (destination / ".git").exists()
    assert run(["git", "rev-list", "--all"], cwd=tmp_path).stdout == ""
    untracked = run(["git", "status", "--porcelain"], cwd=tmp_path).stdout
    assert "?? services/" in untracked


def test_pretend_writes_nothing(fastgen_new: Runner, tmp_path: Path) -> None:
    before = snapshot(tmp_path)
    result = fastgen_new(str(tmp_path / "out"), "--defaults", "--pretend")
    assert "nothing was written" in result.stdout
    assert snapshot(tmp_path) == before


def test_an_empty_destination_folder_is_filled(fastgen_new: Runner, tmp_path: Path) -> None:
    destination = tmp_path / "out"
    destination.mkdir()
    fastgen_new(str(destination), "--defaults", "--no-git")
    assert (destination / "pyproject.toml").is_file()


def test_next_steps_of_a_database_server_say_to_create_the_database(
    fastgen_new: Runner, tmp_path: Path
) -> None:
    result = fastgen_new(str(tmp_path / "svc"), "--defaults", "--no-git", "--database", "mysql")
    assert "  # create the database my_service on your MySQL or MariaDB server first" in (
        result.stdout
    )


def test_new_makes_a_git_repository_with_one_commit(fastgen_new: Runner, tmp_path: Path) -> None:
    destination = tmp_path / "a" / "nested" / "out"
    result = fastgen_new(str(destination), "--defaults", "--project-name", "Orders API")
    # The next steps name targets the project's Makefile has.
    suggested = re.findall(r"^  make (\w+) ", result.stdout, flags=re.MULTILINE)
    assert suggested == ["run", "check"]
    makefile = (destination / "Makefile").read_text()
    assert all(re.search(rf"^{target}:", makefile, flags=re.MULTILINE) for target in suggested)
    assert "create the database" not in result.stdout  # SQLite makes its file itself
    log = run(["git", "log", "--format=%s"], cwd=destination).stdout.splitlines()
    assert log == ["Generate Orders API with fastgen"]
    assert run(["git", "status", "--porcelain"], cwd=destination).stdout == ""


def test_no_git_leaves_no_repository(fastgen_new: Runner, tmp_path: Path) -> None:
    fastgen_new(str(tmp_path / "out"), "--defaults", "--no-git")
    assert not (tmp_path / "out" / ".git").exists()
    assert (tmp_path / "out" / "pyproject.toml").is_file()


def recorded_answers(project: Path) -> dict[str, object]:
    answers: dict[str, object] = yaml.safe_load(
        (project / ".copier-answers.yml").read_text(encoding="utf-8")
    )
    return answers


def test_a_repeated_multi_choice_flag_chooses_each_value(
    fastgen_new: Runner, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    fastgen_new(str(out), "--defaults", "--no-git", "--middleware", "gzip", "--middleware", "cors")
    assert recorded_answers(out)["middleware"] == ["cors", "gzip"]  # in the order of the choices
    assert (out / "src" / "my_service" / "middleware" / "gzip.py").is_file()
    assert not (out / "src" / "my_service" / "middleware" / "request_id.py").exists()


def test_the_none_flag_of_a_multi_choice_question_chooses_nothing(
    fastgen_new: Runner, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    fastgen_new(str(out), "--defaults", "--no-git", "--no-middleware")
    assert recorded_answers(out)["middleware"] == []
    assert not (out / "src" / "my_service" / "middleware").exists()


def test_the_none_flag_contradicts_a_chosen_value(fastgen_new: Runner, tmp_path: Path) -> None:
    result = fastgen_new(
        str(tmp_path / "out"), "--defaults", "--no-middleware", "--middleware", "gzip", check=False
    )
    assert result.returncode != 0
    assert "--no-middleware contradicts --middleware" in result.stderr
    assert not (tmp_path / "out").exists()


def test_an_unknown_multi_choice_value_is_refused(fastgen_new: Runner, tmp_path: Path) -> None:
    result = fastgen_new(str(tmp_path / "out"), "--defaults", "--middleware", "zstd", check=False)
    assert result.returncode != 0
    assert "zstd" in result.stderr
    assert not (tmp_path / "out").exists()


def test_answers_from_file_data_and_flags_combine(fastgen_new: Runner, tmp_path: Path) -> None:
    (tmp_path / "answers.yml").write_text(
        "_src_path: elsewhere\nproject_name: From File\ndescription: From the file.\n",
        encoding="utf-8",
    )
    fastgen_new(
        "out",
        "--defaults",
        "--no-git",
        "--data-file",
        "answers.yml",
        "--data",
        "description=From data.",
        "--python-version",
        "3.13",
        cwd=tmp_path,
    )
    answers = yaml.safe_load((tmp_path / "out" / ".copier-answers.yml").read_text("utf-8"))
    assert answers["project_name"] == "From File"
    assert answers["project_slug"] == "from-file"
    assert answers["package_name"] == "from_file"
    assert answers["description"] == "From data."
    assert answers["python_version"] == "3.13"


def answer_prompts_with_enter(command: list[str], timeout: float = 60) -> tuple[int, str]:
    """Run `command` on a pseudo-terminal, pressing Enter whenever it waits for input."""
    pid, terminal = on_a_terminal(command)
    output = b""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        readable, _, _ = select.select([terminal], [], [], 0.5)
        if not readable:
            os.write(terminal, b"\r")
            continue
        chunk = read_chunk(terminal)
        if not chunk:
            break
        output += chunk
    _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status), output.decode(errors="replace")


def on_a_terminal(command: list[str]) -> tuple[int, int]:
    """Start `command` on a pseudo-terminal: its process id and the terminal's descriptor."""
    pid, terminal = pty.fork()
    if pid == 0:  # the child becomes the command
        os.execv(command[0], command)  # noqa: S606 - a fixed command of the test
    return pid, terminal


def read_chunk(terminal: int) -> bytes:
    """The command's next output; empty once it has finished and closed the terminal."""
    try:
        return os.read(terminal, 4096)
    except OSError:
        return b""


def test_unanswered_questions_are_asked_on_a_terminal(template_dir: Path, tmp_path: Path) -> None:
    destination = tmp_path / "out"
    command = [FASTGEN, "new", str(destination), "--no-git", "--template", str(template_dir)]
    code, output = answer_prompts_with_enter([*command, "--python-version", "3.13"])
    assert code == 0, output
    model = OptionModel.from_file(template_dir / "copier.yml")
    rules, defaults = Rules(model), matrix.default_row(model)
    for name, spec in copier_yml_questions().items():
        if name == "python_version":
            continue
        # A question whose `when:` is false for the defaults (the broker of a task queue) is
        # not asked when every answer is the default.
        asked = str(spec["help"])[:30] in output
        assert asked == rules.is_asked(model[name], defaults), f"{name}: asked={asked}"
    answers = yaml.safe_load((destination / ".copier-answers.yml").read_text(encoding="utf-8"))
    assert answers["python_version"] == "3.13"
    assert answers["project_name"] == "My Service"


def test_ctrl_c_at_a_question_stops_with_one_line(template_dir: Path, tmp_path: Path) -> None:
    command = [FASTGEN, "new", str(tmp_path / "out"), "--no-git", "--template", str(template_dir)]
    pid, terminal = on_a_terminal(command)
    first_question = str(copier_yml_questions()["project_name"]["help"]).encode()
    output = b""
    deadline = time.monotonic() + 60
    while first_question not in output and time.monotonic() < deadline:
        if select.select([terminal], [], [], 0.5)[0]:
            output += os.read(terminal, 4096)
    os.write(terminal, b"\x03")
    while chunk := read_chunk(terminal):
        output += chunk
    _, status = os.waitpid(pid, 0)
    text = output.decode(errors="replace")
    assert os.waitstatus_to_exitcode(status) == 130, text
    assert text.rstrip().endswith("fastgen: error: interrupted"), text
    assert not (tmp_path / "out").exists()


def test_commands_that_do_not_render_start_without_copier() -> None:
    # Copier and its dependencies are most of the start-up; `--help`, `--version`, `options` and
    # `matrix` must not wait for them.
    probe = "import sys; from fastgen.cli import build_app; build_app(); print(sorted(sys.modules))"
    imported = run([sys.executable, "-c", probe]).stdout
    assert "'copier'" not in imported
    assert "'fastgen.cli'" in imported
