"""Request and response bodies of the items API."""

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    field_validator,
)

CENT = Decimal("0.01")


def without_nul(text: str) -> str:
    """PostgreSQL cannot store the NUL character, so no database is given one."""
    if "\x00" in text:
        msg = "must not contain the NUL character"
        raise ValueError(msg)
    return text


def in_cents(price: Decimal) -> Decimal:
    """Two decimal places, as the database gives a price back: 3 and "1E+1" become 3.00 and 10.00,
    and -0 (allowed by `ge=0`) becomes 0.00."""
    return price.quantize(CENT).copy_abs()


ItemName = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=100),
    AfterValidator(without_nul),
]
ItemDescription = Annotated[str, StringConstraints(max_length=1000), AfterValidator(without_nul)]


Price = Annotated[Decimal, Field(ge=0, max_digits=10, decimal_places=2), AfterValidator(in_cents)]


class ItemCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: ItemName
    description: ItemDescription | None = None
    price: Price


def _not_null(schema: dict[str, Any]) -> None:
    """Document `name` and `price` as what they take: their type, never null."""
    for name in ("name", "price"):
        field = schema["properties"][name]
        taken = [option for option in field.pop("anyOf") if option != {"type": "null"}]
        field.update(taken[0] if len(taken) == 1 else {"anyOf": taken})


class ItemUpdate(BaseModel):
    """A partial update: only the fields sent change.

    `name` and `price` may be omitted but not null; `description` may be cleared with null.
    """

    model_config = ConfigDict(extra="forbid", json_schema_extra=_not_null)

    name: ItemName | None = None
    description: ItemDescription | None = None
    price: Price | None = None

    @field_validator("name", "price")
    @classmethod
    def _reject_null(cls, value: object) -> object:
        # Runs only for fields that were sent: omitting one is fine, clearing it is not.
        if value is None:
            msg = "may be omitted but not null"
            raise ValueError(msg)
        return value


class ItemRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    description: str | None
    price: Decimal
    created_at: datetime
    updated_at: datetime


class ItemPage(BaseModel):
    items: list[ItemRead]
    total: int
    limit: int
    offset: int
