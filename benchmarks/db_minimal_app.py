"""The baseline of benchmarks/db_read.py: a minimal hand-written FastAPI + SQLAlchemy endpoint.

It runs the generated service's query (one item by primary key, through an async session) with
nothing around it: no settings, error handlers, repository or service layers. Like the generated
service it declares a response model and switches FastAPI's telemetry hooks off, so the
comparison measures the service's structure, not those two choices.

Run: BENCH_DATABASE_URL=sqlite+aiosqlite:///items.db uvicorn db_minimal_app:app
"""

from __future__ import annotations

import os
from datetime import datetime
from decimal import Decimal

from fastapi import FastAPI, HTTPException
from pydantic import BaseModel, ConfigDict
from sqlalchemy import DateTime, Numeric, String
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

engine = create_async_engine(os.environ["BENCH_DATABASE_URL"])
sessions = async_sessionmaker(engine, expire_on_commit=False)


class Base(DeclarativeBase):
    pass


class Item(Base):
    __tablename__ = "items"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    description: Mapped[str | None] = mapped_column(String(1000))
    price: Mapped[Decimal] = mapped_column(Numeric(10, 2))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class ItemRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    description: str | None
    price: Decimal
    created_at: datetime
    updated_at: datetime


app = FastAPI(
    telemetry={"tracing": False, "metrics": False, "logs": False, "operation_spans": False}
)


@app.get("/api/v1/items/{item_id}")
async def get_item(item_id: int) -> ItemRead:
    async with sessions() as session:
        item = await session.get(Item, item_id)
    if item is None:
        raise HTTPException(status_code=404)
    return ItemRead.model_validate(item)
