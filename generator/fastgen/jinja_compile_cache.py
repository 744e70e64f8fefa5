"""Compiled Jinja templates kept for the life of a process that renders.

Copier makes a fresh Jinja environment for every project and compiles each file, path part and
question expression of the template in it, some of them several times: about 1,000 compilations
of about 200 distinct sources, half of a render's time. With this installed a process compiles
each source once per environment configuration: once in a `fastgen` run, and once in a matrix
runner's worker for all the rows it renders from one template folder.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Any

from jinja2 import Environment

# Typed loosely: Jinja overloads it on `raw`, which this passes through.
_compile_uncached: Callable[..., Any] = Environment.compile
_compiled: dict[Hashable, Any] = {}


def keep_compiled_templates() -> None:
    """Install the cache in this process: the `fastgen` command and the runner's workers do."""
    Environment.compile = _cached_compile  # type: ignore[method-assign]


def compiled_templates() -> int:
    """How many compiled sources this process keeps."""
    return len(_compiled)


def _configuration(env: Environment) -> Hashable:
    """Everything of `env` that Jinja's lexer, parser and code generator read."""
    return (
        type(env),
        env.block_start_string,
        env.block_end_string,
        env.variable_start_string,
        env.variable_end_string,
        env.comment_start_string,
        env.comment_end_string,
        env.line_statement_prefix,
        env.line_comment_prefix,
        env.trim_blocks,
        env.lstrip_blocks,
        env.newline_sequence,
        env.keep_trailing_newline,
        tuple(env.extensions),
        env.optimized,
        env.autoescape,
        env.finalize,
        env.is_async,
        env.undefined,
        env.code_generator_class,
        # An unknown filter or test compiles to code that raises when it runs.
        frozenset(env.filters),
        frozenset(env.tests),
    )


def _cached_compile(
    self: Environment,
    source: Any,
    name: str | None = None,
    filename: str | None = None,
    raw: bool = False,
    defer_init: bool = False,
) -> Any:
    if not isinstance(source, str):  # a parsed template: compiled as it is
        return _compile_uncached(self, source, name, filename, raw, defer_init)
    key = (_configuration(self), source, name, filename, raw, defer_init)
    compiled = _compiled.get(key)
    if compiled is None:
        compiled = _compiled[key] = _compile_uncached(self, source, name, filename, raw, defer_init)
    return compiled
