"""The docker option's files, on every database and Python version: hadolint, the Compose schema,
references, ports, health checks and secrets (fastgen.docker_checks), the image's shape, and what
.dockerignore keeps out of the build. Also: each check finds the fault it is written for."""

from __future__ import annotations

import contextlib
import io
import re
import shutil
from pathlib import Path

import pytest
import yaml

from fastgen import docker_checks, matrix
from fastgen.render import RenderRequest, render_project
from tests.combinations import DATABASES, OPTIONS, data_id
from tests.conftest import PYTHON_VERSIONS, render
from tests.template_reads import answers_read, projection

DOCKER_FILES = ("Dockerfile", ".dockerignore", "compose.yaml", "compose.dev.yaml")
ROWS = [(python, database) for python in PYTHON_VERSIONS for database in DATABASES]
# Each task queue, with its broker, on the default Python.
QUEUE_ROWS: list[tuple[str, ...]] = [
    ("background_tasks=celery", "task_broker=rabbitmq", "database=postgresql"),
    ("background_tasks=taskiq", "database=sqlite"),
]
QUEUE_SERVICES = {
    ("none", "redis"): set(),
    ("builtin", "redis"): set(),
    ("celery", "redis"): {"worker", "redis"},
    ("celery", "rabbitmq"): {"worker", "redis", "rabbitmq"},
    ("taskiq", "redis"): {"worker", "redis"},
}


PROJECTS = [
    *((f"python_version={python}", f"database={database}") for python, database in ROWS),
    *QUEUE_ROWS,
]


@pytest.fixture(scope="module", params=PROJECTS, ids=data_id)
def project(
    request: pytest.FixtureRequest, template_dir: Path, tmp_path_factory: pytest.TempPathFactory
) -> Path:
    destination = tmp_path_factory.mktemp("docker") / "svc"
    return render(template_dir, destination, *request.param)


@pytest.fixture(scope="module")
def sqlite_project(template_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return render(template_dir, tmp_path_factory.mktemp("docker") / "svc", "database=sqlite")


def answer(project: Path, name: str) -> str:
    answers = yaml.safe_load((project / ".copier-answers.yml").read_text(encoding="utf-8"))
    return str(answers[name])


def broker(project: Path) -> str:
    """The task queue's broker; the answers file holds none when there is no queue."""
    answers = yaml.safe_load((project / ".copier-answers.yml").read_text(encoding="utf-8"))
    return str(answers.get("task_broker", "redis"))


def test_static_checks_pass(project: Path) -> None:
    assert docker_checks.docker_problems(project) == []


def test_every_combination_with_docker_passes_the_static_checks(
    template_dir: Path, tmp_path: Path
) -> None:
    """Every row of the full set with Docker on. The Docker files read only a few answers (found
    in their syntax trees), so the rows fall into a few groups that render them byte for byte the
    same: one row of each group is rendered and checked."""
    rows = [row for row in matrix.select(OPTIONS, "full") if row["docker"]]
    templates = sorted((template_dir / "template").glob("{% if docker %}*"))
    assert len(templates) == len(DOCKER_FILES)
    reads = answers_read(
        templates, (question.name for question in matrix.option_questions(OPTIONS))
    )
    assert {"database", "python_version", "background_tasks"} <= set(reads)
    groups: dict[tuple[tuple[str, object], ...], list[matrix.Row]] = {}
    for row in rows:
        groups.setdefault(projection(row, reads), []).append(row)
    problems: dict[str, list[str]] = {}
    for number, members in enumerate(groups.values()):
        files = docker_files(template_dir, tmp_path / str(number), members[0])
        label = matrix.row_label(members[0], OPTIONS)
        found = docker_checks.docker_problems(tmp_path / str(number))
        if found:
            problems[f"{label} (and {len(members) - 1} rows like it)"] = found
        # A spot check of the grouping: another row of every 20th group renders the same files.
        if number % 20 == 0:
            assert docker_files(template_dir, tmp_path / f"{number}b", members[-1]) == files
    assert problems == {}
    assert sum(len(members) for members in groups.values()) == len(rows)


def docker_files(template_dir: Path, project: Path, row: matrix.Row) -> bytes:
    """The Docker files of `row`, rendered into `project`, as one byte string."""
    with contextlib.redirect_stderr(io.StringIO()):
        render_project(RenderRequest(template=str(template_dir), destination=project, data=row))
    return b"\0".join((project / name).read_bytes() for name in DOCKER_FILES)


def test_the_image_is_built_as_the_issue_asks(project: Path) -> None:
    dockerfile = (project / "Dockerfile").read_text(encoding="utf-8")
    python_version = answer(project, "python_version")
    assert f"ARG PYTHON_IMAGE=python:{python_version}-slim-bookworm\n" in dockerfile
    assert "ARG UV_IMAGE=" in dockerfile
    assert dockerfile.count("FROM ${PYTHON_IMAGE}") == 2  # builder and runtime
    assert "--mount=type=cache,target=/root/.cache/uv" in dockerfile
    assert "UV_COMPILE_BYTECODE=1" in dockerfile
    assert "uv sync --locked --no-dev --no-install-project" in dockerfile
    assert "\nUSER 10001:10001\n" in dockerfile
    assert "/health/live" in dockerfile.split("HEALTHCHECK", 1)[1]
    assert dockerfile.rstrip().endswith(
        f'CMD ["python", "-m", "{answer(project, "package_name")}"]'
    )
    assert ("COPY migrations ./migrations" in dockerfile) == (answer(project, "database") != "none")


def test_compose_holds_exactly_the_services_the_options_need(project: Path) -> None:
    compose = yaml.safe_load((project / "compose.yaml").read_text(encoding="utf-8"))
    expected = {
        "none": {"api"},
        "sqlite": {"api", "migrate"},
        "postgresql": {"api", "migrate", "db"},
        "mysql": {"api", "migrate", "db"},
    }[answer(project, "database")]
    expected |= QUEUE_SERVICES[answer(project, "background_tasks"), broker(project)]
    assert set(compose["services"]) == expected
    api = compose["services"]["api"]
    assert api["env_file"] == ".env"
    if "migrate" in expected:
        assert api["depends_on"]["migrate"] == {"condition": "service_completed_successfully"}
        assert compose["services"]["migrate"]["command"] == ["alembic", "upgrade", "head"]
    if "worker" in expected:
        worker = compose["services"]["worker"]
        assert "ports" not in worker
        assert "test" in worker["healthcheck"]
        assert worker["depends_on"]["redis"] == {"condition": "service_healthy"}
    if "db" in expected:
        assert "db-data" in compose["volumes"]
        assert "POSTGRES_PASSWORD=" in (project / ".env.example").read_text() or (
            "MARIADB_PASSWORD=" in (project / ".env.example").read_text()
        )


def pattern_regex(pattern: str) -> re.Pattern[str]:
    """A .dockerignore pattern as a regular expression: `**/` is any number of folders, `*` and
    `?` stay within one path segment, `[...]` is a character class."""
    regex = ""
    index = 0
    while index < len(pattern):
        if pattern.startswith("**/", index):
            regex, index = regex + "(?:.*/)?", index + 3
        elif pattern[index] == "*":
            regex, index = regex + "[^/]*", index + 1
        elif pattern[index] == "?":
            regex, index = regex + "[^/]", index + 1
        elif pattern[index] == "[":
            close = pattern.index("]", index)
            regex, index = regex + pattern[index : close + 1], close + 1
        else:
            regex, index = regex + re.escape(pattern[index]), index + 1
    return re.compile(regex)


def ignored(lines: list[str], path: str) -> bool:
    """Whether Docker leaves `path` out of the build context: the last line that matches the path,
    or a folder above it, decides."""
    parts = path.split("/")
    candidates = ["/".join(parts[: count + 1]) for count in range(len(parts))]
    result = False
    for line in lines:
        regex = pattern_regex(line.removeprefix("!").rstrip("/"))
        if any(regex.fullmatch(candidate) for candidate in candidates):
            result = not line.startswith("!")
    return result


def test_dockerignore_keeps_secrets_environments_caches_and_git_out(sqlite_project: Path) -> None:
    lines = [
        line
        for line in (sqlite_project / ".dockerignore").read_text(encoding="utf-8").splitlines()
        if line and not line.startswith("#")
    ]
    for path in (".env", ".venv/bin/python", ".tools/bin/uv", ".git/HEAD", ".mypy_cache/x",
                 "src/my_service/__pycache__/app.cpython-312.pyc", "my_service.db", "tests/x.py",
                 "htmlcov/index.html"):  # fmt: skip
        assert ignored(lines, path), path
    for path in ("pyproject.toml", "uv.lock", "README.md", "src/my_service/main.py",
                 "alembic.ini", "migrations/versions/0001_create_items.py"):  # fmt: skip
        assert not ignored(lines, path), path


def test_without_docker_no_docker_file_is_rendered(template_dir: Path, tmp_path: Path) -> None:
    project = render(template_dir, tmp_path / "svc", "docker=false", "database=postgresql")
    for name in (*DOCKER_FILES, "src/svc/__main__.py", "tests/test_main_module.py"):
        assert not (project / name).exists(), name
    assert "docker" not in (project / "Makefile").read_text(encoding="utf-8")
    assert "POSTGRES_PASSWORD" not in (project / ".env.example").read_text(encoding="utf-8")


def broken_copy(project: Path, tmp_path: Path, name: str, old: str, new: str) -> Path:
    copy = tmp_path / "broken"
    shutil.copytree(project, copy)
    path = copy / name
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} is not in {name}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return copy


@pytest.mark.parametrize(
    ("name", "old", "new", "problem"),
    [
        ("Dockerfile", "USER 10001:10001", "USER app", "DL3066"),
        ("Dockerfile", "FROM ${PYTHON_IMAGE} AS builder", "FROM python AS builder", "DL3006"),
        ("compose.yaml", "  env_file: .env", "  env_files: .env", "schema: services/api"),
        ("compose.yaml", "      migrate:\n", "      migrations:\n", "migrations, which does not"),
        ("compose.yaml", "app-data:/app/data", "data:/app/data", "volume data, which is not"),
        (
            "compose.yaml",
            '    command: ["alembic"',
            '    ports: ["9000:9000"]\n    command: ["alembic"',
            "service migrate publishes a port",
        ),
        ("compose.yaml", "service_completed_successfully", "service_started", "must wait for"),
        (
            "compose.yaml",
            "\nvolumes:",
            "\n  cache:\n    image: redis:7\n\nvolumes:",
            "service cache has no health check",
        ),
        (
            "compose.yaml",
            "ENVIRONMENT: production",
            "ENVIRONMENT: production\n    API_TOKEN: abc",
            "writes the secret API_TOKEN",
        ),
        ("compose.dev.yaml", "  migrate:", "  migrator:", "overrides no service"),
    ],
)
def test_each_check_finds_its_fault(
    sqlite_project: Path, tmp_path: Path, name: str, old: str, new: str, problem: str
) -> None:
    broken = broken_copy(sqlite_project, tmp_path, name, old, new)
    problems = docker_checks.docker_problems(broken)
    assert any(problem in line for line in problems), problems


def test_a_password_in_a_database_url_is_found() -> None:
    compose = {"services": {"api": {"environment": {"URL": "postgresql://app:hunter2@db/app"}}}}
    assert docker_checks.secret_problems(compose) == [
        "service api writes a password in the URL of URL"
    ]
