"""Requests per second of `GET /api/v1/items/{id}`: the generated service against a minimal
hand-written FastAPI + SQLAlchemy endpoint (db_minimal_app.py), on SQLite and on PostgreSQL.

It renders the service from this checkout's template, builds one environment with uv, migrates a
database for each (SQLite: a file; PostgreSQL: a new database, dropped at the end), stores one
item, and serves the four apps side by side, one uvicorn process each (uvloop, httptools, no
access log). wrk then loads them on loopback in interleaved rounds; the table gives the median
of the rounds and the generated service's share of the minimal endpoint's rate.

Run: python benchmarks/db_read.py [--rounds 5] [--seconds 10] [--connections 32]
Needs wrk (`apt-get install wrk`), uv (the dev extra), and PostgreSQL at FASTGEN_POSTGRESQL_URL
(default postgresql+asyncpg://postgres@127.0.0.1:5432/postgres).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import tomllib
import urllib.request
import uuid
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import uv
from wrk_load import pinned, wrk

from fastgen.template_source import copy_template_files

REPO_ROOT = Path(__file__).resolve().parents[1]
BENCHMARKS = Path(__file__).resolve().parent
FASTGEN = str(Path(sys.executable).parent / "fastgen")
SERVER_URL = os.environ.get(
    "FASTGEN_POSTGRESQL_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"
)
PREFIX = "MY_SERVICE_"
TARGET = 0.9
DATABASES = ("sqlite", "postgresql")
# Creates and drops the scratch database with the project's own driver.
SQL_STATEMENT = str(REPO_ROOT / "tests" / "sql_statement.py")


def run(
    command: list[str], cwd: Path | None = None, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, cwd=cwd, env=env, check=True, capture_output=True, text=True)


def copy_template(scratch: Path) -> Path:
    """The working tree's template as a plain folder, so uncommitted changes are measured."""
    return copy_template_files(REPO_ROOT, scratch / "template")


def render(scratch: Path, template: Path, database: str, middleware: str) -> Path:
    """The service with `database`; `middleware` is "default" or "none" (`--data middleware=[]`)."""
    project = scratch / f"service-{database}-{middleware}"
    answers = [f"database={database}"] + (["middleware=[]"] if middleware == "none" else [])
    data = [arg for answer in answers for arg in ("--data", answer)]
    run(
        [FASTGEN, "new", str(project), "--defaults", "--no-git", "--template", str(template), *data]
    )
    return project


def environment(scratch: Path, projects: list[Path]) -> Path:
    """One virtual environment with the runtime dependencies of every project."""
    requirements = sorted(
        {
            requirement
            for project in projects
            for requirement in tomllib.loads((project / "pyproject.toml").read_text())["project"][
                "dependencies"
            ]
        }
    )
    venv = scratch / "venv"
    env = os.environ | {"PYENV_VERSION": os.environ.get("PYENV_VERSION", "3.11.7:3.12.1:3.13.0")}
    run([uv.find_uv_bin(), "venv", "--quiet", "--python", "3.12", str(venv)], env=env)
    run(
        [uv.find_uv_bin(), "pip", "install", "--quiet", "--python", str(venv), *requirements],
        env=env,
    )
    return venv / "bin" / "python"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@contextmanager
def postgresql_database(python: Path) -> Iterator[str]:
    name = f"bench_{uuid.uuid4().hex[:12]}"
    run([str(python), SQL_STATEMENT, SERVER_URL, f"CREATE DATABASE {name}"])
    try:
        yield SERVER_URL.rsplit("/", 1)[0] + f"/{name}"
    finally:
        run([str(python), SQL_STATEMENT, SERVER_URL, f"DROP DATABASE {name} WITH (FORCE)"])


@contextmanager
def serve(
    python: Path, app: str, cwd: Path, env: dict[str, str], cpu: int | None = None
) -> Iterator[tuple[str, int]]:
    """One uvicorn process serving `app` (pinned to core `cpu` if given); yields its base URL and
    process id once it answers."""
    port = free_port()
    command = [
        *pinned(cpu),
        str(python),
        "-m",
        "uvicorn",
        app,
        "--port",
        str(port),
        "--no-access-log",
        "--log-level",
        "warning",
        "--loop",
        "uvloop",
        "--http",
        "httptools",
    ]
    server = subprocess.Popen(command, cwd=cwd, env=env)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                urllib.request.urlopen(base + "/docs", timeout=1).close()  # noqa: S310 - loopback
                break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise RuntimeError(f"{app} did not start") from None
                time.sleep(0.2)
        yield base, server.pid  # taskset execs the server: one process id
    finally:
        server.terminate()
        server.wait(timeout=30)


def create_item(base: str) -> str:
    body = json.dumps({"name": "Widget", "description": "A widget", "price": "9.99"}).encode()
    request = urllib.request.Request(  # noqa: S310 - loopback
        base + "/api/v1/items", data=body, headers={"content-type": "application/json"}
    )
    with urllib.request.urlopen(request) as response:  # noqa: S310 - loopback
        location: str = response.headers["location"]
    return location.removeprefix(base)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=32)
    options = parser.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("db_read.py needs wrk: apt-get install wrk")

    with tempfile.TemporaryDirectory() as tmp, ExitStack() as stack:
        scratch = Path(tmp)
        template = copy_template(scratch)
        projects = {
            (database, middleware): render(scratch, template, database, middleware)
            for database in DATABASES
            for middleware in ("none", "default")
        }
        python = environment(scratch, list(projects.values()))
        urls = {
            "sqlite": f"sqlite+aiosqlite:///{scratch / 'items.db'}",
            "postgresql": stack.enter_context(postgresql_database(python)),
        }
        targets: dict[str, str] = {}
        for (database, middleware), project in projects.items():
            env = os.environ | {
                f"{PREFIX}DATABASE_URL": urls[database],
                f"{PREFIX}ENVIRONMENT": "production",
                f"{PREFIX}LOG_LEVEL": "WARNING",
                f"{PREFIX}DOCS_ENABLED": "true",
                "PYTHONPATH": str(project / "src"),
                "BENCH_DATABASE_URL": urls[database],
            }
            generated, _ = stack.enter_context(serve(python, "my_service.main:app", project, env))
            if middleware == "none":  # the first of the database's two: it creates the item
                run([str(python), "-m", "alembic", "upgrade", "head"], cwd=project, env=env)
                path = create_item(generated)
                minimal, _ = stack.enter_context(
                    serve(python, "db_minimal_app:app", BENCHMARKS, env)
                )
                targets[f"minimal endpoint, {database}"] = minimal + path
            targets[f"generated service, {database}, middleware {middleware}"] = generated + path

        for url in targets.values():  # warm up: connections, caches, the JIT of nothing
            wrk(url, seconds=2, connections=options.connections, threads=2)
        rates: dict[str, list[float]] = {label: [] for label in targets}
        for number in range(1, options.rounds + 1):
            for label, url in targets.items():
                report = wrk(
                    url, seconds=options.seconds, connections=options.connections, threads=2
                )
                rates[label].append(report.rate)
            print(
                f"round {number}: " + ", ".join(f"{r[-1]:,.0f}" for r in rates.values()),
                file=sys.stderr,
            )

    medians = {label: statistics.median(values) for label, values in rates.items()}
    print(
        f"\n`GET /api/v1/items/{{id}}`, medians of {options.rounds} interleaved rounds of "
        f"{options.seconds} s, wrk -t2 -c{options.connections}, one uvicorn process each\n"
    )
    print("| database | app | requests/s | vs minimal |")
    print("|---|---|---:|---:|")
    ok = True
    for database in DATABASES:
        minimal_rate = medians[f"minimal endpoint, {database}"]
        print(f"| {database} | minimal endpoint | {minimal_rate:,.0f} | 1.00 |")
        for middleware in ("none", "default"):
            generated_rate = medians[f"generated service, {database}, middleware {middleware}"]
            ratio = generated_rate / minimal_rate
            if middleware == "none":
                ok = ok and ratio >= TARGET
            label = "generated, no middleware" if middleware == "none" else "generated, defaults"
            print(f"| {database} | {label} | {generated_rate:,.0f} | {ratio:.2f} |")
    verdict = "met" if ok else "NOT met"
    print(f"\ntarget: the generated service without middleware >= {TARGET} x minimal: {verdict}")


if __name__ == "__main__":
    main()
