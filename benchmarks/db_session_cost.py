"""Where the generated database read spends its time: variants of `GET /api/v1/items/{id}` in
one generated PostgreSQL service, so every comparison shares one process (and its drift).

db_read.py compares the generated service with a minimal app in another process; on a VM whose
speed drifts, that ratio moves by several percent from run to run. Here the service (rendered
without middleware, so the figures are the database path's) also serves copies of the endpoint
with parts of the request path taken away, mounted under /api/v1/variants. wrk loads each in
interleaved rounds, and each figure is the server's CPU time per request (read from /proc, with
the server pinned to one core and wrk to another), given as speed relative to the generated
endpoint and to db_read.py's minimal endpoint, which is served by a process of its own on the
same core in the same rounds.

Run: python benchmarks/db_session_cost.py [--rounds 8] [--seconds 2] [--connections 32]
Needs wrk, uv (the dev extra), 2 cores or more, and PostgreSQL at FASTGEN_POSTGRESQL_URL.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
from contextlib import ExitStack
from pathlib import Path

from db_read import (
    BENCHMARKS,
    PREFIX,
    copy_template,
    create_item,
    environment,
    postgresql_database,
    render,
    run,
    serve,
)
from wrk_load import wrk

# The server's core and the load generator's.
SERVER_CPU, WRK_CPU = 1, 0

# Each variant keeps the generated endpoint's response model and 404; the dependency changes.
VARIANTS = """
from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Request
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from my_service.db.session import SessionDep
from my_service.items.models import Item
from my_service.items.schemas import ItemRead
from my_service.main import app

router = APIRouter(prefix="/api/v1/variants")


@router.get("/session-dependency/{item_id}")
async def session_dependency(item_id: int, session: SessionDep) -> ItemRead:
    return found(await session.get(Item, item_id))


async def inline_session(request: Request) -> AsyncIterator[AsyncSession]:
    async with request.app.state.session_factory() as session:
        try:
            yield session
        except Exception:
            await session.rollback()
            raise
        await session.commit()


@router.get("/inline-session/{item_id}")
async def inline(
    item_id: int, session: Annotated[AsyncSession, Depends(inline_session, scope="function")]
) -> ItemRead:
    return found(await session.get(Item, item_id))


async def closing_session(request: Request) -> AsyncIterator[AsyncSession]:
    async with request.app.state.session_factory() as session:
        yield session


@router.get("/close-without-commit/{item_id}")
async def close_only(
    item_id: int, session: Annotated[AsyncSession, Depends(closing_session, scope="function")]
) -> ItemRead:
    return found(await session.get(Item, item_id))


@router.get("/close-after-the-response/{item_id}")
async def close_after_response(
    item_id: int, session: Annotated[AsyncSession, Depends(closing_session)]
) -> ItemRead:
    return found(await session.get(Item, item_id))


async def session_factory(request: Request) -> async_sessionmaker[AsyncSession]:
    return request.app.state.session_factory  # type: ignore[no-any-return]


@router.get("/factory-dependency/{item_id}")
async def factory_dependency(
    item_id: int,
    factory: Annotated[async_sessionmaker[AsyncSession], Depends(session_factory)],
) -> ItemRead:
    async with factory() as session:
        item = await session.get(Item, item_id)
    return found(item)


@router.get("/no-dependency/{item_id}")
async def no_dependency(item_id: int, request: Request) -> ItemRead:
    async with request.app.state.session_factory() as session:
        item = await session.get(Item, item_id)
    return found(item)


@router.get("/no-dependency-commit/{item_id}")
async def no_dependency_commit(item_id: int, request: Request) -> ItemRead:
    async with request.app.state.session_factory() as session:
        item = await session.get(Item, item_id)
        await session.commit()
    return found(item)


def found(item: Item | None) -> ItemRead:
    if item is None:
        raise HTTPException(status_code=404)
    return ItemRead.model_validate(item)


app.include_router(router)
"""

LABELS = {
    "/api/v1/items": "generated: ItemServiceDep over SessionDep (commit, then close)",
    "/api/v1/variants/session-dependency": "SessionDep directly, no service layer",
    "/api/v1/variants/inline-session": "the same, written in the dependency: no `transaction()`",
    "/api/v1/variants/close-without-commit": "a yield dependency that only closes the session",
    "/api/v1/variants/close-after-the-response": "the same, closed after the response",
    "/api/v1/variants/factory-dependency": "the factory by Depends, async with in the endpoint",
    "/api/v1/variants/no-dependency-commit": "no dependency, the commit kept",
    "/api/v1/variants/no-dependency": "no dependency: async with session_factory() in the endpoint",
}
MINIMAL = "the minimal endpoint of db_read.py (db_minimal_app.py), a process of its own"


def cpu_seconds(pid: int) -> float:
    """User plus system CPU time of process `pid` (proc(5): fields 14 and 15 of its stat)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def requests_served(url: str, seconds: int, connections: int) -> int:
    return wrk(url, seconds=seconds, connections=connections, cpu=WRK_CPU).requests


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=8)
    parser.add_argument("--seconds", type=int, default=2)
    parser.add_argument("--connections", type=int, default=32)
    options = parser.parse_args()
    if shutil.which("wrk") is None or shutil.which("taskset") is None:
        sys.exit("db_session_cost.py needs wrk and taskset")
    if len(os.sched_getaffinity(0)) < 2:
        sys.exit("db_session_cost.py needs two cores: one for the server, one for wrk")

    with tempfile.TemporaryDirectory() as tmp, ExitStack() as stack:
        scratch = Path(tmp)
        project = render(scratch, copy_template(scratch), "postgresql", "none")
        (project / "src" / "bench_variants.py").write_text(VARIANTS)
        python = environment(scratch, [project])
        url = stack.enter_context(postgresql_database(python))
        env = os.environ | {
            f"{PREFIX}DATABASE_URL": url,
            f"{PREFIX}ENVIRONMENT": "production",
            f"{PREFIX}LOG_LEVEL": "WARNING",
            f"{PREFIX}DOCS_ENABLED": "true",
            "PYTHONPATH": str(project / "src"),
        }
        run([str(python), "-m", "alembic", "upgrade", "head"], cwd=project, env=env)
        base, pid = stack.enter_context(
            serve(python, "bench_variants:app", project, env, cpu=SERVER_CPU)
        )
        item_id = create_item(base).rsplit("/", 1)[1]
        minimal, minimal_pid = stack.enter_context(
            serve(
                python,
                "db_minimal_app:app",
                BENCHMARKS,
                env | {"BENCH_DATABASE_URL": url},
                cpu=SERVER_CPU,
            )
        )
        targets = {label: (f"{base}{path}/{item_id}", pid) for path, label in LABELS.items()}
        targets[MINIMAL] = (f"{minimal}/api/v1/items/{item_id}", minimal_pid)

        cpu = dict.fromkeys(targets, 0.0)
        served = dict.fromkeys(targets, 0)
        for target, _ in targets.values():  # warm up
            requests_served(target, 1, options.connections)
        for _ in range(options.rounds):
            for label, (target, server) in targets.items():
                before = cpu_seconds(server)
                served[label] += requests_served(target, options.seconds, options.connections)
                cpu[label] += cpu_seconds(server) - before

    per_request = {label: cpu[label] / served[label] for label in targets}
    generated = per_request[LABELS["/api/v1/items"]]
    print(
        f"\n`GET .../{{id}}` on PostgreSQL, {options.rounds} interleaved rounds of "
        f"{options.seconds} s per variant, wrk -t1 -c{options.connections}, uvicorn on one core\n"
    )
    print("| endpoint variant | CPU per request | speed vs generated | vs minimal |")
    print("|---|---:|---:|---:|")
    for label, seconds in per_request.items():
        print(
            f"| {label} | {seconds * 1000:.2f} ms | {generated / seconds:.2f} "
            f"| {per_request[MINIMAL] / seconds:.2f} |"
        )


if __name__ == "__main__":
    main()
