"""Per-request context shared by middleware, error handlers and logging."""

from contextvars import ContextVar

# Set by the request-id middleware for the duration of a request; None outside one.
request_id_var: ContextVar[str | None] = ContextVar("request_id", default=None)
