"""Celery and taskiq side by side on Redis: how fast the API queues tasks, and how long a task
takes from its request to done.

It renders the service twice from this checkout's template (`background_tasks=celery` and
`taskiq`, database none, no middleware), syncs each project's environment with uv, and runs each
one's API (one uvicorn process) and one worker process (Celery: the solo pool; taskiq: one worker
process), each pair on a queue and key prefix of its own, removed at the end.

1. Latency, queue empty: one client queues a no-op task (`POST /api/v1/tasks/pings`) and polls
   `GET /api/v1/tasks/{id}` every millisecond until it is done; the median and 99th percentile
   over the tasks, the two services taking turns.
2. Throughput: wrk posts to the queueing endpoint for a few seconds (the workers drain what they
   can meanwhile); the median of interleaved rounds.

Run: python benchmarks/tasks.py [--tasks 300] [--rounds 3] [--seconds 5] [--connections 16]
Needs wrk (`apt-get install wrk`), uv (the dev extra) and Redis at BENCH_REDIS_URL (default
redis://127.0.0.1:6379/0).
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import uv
from wrk_load import wrk

from fastgen.processes import stop_process_group
from fastgen.template_source import copy_template_files

REPO_ROOT = Path(__file__).resolve().parents[1]
FASTGEN = str(Path(sys.executable).parent / "fastgen")
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/0")
PREFIX = "MY_SERVICE_"
ENGINES = ("celery", "taskiq")
PINGS = "/api/v1/tasks/pings"
WORKERS = {
    "celery": ["celery", "--app", "my_service.tasks.worker", "worker", "--pool", "solo",
               "--without-gossip", "--without-mingle", "--without-heartbeat",
               "--loglevel", "WARNING"],
    "taskiq": ["taskiq", "worker", "my_service.tasks.worker:broker", "my_service.tasks.jobs",
               "--workers", "1", "--log-level", "WARNING"],
}  # fmt: skip
POST_SCRIPT = 'wrk.method = "POST"\n'


def run(command: list[str], cwd: Path | None = None) -> None:
    subprocess.run(command, cwd=cwd, check=True, capture_output=True, text=True)


def render(scratch: Path, engine: str) -> Path:
    """The service with `engine`, from the working tree's template (uncommitted changes too)."""
    template = scratch / "template"
    if not template.exists():
        copy_template_files(REPO_ROOT, template)
    project = scratch / engine
    answers = [f"background_tasks={engine}", "database=none", "middleware=[]", "docker=false"]
    data = [arg for answer in answers for arg in ("--data", answer)]
    run(
        [FASTGEN, "new", str(project), "--defaults", "--no-git", "--template", str(template), *data]
    )
    run([uv.find_uv_bin(), "sync", "--quiet", "--no-dev"], cwd=project)
    return project


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def process(command: list[str], project: Path, env: dict[str, str]) -> Iterator[None]:
    """A process of the project's environment, stopped with everything it started."""
    binary = str(project / ".venv" / "bin" / command[0])
    started = subprocess.Popen(
        [binary, *command[1:]], cwd=project, env=env, start_new_session=True,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        yield
    finally:
        stop_process_group(started)


def request(connection: http.client.HTTPConnection, method: str, path: str) -> dict[str, object]:
    connection.request(method, path)
    response = connection.getresponse()
    body: dict[str, object] = json.loads(response.read())
    if response.status >= 300:
        raise SystemExit(f"{method} {path} answered {response.status}: {body}")
    return body


def wait_for_api(port: int) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            request(connection, "GET", "/health/live")
            return
        except OSError:
            time.sleep(0.1)
    raise SystemExit(f"the API on port {port} did not start")


def latency(port: int) -> float:
    """Seconds from queueing a no-op task to reading it done (polled every millisecond)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    started = time.perf_counter()
    task_id = request(connection, "POST", PINGS)["id"]
    deadline = started + 30
    while request(connection, "GET", f"/api/v1/tasks/{task_id}")["state"] != "succeeded":
        if time.perf_counter() > deadline:
            raise SystemExit(f"task {task_id} on port {port} did not finish in 30 s")
        time.sleep(0.001)
    return time.perf_counter() - started


REMOVE_KEYS = """
import sys, redis
with redis.Redis.from_url(sys.argv[1]) as client:
    for prefix in sys.argv[2:]:
        keys = list(client.scan_iter(match=prefix + "*"))
        if keys:
            client.delete(*keys)
"""


def remove_keys(project: Path, prefixes: list[str]) -> None:
    """Delete the queues' keys, with the project's Redis client (fastgen's own has none)."""
    python = str(project / ".venv" / "bin" / "python")
    run([python, "-c", REMOVE_KEYS, REDIS_URL, *prefixes])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tasks", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--connections", type=int, default=16)
    options = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="fastgen-tasks-") as folder, ExitStack() as stack:
        scratch = Path(folder)
        script = scratch / "post.lua"
        script.write_text(POST_SCRIPT, encoding="utf-8")
        ports: dict[str, int] = {}
        queues = {engine: f"bench-{engine}-{uuid.uuid4().hex[:8]}" for engine in ENGINES}
        for engine in ENGINES:
            project = render(scratch, engine)
            if engine == ENGINES[0]:
                stack.callback(remove_keys, project, list(queues.values()))
            env = {key: value for key, value in os.environ.items() if key != "VIRTUAL_ENV"}
            env |= {
                f"{PREFIX}BROKER_URL": REDIS_URL,
                f"{PREFIX}RESULT_BACKEND_URL": REDIS_URL,
                f"{PREFIX}TASK_QUEUE": queues[engine],
                f"{PREFIX}LOG_LEVEL": "WARNING",
            }
            ports[engine] = free_port()
            api = ["uvicorn", "my_service.main:app", "--port", str(ports[engine]),
                   "--no-access-log", "--log-level", "warning"]  # fmt: skip
            stack.enter_context(process(api, project, env))
            stack.enter_context(process(WORKERS[engine], project, env))
        for engine in ENGINES:
            wait_for_api(ports[engine])
            latency(ports[engine])  # the worker is up, connections are open

        latencies: dict[str, list[float]] = {engine: [] for engine in ENGINES}
        for _ in range(options.tasks):
            for engine in ENGINES:
                latencies[engine].append(latency(ports[engine]))
        rates: dict[str, list[float]] = {engine: [] for engine in ENGINES}
        for _ in range(options.rounds):
            for engine in ENGINES:
                url = f"http://127.0.0.1:{ports[engine]}{PINGS}"
                report = wrk(
                    url,
                    seconds=options.seconds,
                    connections=options.connections,
                    script=str(script),
                )
                rates[engine].append(report.rate)

    print("| engine | queued/s (HTTP 202) | request to done, median | p99 |")
    print("|---|---:|---:|---:|")
    for engine in ENGINES:
        times = sorted(latencies[engine])
        p99 = times[min(len(times) - 1, round(0.99 * len(times)) - 1)]
        print(
            f"| {engine} | {statistics.median(rates[engine]):,.0f} "
            f"| {statistics.median(times) * 1000:.1f} ms | {p99 * 1000:.1f} ms |"
        )


if __name__ == "__main__":
    main()
