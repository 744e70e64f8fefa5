"""Which answers the generator's tests render: every database on the default Python, and every
Python with the default database. Read from copier.yml, so a new choice is tested at once."""

from __future__ import annotations

from fastgen.options import OptionModel
from tests.conftest import PYTHON_VERSIONS, REPO_ROOT

OPTIONS = OptionModel.from_file(REPO_ROOT / "copier.yml")
DATABASES: tuple[str, ...] = OPTIONS["database"].choice_values
DEFAULT_DATABASE: str = OPTIONS["database"].default
DEFAULT_PYTHON: str = OPTIONS["python_version"].default
COMBINATIONS: list[tuple[str, str]] = sorted(
    {(DEFAULT_PYTHON, database) for database in DATABASES}
    | {(python, DEFAULT_DATABASE) for python in PYTHON_VERSIONS}
)
