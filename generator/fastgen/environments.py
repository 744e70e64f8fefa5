"""Prepared environments: one virtualenv per Python version and dependency set, shared by projects.

Rendered projects do not each install their dependencies; every project whose dependencies match
runs its tools in the same environment, built once with uv. A file lock lets parallel workers and
processes share them.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import tomllib
from collections.abc import Mapping
from pathlib import Path

from filelock import FileLock

from fastgen.errors import FastgenError

# pyenv keeps other Pythons out of sight unless told which to show; uv then finds them.
PYENV_VERSIONS = "3.11.7:3.12.1:3.13.0"


def uv_binary() -> str:
    """uv from the `uv` package when installed, else from PATH."""
    try:
        import uv  # optional: only the matrix runner and the tests need it
    except ImportError:
        found = shutil.which("uv")
        if found is None:
            raise FastgenError("uv is needed to prepare environments: pip install uv") from None
        return found
    return str(uv.find_uv_bin())


def uv_environment() -> dict[str, str]:
    """The process environment for uv, with every Python that pyenv holds visible to it."""
    env = dict(os.environ)
    env.setdefault("PYENV_VERSION", PYENV_VERSIONS)
    env.pop("VIRTUAL_ENV", None)
    return env


def project_environment(project: Path, base: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment `project`'s tools run in: none of the caller's virtualenv, no bytecode
    written into the project, and a temporary folder of its own beside it (created here).

    Projects tested side by side must not share one: each pytest run deletes the older numbered
    folders under `$TMPDIR/pytest-of-<user>`, including those another run is still using.
    """
    temporary = project.with_name(project.name + ".tmp")
    temporary.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ if base is None else base)
    env.pop("VIRTUAL_ENV", None)
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    env["TMPDIR"] = str(temporary)
    return env


def dependencies_of(pyproject: Path) -> list[str]:
    """The runtime and `dev` group requirements of a generated project."""
    config = tomllib.loads(pyproject.read_text(encoding="utf-8"))
    runtime: list[str] = config["project"]["dependencies"]
    dev: list[str] = config.get("dependency-groups", {}).get("dev", [])
    return sorted(runtime + dev)


def python_version_of(pyproject: Path) -> str:
    """The Python a generated project targets: the version in its `requires-python`."""
    config = tomllib.loads(pyproject.read_text(encoding="utf-8"))
    return str(config["project"]["requires-python"]).removeprefix(">=")


# What the generated pyproject.toml's `[tool.mypy] files` names.
MYPY_FOLDERS = ("src", "tests")


class PreparedEnvironments:
    """Shared environments under `root`, created on first use.

    `lowest` installs each declared requirement at its lower bound (uv's `lowest-direct`
    resolution), so that a project's tests can show that the bounds it declares hold."""

    def __init__(self, root: Path, *, lowest: bool = False) -> None:
        self.root = root
        self.lowest = lowest
        root.mkdir(parents=True, exist_ok=True)

    def python_for(self, project: Path) -> Path:
        """The interpreter of an environment that satisfies `project`'s dependencies."""
        pyproject = project / "pyproject.toml"
        requirements = dependencies_of(pyproject)
        python_version = python_version_of(pyproject)
        key = hashlib.sha256("\n".join(requirements).encode()).hexdigest()[:12]
        venv = self.root / f"py{python_version}-{key}{'-lowest' if self.lowest else ''}"
        complete = venv / ".prepared"
        with FileLock(str(venv) + ".lock"):
            if not complete.exists():
                self._create(venv, python_version, requirements, self.lowest)
                complete.write_text("\n".join(requirements) + "\n", encoding="utf-8")
        return venv / "bin" / "python"

    def mypy_cache(self, python: Path) -> Path:
        """A mypy cache shared by one environment's projects: third-party analysis is reused."""
        return python.parent.parent / ".mypy-cache"

    def mypy_arguments(self, python: Path, project: Path) -> list[str]:
        """`python`'s arguments for `mypy --strict` on `project` with the shared cache.

        The folders are given as absolute paths: mypy trusts a cached module whose recorded path,
        size and modification second match the file, and with the projects' relative paths two
        rows' different `stack.py` of equal size, written in the same second, would match."""
        cache = str(self.mypy_cache(python))
        folders = [str(project.resolve() / name) for name in MYPY_FOLDERS]
        return ["-m", "mypy", "--strict", "--cache-dir", cache, *folders]

    @staticmethod
    def _create(venv: Path, python_version: str, requirements: list[str], lowest: bool) -> None:
        uv, env = uv_binary(), uv_environment()
        # Compiled once here: every row's tool runs with PYTHONDONTWRITEBYTECODE, and would
        # otherwise compile FastAPI, Pydantic and SQLAlchemy from source on each start.
        install = [uv, "pip", "install", "--quiet", "--compile-bytecode", "--python", str(venv)]
        if lowest:
            install += ["--resolution", "lowest-direct"]
        for command in (
            [uv, "venv", "--quiet", "--clear", "--python", python_version, str(venv)],
            [*install, *requirements],
        ):
            result = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
            if result.returncode != 0:
                detail = " ".join(result.stderr.split())[-500:]
                raise FastgenError(f"cannot prepare {venv.name}: {detail}")
