"""Compiled Jinja templates kept for the life of a process that renders, and between runs.

Copier makes a fresh Jinja environment for every project and compiles each file, path part and
question expression of the template in it, some of them several times: about 1,000 compilations
of about 200 distinct sources, half of a render's time. With this installed a process compiles
each source once per environment configuration: once in a `fastgen` run, and once in a matrix
runner's worker for all the rows it renders from one template folder.

Given a store file, the compiled code is also kept between runs, as Python keeps bytecode: a run
loads the code of every source an earlier run compiled in the same configuration, and compiles
only the rest. The store's name carries the versions of Python's bytecode, Jinja, Copier and its
filters, so that code made by other versions is never loaded.
"""

from __future__ import annotations

import hashlib
import marshal
import os
import tempfile
from collections.abc import Callable, Hashable
from functools import partial
from importlib.metadata import PackageNotFoundError, version
from importlib.util import MAGIC_NUMBER
from pathlib import Path
from types import CodeType
from typing import Any
from weakref import WeakKeyDictionary

from jinja2 import Environment

# Code of a few templates' worth of sources, about 5 MB.
STORE_LIMIT = 2048

# Typed loosely: Jinja overloads it on `raw`, which this passes through.
_compile_uncached: Callable[..., Any] = Environment.compile
_compiled: dict[Hashable, Any] = {}
_store: Path | None = None
_stored: dict[str, CodeType] = {}  # loaded from the store, by digest
_used: dict[str, CodeType] = {}  # what this process compiled or loaded, by digest
_compilations = 0
_spelled: WeakKeyDictionary[Environment, tuple[Hashable, bytes]] = WeakKeyDictionary()


def keep_compiled_templates(store: Path | None = None) -> None:
    """Install the cache in this process: the `fastgen` command and the runner's workers do.

    With `store`, compiled code found there is used, and `save_compiled_templates` writes back.
    """
    global _store, _stored
    if store is not None:
        _store, _stored = store, _load(store)
    Environment.compile = _cached_compile  # type: ignore[method-assign]


def save_compiled_templates() -> None:
    """Write the store given to `keep_compiled_templates`, if this process compiled anything new.

    What this process used is kept first, then earlier entries up to `STORE_LIMIT`. A store that
    cannot be written is left as it is: the cache never fails a render.
    """
    if _store is None or not any(digest not in _stored for digest in _used):
        return
    kept = dict(_used)
    for digest, code in _stored.items():
        if len(kept) >= STORE_LIMIT:
            break
        kept.setdefault(digest, code)
    try:
        _store.parent.mkdir(parents=True, exist_ok=True)
        descriptor, aside = tempfile.mkstemp(dir=_store.parent, suffix=".partial")
    except OSError:
        return
    try:
        with os.fdopen(descriptor, "wb") as file:
            marshal.dump(kept, file)
        # Written aside and renamed: a concurrent run reads the old store or the new, never half.
        Path(aside).replace(_store)
    except OSError:
        Path(aside).unlink(missing_ok=True)


def default_store(cache_folder: Path) -> Path:
    """The store in `cache_folder` for this Python and these versions of Jinja and Copier."""
    versions = "-".join(_version(name) for name in ("jinja2", "copier", "jinja2-ansible-filters"))
    return cache_folder / "jinja" / f"{MAGIC_NUMBER.hex()}-{versions}.marshal"


def compiled_templates() -> int:
    """How many compiled sources this process keeps."""
    return len(_compiled)


def compilations() -> int:
    """How many sources this process compiled itself, rather than found kept."""
    return _compilations


def _load(store: Path) -> dict[str, CodeType]:
    try:
        with store.open("rb") as file:
            # The user's own cache, trusted as Python trusts their __pycache__ folders.
            loaded = marshal.load(file)  # noqa: S302
    except (OSError, EOFError, ValueError, TypeError):  # none yet, unreadable, or truncated
        return {}
    if not isinstance(loaded, dict):
        return {}
    return {
        digest: code
        for digest, code in loaded.items()
        if isinstance(digest, str) and isinstance(code, CodeType)
    }


def _version(distribution: str) -> str:
    try:
        return version(distribution)
    except PackageNotFoundError:
        return "none"


def _settings(env: Environment) -> tuple[object, ...]:
    """What of `env` Jinja's lexer, parser and code generator read, but its filters and tests."""
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
    )


def _configuration(env: Environment) -> Hashable:
    # An unknown filter or test compiles to code that raises when it runs.
    return (*_settings(env), frozenset(env.filters), frozenset(env.tests))


def _digest(
    env: Environment, configuration: Hashable, source: str, name: str | None, filename: str | None
) -> str:
    """A key for the store, the same in every process."""
    # A callable autoescape is decided per template name, as Jinja's compiler asks it.
    autoescape = env.autoescape(name) if callable(env.autoescape) else env.autoescape
    spelled = _spelled_settings(env, configuration) + repr((autoescape, name, filename)).encode()
    digest = hashlib.blake2b(len(spelled).to_bytes(8, "big") + spelled, digest_size=20)
    digest.update(source.encode("utf-8", "surrogatepass"))
    return digest.hexdigest()


def _spelled_settings(env: Environment, configuration: Hashable) -> bytes:
    """`env`'s settings with its objects named, spelled once per environment and configuration.

    The filters and tests are named with their functions, for Jinja's optimizer runs those with
    constant arguments while it compiles.
    """
    known = _spelled.get(env)
    if known is None or known[0] != configuration:
        spelled = repr(
            (
                [_named(part) for part in _settings(env)],
                sorted((key, _named(value)) for key, value in env.filters.items()),
                sorted((key, _named(value)) for key, value in env.tests.items()),
            )
        ).encode()
        known = _spelled[env] = (configuration, spelled)
    return known[1]


def _named(value: object) -> object:
    """`value` with its classes and functions named, never shown by address as `repr` would."""
    if value is None or isinstance(value, str | int | float | bytes):
        return value
    if isinstance(value, tuple | list):
        return tuple(map(_named, value))
    if isinstance(value, partial):
        keywords = sorted((key, _named(argument)) for key, argument in value.keywords.items())
        return ("partial", _named(value.func), _named(value.args), keywords)
    named = value if callable(value) else type(value)
    return f"{getattr(named, '__module__', '?')}.{getattr(named, '__qualname__', '?')}"


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
    store_it = _store is not None and not (raw or defer_init)
    digest = _digest(self, configuration, source, name, filename) if store_it else None
    compiled = _stored.get(digest) if digest else None
    if compiled is None:
        _compilations += 1
        compiled = _compile_uncached(self, source, name, filename, raw, defer_init)
    if digest:
        _used[digest] = compiled
    _compiled[key] = compiled
    return compiled
