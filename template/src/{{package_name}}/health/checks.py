"""Readiness checks: named async callables that raise when a dependency is unavailable.

The app factory keeps them in `app.state.readiness_checks`; a feature that needs a server
(a database, a cache) adds its check there when it opens the connection.
"""

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping
from typing import Literal

logger = logging.getLogger(__name__)

ReadinessCheck = Callable[[], Awaitable[None]]
CheckStatus = Literal["ok", "failed"]


async def run_checks(
    checks: Mapping[str, ReadinessCheck], time_limit: float
) -> dict[str, CheckStatus]:
    """Run every check concurrently, each failed if it takes over `time_limit` seconds."""
    statuses = await asyncio.gather(
        *(_run_check(name, check, time_limit) for name, check in checks.items())
    )
    return dict(zip(checks, statuses, strict=True))


async def _run_check(name: str, check: ReadinessCheck, time_limit: float) -> CheckStatus:
    try:
        async with asyncio.timeout(time_limit):
            await check()
    except TimeoutError:
        logger.warning("Readiness check %s took over %s s", name, time_limit)
        return "failed"
    except Exception:
        logger.warning("Readiness check %s failed", name, exc_info=True)
        return "failed"
    return "ok"
