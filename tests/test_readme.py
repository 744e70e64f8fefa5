"""The README's first command makes a service and runs it; it answers GET /health/live."""

from __future__ import annotations

import json
import re
import shutil
import socket
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

from fastgen.environments import uv_environment
from fastgen.processes import stop_process_group
from tests.conftest import REPO_ROOT

STARTUP_SECONDS = 300


def readme_command(marker: str) -> str:
    """The shell command in the fenced block that follows `<!-- marker -->` in README.md."""
    readme = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    found = re.search(rf"<!-- {marker} -->\s*```sh\n(.+?)\n```", readme, re.DOTALL)
    assert found is not None, f"README.md has no command block marked {marker}"
    return found.group(1).strip()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def fresh_checkout(destination: Path) -> Path:
    """The working tree as a fresh clone would hold it: no virtualenvs, caches or git data."""
    ignore = shutil.ignore_patterns(
        ".git", ".venv", "__pycache__", ".*_cache", "*.egg-info", "dist", "my-service"
    )
    shutil.copytree(REPO_ROOT, destination, ignore=ignore)
    return destination


def wait_for_live(url: str, server: subprocess.Popen[bytes]) -> dict[str, object]:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        assert server.poll() is None, "the README command exited before the service answered"
        try:
            with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 - loopback URL
                assert response.status == 200
                body: dict[str, object] = json.loads(response.read())
                return body
        except (urllib.error.URLError, ConnectionError):
            time.sleep(1)
    raise AssertionError(f"nothing answered {url} within {STARTUP_SECONDS} s")


def test_readme_test_command_is_what_ci_runs() -> None:
    ci = (REPO_ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "test-command" in ci, ".ci/run must run the README's marked test command"
    assert readme_command("test-command")


def test_readme_command_one_makes_and_runs_a_service(tmp_path: Path) -> None:
    checkout = fresh_checkout(tmp_path / "fastgen")
    port = free_port()
    env = uv_environment() | {"PORT": str(port)}
    env.pop("VIRTUAL_ENV", None)
    log = (tmp_path / "server.log").open("wb")
    server = subprocess.Popen(
        ["bash", "-c", readme_command("run-command")],
        cwd=checkout,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        body = wait_for_live(f"http://127.0.0.1:{port}/health/live", server)
    except AssertionError as error:
        log.flush()
        output = (tmp_path / "server.log").read_text(encoding="utf-8", errors="replace")
        raise AssertionError(f"{error}\n--- output\n{output[-4000:]}") from error
    finally:
        stop_process_group(server, timeout=30)
        log.close()
    assert body == {"status": "ok"}
    assert (checkout / "my-service" / ".git").is_dir()
