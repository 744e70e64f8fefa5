"""A real build of the generated Dockerfile, and the service started in the image as its CMD would.

No Docker engine and no registry here: podman builds with `--isolation chroot` against local
stand-ins for the base images (tests/docker_standins.py), tagged with the names the Dockerfile's
ARG defaults give, so the Dockerfile builds unchanged; `buildah run --isolation chroot` runs the
image's command on the host's network, on a free loopback port.
"""

from __future__ import annotations

import json
import re
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import NamedTuple

import pytest
import yaml

from fastgen.environments import uv_environment
from fastgen.processes import stop_process_group
from tests import docker_standins
from tests.conftest import UV, render, run

pytestmark = pytest.mark.slow

# The stand-in is Debian bookworm, whose Python is 3.11: the rows build for it.
POSTGRES_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"
REDIS_URL = "redis://127.0.0.1:6379/0"
QUEUES = {"celery", "taskiq"}


BUILDAH_STATUS = re.compile(r"subprocess exited with status \d+|Error: exit status \d+")


class Row(NamedTuple):
    database: str
    background_tasks: str


# The representative rows: SQLite with builtin tasks, and PostgreSQL with a Celery queue on Redis.
ROWS = [Row("sqlite", "builtin"), Row("postgresql", "celery")]
QUEUE_ROW = ROWS[1]


class Image(NamedTuple):
    tag: str
    package: str
    row: Row
    project: Path


def full_name(image: str) -> str:
    """The name podman stores a Docker Hub short name under."""
    first = image.split("/", 1)[0]
    if "/" not in image:
        return f"docker.io/library/{image}"
    if "." not in first and ":" not in first and first != "localhost":
        return f"docker.io/{image}"
    return image


def arg_defaults(dockerfile: Path) -> dict[str, str]:
    text = dockerfile.read_text(encoding="utf-8")
    return dict(re.findall(r"^ARG (\w+)=(\S+)$", text, re.MULTILINE))


@pytest.fixture(scope="module")
def tools() -> None:
    missing = docker_standins.missing_tools()
    if missing:
        pytest.fail(
            f"needs {', '.join(missing)}: apt-get install podman buildah debootstrap "
            "(.ci/run installs them)",
            pytrace=False,
        )


@pytest.fixture(scope="module")
def images(
    tools: None, template_dir: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dict[Row, Image]]:
    """The images built so far, by row: each row is built once, on first use."""
    built: dict[Row, Image] = {}
    yield built
    for image in built.values():
        subprocess.run(["podman", "rmi", "--force", image.tag], capture_output=True, check=False)


def build_image(row: Row, images: dict[Row, Image], template_dir: Path, workdir: Path) -> Image:
    if row in images:
        return images[row]
    project = render(
        template_dir,
        workdir / "svc",
        f"database={row.database}",
        f"background_tasks={row.background_tasks}",
        f"python_version={docker_standins.STANDIN_PYTHON}",
    )
    args = arg_defaults(project / "Dockerfile")
    docker_standins.python_standin(full_name(args["PYTHON_IMAGE"]))
    docker_standins.uv_standin(full_name(args["UV_IMAGE"]))
    # What `make docker-build` does: lock, then build.
    run([UV, "lock", "--quiet"], cwd=project, env=uv_environment())
    tag = f"localhost/fastgen-test/{row.database}-{row.background_tasks}-{uuid.uuid4().hex[:8]}"
    build = ["podman", "build", "--isolation", "chroot", "--pull=never", "--format", "docker"]
    run([*build, "--tag", tag, "."], cwd=project, timeout=900)
    answers = yaml.safe_load((project / ".copier-answers.yml").read_text(encoding="utf-8"))
    images[row] = Image(tag, answers["package_name"], row, project)
    return images[row]


@pytest.fixture(scope="module", params=ROWS, ids=lambda row: "-".join(row))
def image(
    request: pytest.FixtureRequest,
    images: dict[Row, Image],
    template_dir: Path,
    tmp_path_factory: pytest.TempPathFactory,
) -> Image:
    """The built image of a rendered project."""
    return build_image(request.param, images, template_dir, tmp_path_factory.mktemp("image"))


@pytest.fixture(scope="module")
def queue_image(
    images: dict[Row, Image], template_dir: Path, tmp_path_factory: pytest.TempPathFactory
) -> Image:
    return build_image(QUEUE_ROW, images, template_dir, tmp_path_factory.mktemp("image"))


@contextmanager
def container(image: str) -> Iterator[str]:
    name = run(["buildah", "from", "--pull-never", image]).stdout.strip()
    try:
        yield name
    finally:
        subprocess.run(["buildah", "rm", name], capture_output=True, check=False)


def inside(
    name: str, env: dict[str, str], *command: str, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    arguments = [item for key, value in env.items() for item in ("--env", f"{key}={value}")]
    return run(
        ["buildah", "run", "--isolation", "chroot", *arguments, name, "--", *command],
        check=False,
        timeout=timeout,
    )


def output_of(name: str, *command: str) -> str:
    """The output of a short command in the container. buildah's chroot runner now and then loses
    the output of a process that exits at once, so an empty answer is asked again."""
    for _ in range(5):
        result = inside(name, {}, *command)
        assert result.returncode == 0, result.stderr
        if result.stdout.strip():
            return result.stdout.strip()
    return ""


def image_config(image: str) -> dict[str, object]:
    result = run(["podman", "image", "inspect", "--format", "{{json .Config}}", image])
    config: dict[str, object] = json.loads(result.stdout)
    return config


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def get(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 - loopback only
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def post(url: str) -> tuple[int, bytes]:
    request = urllib.request.Request(url, data=b"", method="POST")  # noqa: S310 - loopback only
    try:
        with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


@contextmanager
def running(
    name: str, command: list[str], env: dict[str, str]
) -> Iterator[tuple[subprocess.Popen[bytes], Path]]:
    """`command` running in the container in the background; yields the process and its log."""
    arguments = [item for key, value in env.items() for item in ("--env", f"{key}={value}")]
    log = Path(tempfile.mkstemp(prefix="fastgen-run-", suffix=".log")[1])
    with log.open("w") as output:
        process = subprocess.Popen(
            ["buildah", "run", "--isolation", "chroot", *arguments, name, "--", *command],
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        yield process, log
    finally:
        stop_process_group(process)
        log.unlink(missing_ok=True)


@contextmanager
def serving(name: str, command: list[str], env: dict[str, str]) -> Iterator[str]:
    """The image's command running in the background; yields its loopback base URL once live."""
    port = free_port()
    with running(name, command, env | {"UVICORN_PORT": str(port)}) as (process, log):
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if process.poll() is not None:
                pytest.fail(f"the service exited {process.returncode}:\n{log.read_text()}")
            try:
                get(base + "/health/live")
                break
            except OSError:
                time.sleep(0.3)
        else:
            pytest.fail(f"the service did not answer within 60 s:\n{log.read_text()}")
        yield base


@contextmanager
def postgres_database(name: str) -> Iterator[str]:
    """A new database on the local PostgreSQL, created and dropped with the image's asyncpg."""
    database = f"fastgen_docker_{uuid.uuid4().hex[:8]}"
    script = (
        "import asyncio, sys, asyncpg\n"
        "async def main():\n"
        f"    c = await asyncpg.connect({POSTGRES_ADMIN!r})\n"
        "    await c.execute(sys.argv[1])\n"
        "    await c.close()\n"
        "asyncio.run(main())\n"
    )
    created = inside(name, {}, "python", "-c", script, f"CREATE DATABASE {database}")
    assert created.returncode == 0, created.stderr
    try:
        yield f"postgresql+asyncpg://postgres@127.0.0.1:5432/{database}"
    finally:
        inside(name, {}, "python", "-c", script, f"DROP DATABASE IF EXISTS {database} WITH (FORCE)")


def test_the_image_runs_as_a_non_root_user(image: Image) -> None:
    tag = image.tag
    config = image_config(tag)
    assert config["User"] == "10001:10001"
    with container(tag) as name:
        assert output_of(name, "id", "-u") == "10001"
        # The application's files are not the app user's to change.
        assert inside(name, {}, "test", "-w", "/app/.venv/bin").returncode != 0


def test_the_service_serves_health_from_the_image(image: Image) -> None:
    tag, package = image.tag, image.package
    config = image_config(tag)
    command = config["Cmd"]
    assert isinstance(command, list)
    assert command == ["python", "-m", package]
    with container(tag) as name, service_env(image, name) as env:
        # The migrate service's command, then the API's.
        migrated = inside(name, env, "alembic", "upgrade", "head")
        assert migrated.returncode == 0, migrated.stdout + migrated.stderr
        with serving(name, command, env) as base:
            assert get(base + "/health/live") == (200, b'{"status":"ok"}')
            status, body = get(base + "/health/ready")
            assert status == 200, body
            expected = {"database"} if image.row.database != "none" else set()
            if image.row.background_tasks in QUEUES:
                expected |= {"task_broker", "task_results"}
            assert set(json.loads(body)["checks"]) == expected
            # The image's HEALTHCHECK command, run as the orchestrator would.
            healthcheck = run(
                ["podman", "image", "inspect", "--format", "{{json .HealthCheck}}", tag]
            )
            test = json.loads(healthcheck.stdout)["Test"]
            assert test[0] == "CMD"
            port = base.rsplit(":", 1)[1]
            probe = inside(name, {"UVICORN_PORT": port}, *test[1:])
            assert probe.returncode == 0, probe.stderr


@contextmanager
def service_env(image: Image, name: str) -> Iterator[dict[str, str]]:
    """Production settings for the image's service, on this machine's servers: a database and a
    task queue of the test's own where the row has them, removed afterwards."""
    prefix = f"{image.package.upper()}_"
    env = {f"{prefix}ENVIRONMENT": "production", f"{prefix}LOG_FORMAT": "json"}
    with ExitStack() as stack:
        if image.row.database == "postgresql":
            env[f"{prefix}DATABASE_URL"] = stack.enter_context(postgres_database(name))
        if image.row.background_tasks in QUEUES:
            queue = stack.enter_context(redis_queue(name))
            env |= {
                f"{prefix}BROKER_URL": REDIS_URL,
                f"{prefix}RESULT_BACKEND_URL": REDIS_URL,
                f"{prefix}TASK_QUEUE": queue,
            }
        yield env


@contextmanager
def redis_queue(name: str) -> Iterator[str]:
    """A queue name of the test's own; its keys on the local Redis are removed afterwards, with
    the image's own redis client."""
    queue = f"fastgen-docker-{uuid.uuid4().hex[:8]}"
    script = (
        "import sys, redis\n"
        f"client = redis.Redis.from_url({REDIS_URL!r})\n"
        "keys = list(client.scan_iter(match=sys.argv[1] + '*'))\n"
        "if keys:\n"
        "    client.delete(*keys)\n"
    )
    try:
        yield queue
    finally:
        inside(name, {}, "python", "-c", script, queue)


def test_a_worker_started_from_the_image_runs_a_queued_task(queue_image: Image) -> None:
    """The compose file's worker command, run in the image, takes a task queued through the API,
    and the compose file's health check of the worker passes while it runs."""
    compose = yaml.safe_load((queue_image.project / "compose.yaml").read_text(encoding="utf-8"))
    worker_command = compose["services"]["worker"]["command"]
    health_check = compose_command(compose["services"]["worker"]["healthcheck"]["test"])
    api_command = image_config(queue_image.tag)["Cmd"]
    assert isinstance(api_command, list)
    with (
        container(queue_image.tag) as name,
        service_env(queue_image, name) as env,
        running(name, worker_command, env) as (worker, worker_log),
        serving(name, api_command, env) as base,
    ):
        status, body = post(base + "/api/v1/tasks/pings")
        assert status == 202, body
        task_id = json.loads(body)["id"]
        deadline = time.monotonic() + 60
        state = "pending"
        while state not in {"succeeded", "failed"} and time.monotonic() < deadline:
            assert worker.poll() is None, worker_log.read_text()
            time.sleep(0.3)
            status, body = get(f"{base}/api/v1/tasks/{task_id}")
            assert status == 200, body
            state = json.loads(body)["state"]
        assert json.loads(body) == {
            "id": task_id,
            "state": "succeeded",
            "result": "pong",
            "error": None,
        }, worker_log.read_text()[-3000:]
        # Docker sets HOSTNAME to the container's host name, which the worker names its node after.
        hostname = output_of(name, "python", "-c", "import socket; print(socket.gethostname())")
        checked = inside(name, env | {"HOSTNAME": hostname}, *health_check)
        assert checked.returncode == 0, (
            hostname + checked.stdout + checked.stderr + worker_log.read_text()[-3000:]
        )


def compose_command(test: list[str]) -> list[str]:
    """A compose health check's `test` as the command Docker runs; `$$` is compose's `$`."""
    kind, *command = test
    if kind == "CMD-SHELL":
        return ["/bin/sh", "-c", command[0].replace("$$", "$")]
    assert kind == "CMD", test
    return command


def test_insecure_production_settings_stop_it_with_one_line(image: Image) -> None:
    tag, package = image.tag, image.package
    command = image_config(tag)["Cmd"]
    assert isinstance(command, list)
    env = {f"{package.upper()}_ENVIRONMENT": "production", f"{package.upper()}_DEBUG": "true"}
    with container(tag) as name:
        started = time.monotonic()
        result = inside(name, env, *command, timeout=60)
    assert result.returncode != 0
    assert time.monotonic() - started < 30  # it stops, and no supervisor restarts it
    # buildah reports the exit status itself; the rest is the container's log.
    lines = [
        line
        for line in (result.stdout + result.stderr).strip().splitlines()
        if not BUILDAH_STATUS.fullmatch(line)
    ]
    assert lines == [
        f"invalid settings: {package.upper()}_DEBUG must be false when "
        f"{package.upper()}_ENVIRONMENT is production"
    ]
