"""fastgen: a generator of production FastAPI services."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("fastgen-generator")
except PackageNotFoundError:  # pragma: no cover - running from a checkout without installing
    __version__ = "0.0.0"
