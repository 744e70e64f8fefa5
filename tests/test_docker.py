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
from contextlib import contextmanager
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
ROWS = ["sqlite", "postgresql"]
POSTGRES_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"


BUILDAH_STATUS = re.compile(r"subprocess exited with status \d+|Error: exit status \d+")


class Image(NamedTuple):
    tag: str
    package: str
    database: str


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


@pytest.fixture(scope="module", params=ROWS)
def image(
    request: pytest.FixtureRequest,
    tools: None,
    template_dir: Path,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Image]:
    """The built image of a rendered project."""
    database = request.param
    project = render(
        template_dir,
        tmp_path_factory.mktemp("image") / "svc",
        f"database={database}",
        f"python_version={docker_standins.STANDIN_PYTHON}",
    )
    args = arg_defaults(project / "Dockerfile")
    docker_standins.python_standin(full_name(args["PYTHON_IMAGE"]))
    docker_standins.uv_standin(full_name(args["UV_IMAGE"]))
    # What `make docker-build` does: lock, then build.
    run([UV, "lock", "--quiet"], cwd=project, env=uv_environment())
    tag = f"localhost/fastgen-test/{database}-{uuid.uuid4().hex[:8]}"
    build = ["podman", "build", "--isolation", "chroot", "--pull=never", "--format", "docker"]
    run([*build, "--tag", tag, "."], cwd=project, timeout=900)
    answers = yaml.safe_load((project / ".copier-answers.yml").read_text(encoding="utf-8"))
    yield Image(tag, answers["package_name"], database)
    subprocess.run(["podman", "rmi", "--force", tag], capture_output=True, check=False)


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


@contextmanager
def serving(name: str, command: list[str], env: dict[str, str]) -> Iterator[str]:
    """The image's command running in the background; yields its loopback base URL once live."""
    port = free_port()
    arguments = [item for key, value in env.items() for item in ("--env", f"{key}={value}")]
    arguments += ["--env", f"UVICORN_PORT={port}"]
    log = Path(tempfile.mkstemp(prefix="fastgen-serve-", suffix=".log")[1])
    with log.open("w") as output:
        process = subprocess.Popen(
            ["buildah", "run", "--isolation", "chroot", *arguments, name, "--", *command],
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    base = f"http://127.0.0.1:{port}"
    try:
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
    finally:
        stop_process_group(process)
        log.unlink(missing_ok=True)


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
    env = {f"{package.upper()}_ENVIRONMENT": "production", f"{package.upper()}_LOG_FORMAT": "json"}
    with container(tag) as name, database_url_for(image, name) as database_url:
        if database_url:
            env[f"{package.upper()}_DATABASE_URL"] = database_url
        # The migrate service's command, then the API's.
        migrated = inside(name, env, "alembic", "upgrade", "head")
        assert migrated.returncode == 0, migrated.stdout + migrated.stderr
        with serving(name, command, env) as base:
            assert get(base + "/health/live") == (200, b'{"status":"ok"}')
            status, body = get(base + "/health/ready")
            assert status == 200, body
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
def database_url_for(image: Image, name: str) -> Iterator[str | None]:
    """A database for the image's service on this machine's server; None keeps its default."""
    if image.database == "postgresql":
        with postgres_database(name) as url:
            yield url
    else:
        yield None


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
