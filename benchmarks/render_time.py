"""How long `fastgen new` takes: wall time of the real command, median of several runs.

A first run compiles the template's Jinja sources; later runs load the code kept in fastgen's
cache folder. Each case runs with a cache folder of the benchmark's own: emptied before every run
for the first-run case, warmed once and kept for the others.

Run: python benchmarks/render_time.py [--runs 7]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

FASTGEN = str(Path(sys.executable).parent / "fastgen")
NEW = [FASTGEN, "new", "svc", "--defaults"]

# label: (command, whether each run starts with an empty cache)
CASES = {
    "fastgen new --defaults --no-git, first run": ([*NEW, "--no-git"], True),
    "fastgen new --defaults --no-git, later runs": ([*NEW, "--no-git"], False),
    "fastgen new --defaults (with git init and commit), later runs": (NEW, False),
    "fastgen --version (interpreter and import floor)": ([FASTGEN, "--version"], False),
}


def timed(command: list[str], cache: Path) -> float:
    with tempfile.TemporaryDirectory() as scratch:
        env = {**os.environ, "FASTGEN_CACHE": str(cache)}
        started = time.perf_counter()
        subprocess.run(command, cwd=scratch, env=env, check=True, capture_output=True)
        return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=7)
    runs = parser.parse_args().runs
    print("| command | median s | min s | max s |")
    print("|---|---:|---:|---:|")
    with tempfile.TemporaryDirectory() as folder:
        cache = Path(folder) / "cache"
        timed([*NEW, "--no-git"], cache)  # warms the cache for the later-run cases
        for label, (command, empty_cache) in CASES.items():
            seconds = []
            for _ in range(runs):
                if empty_cache:
                    shutil.rmtree(cache, ignore_errors=True)
                seconds.append(timed(command, cache))
            print(
                f"| `{label}` | {statistics.median(seconds):.2f} | {min(seconds):.2f} "
                f"| {max(seconds):.2f} |"
            )


if __name__ == "__main__":
    main()
