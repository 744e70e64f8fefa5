"""Compiled Jinja templates kept for the life of a process that renders, and between runs.

Copier makes a fresh Jinja environment for every project and compiles each file, path part and
question expression of the template in it, some of them several times: about 1,000 compilations
of about 200 distinct sources, half of a render's time. With this installed a process compiles
each source once per environment configuration: once in a `fastgen` run, and once in a matrix
runner's worker for all the rows it renders from one template folder. Given a code store
(fastgen.jinja_code_store), it also takes code an earlier run compiled, and offers it what it
compiles.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Any

from jinja2 import Environment, TemplateSyntaxError

from fastgen.jinja_code_store import CodeStore, compiler_settings

# Typed loosely: Jinja overloads it on `raw`, which this passes through.
_compile_uncached: Callable[..., Any] = Environment.compile
_compiled: dict[Hashable, Any] = {}
_store: CodeStore | None = None
_compilations = 0


def keep_compiled_templates(store: CodeStore | None = None) -> None:
    """Install the cache in this process: the `fastgen` command and the runner's workers do."""
    global _store
    _store = store
    Environment.compile = _cached_compile  # type: ignore[method-assign]


def save_compiled_templates() -> None:
    """Add what this process compiled to the store given to `keep_compiled_templates`, if any."""
    if _store is not None:
        _store.save()


def compiled_templates() -> int:
    """How many compiled sources this process keeps."""
    return len(_compiled)


def compilations() -> int:
    """How many sources this process compiled itself, rather than found kept."""
    return _compilations


def _configuration(env: Environment) -> Hashable:
    """Everything of `env` that Jinja's lexer, parser and code generator read."""
    return (
        *compiler_settings(env),
        tuple(env.extensions),
        env.autoescape,
        env.finalize,
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
    global _compilations
    if not isinstance(source, str):  # a parsed template: compiled as it is
        return _compile_uncached(self, source, name, filename, raw, defer_init)
    configuration = _configuration(self)
    key = (configuration, source, name, filename, raw, defer_init)
    compiled = _compiled.get(key)
    if compiled is not None:
        return compiled
    # Only module code goes to the store: raw Python source and deferred-init code stay here.
    store_key = None
    if _store is not None and not (raw or defer_init):
        store_key = _store.key(self, configuration, source, name)
        compiled = _store.find(store_key, filename) if store_key else None
    if compiled is None:
        _compilations += 1
        if _store is None or store_key is None:
            compiled = _compile_uncached(self, source, name, filename, raw, defer_init)
        else:
            compiled = _compile_for_store(self, _store, store_key, source, name, filename)
    _compiled[key] = compiled
    return compiled


def _compile_for_store(
    env: Environment,
    store: CodeStore,
    key: str,
    source: str,
    name: str | None,
    filename: str | None,
) -> Any:
    """`source` compiled, and offered to `store` if it may keep it.

    Parsed once, for the store's check and the compiler, and checked first: Jinja's optimizer may
    replace what it evaluates.
    """
    tree = env.parse(source, name, filename)
    keep = store.may_keep(env, tree, name)
    try:
        compiled = _compile_uncached(env, tree, name, filename)
    except TemplateSyntaxError:  # shown with its source, as Jinja shows it
        env.handle_exception(source=source)
    if keep:
        store.learn(key, compiled)
    return compiled
