"""wrk, the load generator the benchmarks share: one run against a loopback URL, its figures."""

from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass


def pinned(cpu: int | None) -> list[str]:
    """The command prefix that runs a process on core `cpu` alone (none when `cpu` is None)."""
    return [] if cpu is None else ["taskset", "-c", str(cpu)]


@dataclass(frozen=True)
class LoadReport:
    """What one wrk run reports: requests completed, and their rate per second."""

    requests: int
    rate: float


def wrk(
    url: str,
    *,
    seconds: int,
    connections: int,
    threads: int = 1,
    script: str | None = None,
    cpu: int | None = None,
) -> LoadReport:
    """Load `url` with wrk (and its Lua `script`, such as one that makes the requests POSTs),
    on core `cpu` alone when given; a run with any error response, or a report without its
    figures, stops the benchmark."""
    options = ["-s", script] if script else []
    output = subprocess.run(
        [*pinned(cpu), "wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", *options, url],
        check=True, capture_output=True, text=True,
    ).stdout  # fmt: skip
    if "Non-2xx or 3xx responses" in output:
        raise SystemExit(f"{url} answered errors:\n{output}")
    requests = re.search(r"(\d+) requests in", output)
    rate = re.search(r"Requests/sec:\s+([\d.]+)", output)
    if requests is None or rate is None:
        raise SystemExit(f"no figures in wrk's output:\n{output}")
    return LoadReport(int(requests.group(1)), float(rate.group(1)))
