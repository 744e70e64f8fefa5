"""The item as the service stores it, independent of how it is stored."""

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal


@dataclass(frozen=True, slots=True)
class Item:
    id: int
    name: str
    description: str | None
    price: Decimal
    created_at: datetime
    updated_at: datetime
