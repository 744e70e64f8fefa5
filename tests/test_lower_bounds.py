"""The lower bounds a rendered project declares hold: installed with every requirement at its
lower bound, it passes its own checks and tests."""

from __future__ import annotations

import json
from itertools import cycle
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

from fastgen.environments import PreparedEnvironments, dependencies_of
from tests.combinations import DATABASES, QUEUE_ROWS, data_id
from tests.conftest import PYTHON_VERSIONS, check_generated_project, render, run

QUEUES = [("builtin", None), *[(queue, broker) for queue, broker, _database in QUEUE_ROWS]]
# Every database, each on another Python and with another queue: together they declare every
# requirement an option can add, and the oldest releases meet the newest Python too.
ROWS = [
    (
        f"database={database}",
        f"python_version={python}",
        f"background_tasks={queue}",
        *([f"task_broker={broker}"] if broker else []),
    )
    for database, python, (queue, broker) in zip(
        DATABASES, cycle(PYTHON_VERSIONS), cycle(QUEUES), strict=False
    )
]


@pytest.fixture(scope="session")
def lowest(prepared: PreparedEnvironments) -> PreparedEnvironments:
    return PreparedEnvironments(prepared.root, lowest=True)


def installed_versions(python: Path) -> dict[str, Version]:
    listing = run(
        [
            str(python),
            "-c",
            "import json, importlib.metadata as m; "
            "print(json.dumps({d.metadata['Name']: d.version for d in m.distributions()}))",
        ]
    )
    versions: dict[str, str] = json.loads(listing.stdout)
    return {canonicalize_name(name): Version(version) for name, version in versions.items()}


def lower_bound(requirement: Requirement) -> Version:
    bounds = [Version(spec.version) for spec in requirement.specifier if spec.operator == ">="]
    assert len(bounds) == 1, f"{requirement} must declare one lower bound (>=)"
    return bounds[0]


@pytest.mark.parametrize("data", ROWS, ids=data_id)
def test_a_project_at_its_lower_bounds_passes_its_checks(
    data: tuple[str, ...], template_dir: Path, tmp_path: Path, lowest: PreparedEnvironments
) -> None:
    project = render(template_dir, tmp_path / "svc", *data)
    installed = installed_versions(lowest.python_for(project))
    requirements = [Requirement(text) for text in dependencies_of(project / "pyproject.toml")]
    # Each bound is the version installed: one that no release can meet is caught here, as is
    # one that another requirement lifts (it would claim a version never tested).
    mismatched = {
        requirement.name: f"{found} installed, >={bound} declared"
        for requirement in requirements
        if (found := installed.get(canonicalize_name(requirement.name)))
        != (bound := lower_bound(requirement))
    }
    assert mismatched == {}
    check_generated_project(project, lowest)
