"""The folder where fastgen keeps what it can make again: environments, compiled templates."""

from __future__ import annotations

import os
from pathlib import Path


def cache_folder() -> Path:
    """`$FASTGEN_CACHE`, else `$XDG_CACHE_HOME/fastgen`, by default `~/.cache/fastgen`."""
    if chosen := os.environ.get("FASTGEN_CACHE"):
        return Path(chosen)
    cache = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(cache) / "fastgen"
