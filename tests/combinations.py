"""Which answers the generator's tests render: every database on the default Python, and every
Python with the default database, and each task queue. Read from copier.yml, so a new database or
Python is tested at once."""

from __future__ import annotations

from fastgen.options import OptionModel
from tests.conftest import PYTHON_VERSIONS, REPO_ROOT

OPTIONS = OptionModel.from_file(REPO_ROOT / "copier.yml")
DATABASES: tuple[str, ...] = OPTIONS["database"].choice_values
DEFAULT_DATABASE: str = OPTIONS["database"].default
DEFAULT_PYTHON: str = OPTIONS["python_version"].default
# Each queue choice with each broker it takes, on a database that needs a server: the covering
# rows run every choice with every database; these add its own check on the default Python.
QUEUE_ROWS: list[tuple[str, str, str]] = [
    ("celery", "redis", "postgresql"),
    ("celery", "rabbitmq", "mysql"),
    ("taskiq", "redis", "sqlite"),
]
COMBINATIONS: list[tuple[str, str]] = sorted(
    {(DEFAULT_PYTHON, database) for database in DATABASES}
    | {(python, DEFAULT_DATABASE) for python in PYTHON_VERSIONS}
)


def data_id(data: tuple[str, ...]) -> str:
    """A test id from `KEY=VALUE` answers: their values, joined by hyphens."""
    return "-".join(pair.split("=")[1] for pair in data)
