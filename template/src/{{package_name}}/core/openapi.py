"""What the API document says of a response beyond its body."""

from typing import Any


def located(status_code: int, description: str) -> dict[int | str, dict[str, Any]]:
    """Document the `Location` header of a response: `responses=located(201, "The item")`."""
    header = {"description": f"The URL of {description}", "schema": {"type": "string"}}
    return {status_code: {"headers": {"Location": header}}}
