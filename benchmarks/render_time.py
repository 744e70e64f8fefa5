"""How long `fastgen new` takes: wall time of the real command, median of several runs.

Run: python benchmarks/render_time.py [--runs 7]
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

FASTGEN = str(Path(sys.executable).parent / "fastgen")


def timed(command: list[str], cwd: Path) -> float:
    started = time.perf_counter()
    subprocess.run(command, cwd=cwd, check=True, capture_output=True)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=7)
    runs = parser.parse_args().runs
    cases = {
        "fastgen new --defaults --no-git": ["--no-git"],
        "fastgen new --defaults (with git init and commit)": [],
        "fastgen --version (interpreter and import floor)": None,
    }
    print("| command | median s | min s | max s |")
    print("|---|---:|---:|---:|")
    for label, extra in cases.items():
        seconds = []
        for _ in range(runs):
            with tempfile.TemporaryDirectory() as scratch:
                if extra is None:
                    command = [FASTGEN, "--version"]
                else:
                    command = [FASTGEN, "new", "svc", "--defaults", *extra]
                seconds.append(timed(command, Path(scratch)))
                shutil.rmtree(Path(scratch) / "svc", ignore_errors=True)
        print(
            f"| `{label}` | {statistics.median(seconds):.2f} | {min(seconds):.2f} "
            f"| {max(seconds):.2f} |"
        )


if __name__ == "__main__":
    main()
