"""Stopping the servers and workers that tests and benchmarks start in a session of their own."""

import os
import signal
import subprocess


def stop_process_group(process: "subprocess.Popen[bytes]", timeout: float = 20) -> None:
    """Stop `process` and everything it started: SIGTERM, then SIGKILL after `timeout` seconds.

    The process must have been started with `start_new_session=True`, so it leads its group.
    """
    if process.poll() is not None:
        return
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=timeout)
