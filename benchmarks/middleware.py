"""What the middleware option costs: requests per second of generated services, side by side.

Renders the service (database none, so the numbers are the HTTP stack's, not a database's) with
every middleware, with none, and with each one alone; adds the service with only the headers the
seven add, as constants (what sending them costs), the same stack written with Starlette's
`BaseHTTPMiddleware`, and bare Starlette and FastAPI apps returning the same JSON. Each runs in one
uvicorn process (uvloop, httptools, uvicorn's access log off; the service's own log at INFO, to
/dev/null); wrk loads them on loopback in interleaved rounds, and each figure is the median.
On a machine with two cores or more the servers run on core 1 and wrk on core 0: the server is
CPU-bound, and sharing its core with the load generator would make its rate the scheduler's.

Run: python benchmarks/middleware.py [--rounds 9] [--seconds 2] [--environments DIR]
Needs wrk (`apt-get install -y wrk`).
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from wrk_load import pinned, wrk

from fastgen.environments import PreparedEnvironments
from fastgen.matrix_command import default_environments_root

REPO_ROOT = Path(__file__).resolve().parents[1]
FASTGEN = str(Path(sys.executable).parent / "fastgen")
MIDDLEWARE = ("cors", "gzip", "request_id", "timing", "security_headers", "trusted_host")
ALL = (*MIDDLEWARE, "access_log")
PATHS = ("/health/live", "/api/v1/items")

BARE_APPS = """
from fastapi import FastAPI
from starlette.applications import Starlette
from starlette.responses import JSONResponse
from starlette.routing import Route


async def live(request):
    return JSONResponse({"status": "ok"})


starlette_app = Starlette(routes=[Route("/health/live", live)])
fastapi_app = FastAPI()


@fastapi_app.get("/health/live")
async def fastapi_live() -> dict[str, str]:
    return {"status": "ok"}
"""

# The same seven, as BaseHTTPMiddleware; CORS and gzip are Starlette's pure ASGI classes here.
BASE_HTTP_STACK = """
import logging
import re
import uuid
from time import perf_counter

from starlette.middleware import Middleware
from starlette.middleware.base import BaseHTTPMiddleware
from starlette.middleware.cors import CORSMiddleware
from starlette.middleware.gzip import GZipMiddleware
from starlette.responses import JSONResponse

from my_service.app import create_app
from my_service.core.context import request_id_var

SAFE = re.compile(r"[A-Za-z0-9._:-]{1,64}")
HOSTS = {"localhost", "127.0.0.1"}
logger = logging.getLogger("access")


async def request_id(request, call_next):
    incoming = request.headers.get("x-request-id", "")
    value = incoming if SAFE.fullmatch(incoming) else uuid.uuid4().hex
    token = request_id_var.set(value)
    try:
        response = await call_next(request)
    finally:
        request_id_var.reset(token)
    response.headers["x-request-id"] = value
    return response


async def access_log(request, call_next):
    started = perf_counter()
    response = await call_next(request)
    logger.info("%s %s %d %.2fms", request.method, request.url.path, response.status_code,
                (perf_counter() - started) * 1000)
    return response


async def timing(request, call_next):
    started = perf_counter()
    response = await call_next(request)
    response.headers["server-timing"] = "app;dur=%.3f" % ((perf_counter() - started) * 1000)
    return response


async def security_headers(request, call_next):
    response = await call_next(request)
    response.headers["x-content-type-options"] = "nosniff"
    response.headers["x-frame-options"] = "DENY"
    response.headers["referrer-policy"] = "strict-origin-when-cross-origin"
    response.headers["content-security-policy"] = "default-src 'none'; frame-ancestors 'none'"
    return response


async def trusted_host(request, call_next):
    if request.headers.get("host", "").split(":")[0] not in HOSTS:
        return JSONResponse({"error": "bad host"}, status_code=400)
    return await call_next(request)


app = create_app()
app.user_middleware = [
    Middleware(BaseHTTPMiddleware, dispatch=request_id),
    Middleware(BaseHTTPMiddleware, dispatch=access_log),
    Middleware(BaseHTTPMiddleware, dispatch=timing),
    Middleware(BaseHTTPMiddleware, dispatch=security_headers),
    Middleware(BaseHTTPMiddleware, dispatch=trusted_host),
    Middleware(CORSMiddleware, allow_origins=()),
    Middleware(GZipMiddleware, minimum_size=1000, compresslevel=6),
]
"""


# The floor under the seven: the service without middleware, and one pure ASGI layer that adds the
# response headers the seven add to these requests, as constants. It does none of their work, so
# the gap between it and none is what sending those headers costs (uvicorn checks and writes each).
CONSTANT_HEADERS = """
from my_service.main import app as service

HEADERS = [
    (b"vary", b"Origin"),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"strict-origin-when-cross-origin"),
    (b"content-security-policy", b"default-src 'none'; frame-ancestors 'none'"),
    (b"server-timing", b"app;dur=0.100"),
    (b"x-request-id", b"0123456789abcdef0123456789abcdef"),
]


async def app(scope, receive, send):
    if scope["type"] != "http":
        await service(scope, receive, send)
        return

    async def send_with_headers(message):
        if message["type"] == "http.response.start":
            message["headers"] = [*message.get("headers", ()), *HEADERS]
        await send(message)

    await service(scope, receive, send_with_headers)
"""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def render(destination: Path, middleware: tuple[str, ...]) -> Path:
    choice = "[" + ", ".join(middleware) + "]"
    subprocess.run(
        [FASTGEN, "new", str(destination), "--defaults", "--no-git", "--template", str(REPO_ROOT),
         "--data", "database=none", "--data", f"middleware={choice}"],
        check=True, capture_output=True,
    )  # fmt: skip
    return destination


# The server's core and the load generator's, when there are two.
SERVER_CPU, WRK_CPU = (1, 0) if (os.cpu_count() or 1) >= 2 else (None, None)


class Server:
    def __init__(self, name: str, python: Path, cwd: Path, app: str) -> None:
        self.name, self.port = name, free_port()
        env = dict(os.environ, PYTHONPATH=f"{cwd / 'src'}:{cwd}", MY_SERVICE_LOG_LEVEL="INFO")
        self.process = subprocess.Popen(
            [*pinned(SERVER_CPU), str(python), "-m", "uvicorn", app, "--port", str(self.port),
             "--no-access-log", "--loop", "uvloop", "--http", "httptools",
             "--log-level", "warning"],
            cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip

    def wait(self) -> None:
        for _ in range(600):
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.1).close()
                return
            except OSError:
                time.sleep(0.1)
        raise SystemExit(f"{self.name} did not start")

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)


def paths_of(server: Server) -> tuple[str, ...]:
    """The bare apps serve only the liveness JSON."""
    return ("/health/live",) if server.name.startswith("bare") else PATHS


def load(port: int, path: str, seconds: int, connections: int) -> float:
    url = f"http://127.0.0.1:{port}{path}"
    return wrk(url, seconds=seconds, connections=connections, cpu=WRK_CPU).rate


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    # Many short rounds: one server process's rate wanders by about 15% from one run of a few
    # seconds to the next on this VM, so the median needs many samples more than long ones.
    parser.add_argument("--rounds", type=int, default=9)
    parser.add_argument("--seconds", type=int, default=2)
    parser.add_argument("--connections", type=int, default=50)
    parser.add_argument("--environments", type=Path, default=default_environments_root())
    options = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is missing: apt-get install -y wrk")
    work = Path(tempfile.mkdtemp(prefix="fastgen-mw-bench-"))
    variants = {"all seven": ALL, "none": (), **{f"{name} alone": (name,) for name in ALL}}
    projects = {name: render(work / f"p{i}", mw) for i, (name, mw) in enumerate(variants.items())}
    python = PreparedEnvironments(options.environments).python_for(projects["none"])
    (work / "bare.py").write_text(BARE_APPS, encoding="utf-8")
    (projects["none"] / "base_http_stack.py").write_text(BASE_HTTP_STACK, encoding="utf-8")
    (projects["none"] / "constant_headers.py").write_text(CONSTANT_HEADERS, encoding="utf-8")
    servers = [Server(name, python, path, "my_service.main:app") for name, path in projects.items()]
    servers += [
        Server("the seven's headers alone", python, projects["none"], "constant_headers:app"),
        Server("all seven as BaseHTTPMiddleware", python, projects["none"], "base_http_stack:app"),
        Server("bare Starlette", python, work, "bare:starlette_app"),
        Server("bare FastAPI", python, work, "bare:fastapi_app"),
    ]
    results: dict[tuple[str, str], list[float]] = {}
    try:
        for server in servers:
            server.wait()
            for path in paths_of(server):  # warm-up: first requests fill caches, import lazily
                load(server.port, path, seconds=1, connections=10)
        for round_number in range(1, options.rounds + 1):
            for path in PATHS:
                for server in servers:
                    if path not in paths_of(server):
                        continue
                    rate = load(server.port, path, options.seconds, options.connections)
                    results.setdefault((server.name, path), []).append(rate)
            print(f"round {round_number} of {options.rounds} done", file=sys.stderr)
    finally:
        for server in servers:
            server.stop()
        shutil.rmtree(work, ignore_errors=True)
    print_table(results, [server.name for server in servers])


def print_table(results: dict[tuple[str, str], list[float]], names: list[str]) -> None:
    medians = {key: statistics.median(values) for key, values in results.items()}
    print("| service | " + " | ".join(f"`GET {p}` req/s | vs none" for p in PATHS) + " |")
    print("|---|" + "---:|---:|" * len(PATHS))
    for name in names:
        cells = []
        for path in PATHS:
            rate = medians.get((name, path))
            base = medians[("none", path)]
            cells += ["", ""] if rate is None else [f"{rate:,.0f}", f"{rate / base:.2f}"]
        print(f"| {name} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
