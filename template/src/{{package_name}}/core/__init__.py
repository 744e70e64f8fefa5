"""Shared infrastructure: settings, errors, logging and per-request context."""
