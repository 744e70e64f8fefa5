"""Run one SQL statement on a database server with a generated project's own driver.

Usage: PROJECT_PYTHON tests/sql_statement.py URL STATEMENT
The generator's tests and benchmarks create and drop scratch databases with it, through the
interpreter of a prepared environment, since the generator's own has no database driver.
"""

import asyncio
import sys

from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine


async def main(url: str, statement: str) -> None:
    engine = create_async_engine(url, isolation_level="AUTOCOMMIT")
    try:
        async with engine.connect() as connection:
            await connection.execute(text(statement))
    finally:
        await engine.dispose()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2]))
