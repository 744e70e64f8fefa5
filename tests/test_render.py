"""Rendered projects: the same from Copier and fastgen, complete, and free of template leftovers."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from fastgen.options import OptionModel
from fastgen.rules import Rules
from tests.combinations import COMBINATIONS, QUEUE_ROWS, data_id
from tests.conftest import COPIER, FASTGEN, REPO_ROOT, project_files, render, run

JINJA_MARKERS = re.compile(r"(?<!\$)\{\{|\{%|\{#")
ANSWERS_FILE = ".copier-answers.yml"


def text_files(project: Path) -> dict[str, str]:
    files = {}
    for name, content in project_files(project).items():
        try:
            files[name] = content.decode("utf-8")
        except UnicodeDecodeError:
            continue
    return files


# Every Python and database, each task queue with its broker, and no background tasks at all.
PROJECTS = [
    *((f"python_version={python}", f"database={database}") for python, database in COMBINATIONS),
    *(
        (f"background_tasks={queue}", f"task_broker={broker}", f"database={database}")
        for queue, broker, database in QUEUE_ROWS
    ),
    ("background_tasks=none", "database=none"),
]


@pytest.fixture(scope="module", params=PROJECTS, ids=data_id)
def project(
    request: pytest.FixtureRequest, template_dir: Path, tmp_path_factory: pytest.TempPathFactory
) -> Path:
    destination = tmp_path_factory.mktemp("render") / "svc"
    return render(template_dir, destination, *request.param)


def test_no_template_leftovers(project: Path) -> None:
    for name, text in text_files(project).items():
        assert not JINJA_MARKERS.search(text), f"{name} holds a Jinja marker"
        assert not name.endswith(".jinja"), name
        assert "{{" not in name
        assert "{%" not in name


def test_no_blank_line_soup_or_trailing_space(project: Path) -> None:
    for name, text in text_files(project).items():
        if not text:
            continue  # an empty file, such as a package's __init__.py, is fine
        assert text.endswith("\n"), f"{name} must end in a newline"
        assert not text.endswith("\n\n"), f"{name} ends in a blank line"
        assert "\n\n\n\n" not in text, f"{name} has three blank lines in a row"
        if not name.endswith((".py", ".py.mako")):
            # Python files may hold two blank lines between definitions; nothing else needs them.
            assert "\n\n\n" not in text, f"{name} has two blank lines in a row"
        for number, line in enumerate(text.splitlines(), start=1):
            assert line == line.rstrip(), f"{name}:{number} has trailing white space"


def test_answers_file_holds_every_answer(project: Path, template_dir: Path) -> None:
    """Every question asked; one skipped by its `when:` (a broker without a queue) is not."""
    answers = yaml.safe_load((project / ANSWERS_FILE).read_text(encoding="utf-8"))
    model = OptionModel.from_file(template_dir / "copier.yml")
    rules = Rules(model)
    asked = {question.name for question in model if rules.is_asked(question, answers)}
    assert asked <= set(answers)
    assert not (set(model.names) - asked) & set(answers)
    assert answers["_src_path"] == str(template_dir)
    assert answers["package_name"] == "my_service"


def test_the_package_and_python_version_are_used(project: Path) -> None:
    answers = yaml.safe_load((project / ANSWERS_FILE).read_text(encoding="utf-8"))
    assert (project / "src" / "my_service" / "main.py").is_file()
    assert (project / ".python-version").read_text(encoding="utf-8").strip() == answers[
        "python_version"
    ]
    pyproject = (project / "pyproject.toml").read_text(encoding="utf-8")
    assert f'requires-python = ">={answers["python_version"]}"' in pyproject


def test_only_a_chosen_database_brings_its_files(project: Path) -> None:
    answers = yaml.safe_load((project / ANSWERS_FILE).read_text(encoding="utf-8"))
    files = text_files(project)
    database_files = {
        "alembic.ini",
        "migrations/env.py",
        "src/my_service/db/session.py",
        "src/my_service/items/sql_repository.py",
        "tests/test_database.py",
    }
    if answers["database"] == "none":
        assert not database_files & files.keys()
        assert "src/my_service/items/memory_repository.py" in files
        assert not any("sqlalchemy" in text.lower() for text in files.values())
        assert "migrate" not in files["Makefile"]
    else:
        assert database_files <= files.keys()
        assert "src/my_service/items/memory_repository.py" not in files
        assert "\nmigrate: " in files["Makefile"]
        assert "DATABASE_URL=" in files[".env.example"]


def test_custom_names_reach_every_file(template_dir: Path, tmp_path: Path) -> None:
    project = render(
        template_dir,
        tmp_path / "svc",
        "project_name=Orders API",
        "package_name=orders",
        "description=Takes orders.",
    )
    files = text_files(project)
    assert (project / "src" / "orders" / "app.py").is_file()
    assert not (project / "src" / "my_service").exists()
    assert "Orders API" in files["README.md"]
    assert "Takes orders." in files["pyproject.toml"]
    assert 'name = "orders-api"' in files["pyproject.toml"]
    assert not any("my_service" in text for text in files.values())


def test_copier_copy_and_fastgen_new_give_the_same_project(tmp_path: Path) -> None:
    """The checkout itself as the template source, through plain Copier (no --trust) and fastgen."""
    by_copier = tmp_path / "A"
    by_fastgen = tmp_path / "B"
    run([COPIER, "copy", "--defaults", "--quiet", str(REPO_ROOT), str(by_copier)])
    run([FASTGEN, "new", str(by_fastgen), "--defaults"])
    copied = project_files(by_copier)
    generated = project_files(by_fastgen)
    assert copied.keys() == generated.keys()
    for name in copied:
        if name != ANSWERS_FILE:
            assert copied[name] == generated[name], name
    copier_answers = yaml.safe_load(copied[ANSWERS_FILE])
    fastgen_answers = yaml.safe_load(generated[ANSWERS_FILE])
    copier_answers.pop("_src_path")
    fastgen_answers.pop("_src_path")
    if run(["git", "status", "--porcelain"], cwd=REPO_ROOT).stdout:
        # Copier commits a dirty tree into a draft commit of its own, whose id differs each time.
        copier_answers.pop("_commit")
        fastgen_answers.pop("_commit")
    assert copier_answers == fastgen_answers


def test_only_chosen_middleware_bring_their_files(template_dir: Path, tmp_path: Path) -> None:
    project = render(template_dir, tmp_path / "svc", "middleware=[gzip, access_log]")
    files = text_files(project)
    package = "src/my_service/middleware/"
    assert {name for name in files if name.startswith(package)} == {
        package + "__init__.py",
        package + "stack.py",
        package + "gzip.py",
        package + "access_log.py",
    }
    assert {"tests/test_gzip.py", "tests/test_access_log.py"} <= files.keys()
    assert "tests/test_cors.py" not in files
    assert "GZIP_MINIMUM_SIZE=" in files[".env.example"]
    assert "CORS_ALLOW_ORIGINS" not in files[".env.example"]
    # The service logs each request itself; uvicorn's access log would repeat every line.
    assert files["Makefile"].count("--no-access-log") == 1
    assert "$(UVICORN_FLAGS)" in files["Makefile"]


def test_no_middleware_leaves_no_trace(template_dir: Path, tmp_path: Path) -> None:
    project = render(template_dir, tmp_path / "svc", "middleware=[]")
    files = text_files(project)
    assert not any("middleware" in name for name in files)
    # Only the core's body limit joins the app: nothing of the middleware option.
    assert "my_service.middleware" not in files["src/my_service/app.py"]
    assert "middleware_stack" not in files["src/my_service/app.py"]
    assert "--no-access-log" not in files["Makefile"]
