"""wrk, the load generator the benchmarks share: one run against a loopback URL, its rate."""

from __future__ import annotations

import re
import subprocess


def requests_per_second(
    url: str,
    *,
    seconds: int,
    connections: int,
    threads: int = 1,
    script: str | None = None,
    cpu: int | None = None,
) -> float:
    """Load `url` with wrk (and its Lua `script`, such as one that makes the requests POSTs),
    on core `cpu` alone when given, and return its requests per second; a run with any error
    response, or without a rate in wrk's output, stops the benchmark."""
    options = ["-s", script] if script else []
    pinning = [] if cpu is None else ["taskset", "-c", str(cpu)]
    output = subprocess.run(
        [*pinning, "wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", *options, url],
        check=True, capture_output=True, text=True,
    ).stdout  # fmt: skip
    if "Non-2xx or 3xx responses" in output:
        raise SystemExit(f"{url} answered errors:\n{output}")
    found = re.search(r"Requests/sec:\s+([\d.]+)", output)
    if found is None:
        raise SystemExit(f"no rate in wrk's output:\n{output}")
    return float(found.group(1))
