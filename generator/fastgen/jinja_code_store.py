"""Compiled Jinja code kept between runs in a file of fastgen's cache, as Python keeps bytecode.

Only code that depends on nothing but its source, its template name and Jinja's settings is kept:

- every extension of the environment comes from Jinja, Copier or the Ansible filters Copier loads,
  whose versions name the store: a template's own extension rewrites templates with code that can
  change without a version, so its environment keeps nothing;
- no filter or test is called while compiling: Jinja evaluates one whose arguments are constants
  once, at compile time (`{{ '%Y' | strftime }}`), and a kept result would never change again;
- no `finalize`, which Jinja applies to constant output at compile time.

Filters and tests are otherwise known to compiled code only by name and by what they are passed
(context, environment), so those are the key, not their code. Code is keyed by template name,
not file path, so a template cloned to a new folder on every run (a git template) finds its code;
the path is set when the code is loaded.
"""

from __future__ import annotations

import contextlib
import hashlib
import marshal
import os
import tempfile
import time
from collections.abc import Hashable
from functools import cached_property, partial
from importlib.metadata import PackageNotFoundError, version
from importlib.util import MAGIC_NUMBER
from pathlib import Path
from types import CodeType
from weakref import WeakKeyDictionary

from jinja2 import Environment, nodes
from jinja2.nodes import EvalContext, Impossible

# The packages whose versions name the store.
VERSIONED = {
    "jinja2": "jinja2",
    "copier": "copier",
    "jinja2_ansible_filters": "jinja2-ansible-filters",
}
# Code of a few templates' worth of sources, about 5 MB.
STORE_LIMIT = 2048
# Seconds after which a store written aside and never renamed was left by a stopped run.
ABANDONED_AFTER = 600


class CodeStore:
    """The store in `cache_folder` for this Python and these versions of Jinja and Copier.

    Its file is read on the first look-up, and written by `save` if this run learnt code.
    """

    def __init__(self, cache_folder: Path) -> None:
        self.cache_folder = cache_folder
        self._stored: dict[str, CodeType] | None = None
        self._learnt: dict[str, CodeType] = {}
        self._fingerprints: WeakKeyDictionary[Environment, tuple[Hashable, bytes | None]] = (
            WeakKeyDictionary()
        )

    @cached_property
    def path(self) -> Path:
        versions = "-".join(_version(name) for name in VERSIONED.values())
        return self.cache_folder / "jinja" / f"{MAGIC_NUMBER.hex()}-{versions}.marshal"

    def key(
        self, env: Environment, configuration: Hashable, source: str, name: str | None
    ) -> str | None:
        """The store's key of a source compiled in `env`; None if `env`'s code is not kept."""
        fingerprint = self._fingerprint(env, configuration)
        if fingerprint is None:
            return None
        # A callable autoescape is decided per template name, as Jinja's compiler asks it.
        autoescape = env.autoescape(name) if callable(env.autoescape) else env.autoescape
        spelled = fingerprint + repr((autoescape, name)).encode()
        digest = hashlib.blake2b(len(spelled).to_bytes(8, "big") + spelled, digest_size=20)
        digest.update(source.encode("utf-8", "surrogatepass"))
        return digest.hexdigest()

    def find(self, key: str, filename: str | None) -> CodeType | None:
        if self._stored is None:
            self._stored = _read(self.path)
        code = self._stored.get(key)
        return None if code is None else _relocated(code, filename or "<template>")

    def may_keep(self, env: Environment, tree: nodes.Template, name: str | None) -> bool:
        """Whether code compiled from `tree` may be kept: Jinja calls no filter or test for it
        while compiling, as it does for one of constant arguments."""
        context = EvalContext(env, name)
        for node in tree.find_all((nodes.Filter, nodes.Test)):
            try:
                node.as_const(context)
            except Impossible:
                continue
            return False
        return True

    def learn(self, key: str, code: CodeType) -> None:
        """Keep `code` for `save`."""
        self._learnt[key] = code

    def save(self) -> None:
        """Add what this run learnt to the store, newest first, up to `STORE_LIMIT` entries.

        The store is read again just before: runs that end together each add their code. A store
        that cannot be written stays as it is: the store never fails a render.
        """
        if not self._learnt:
            return
        kept = dict(list(self._learnt.items())[:STORE_LIMIT])
        for key, code in _read(self.path).items():
            if len(kept) >= STORE_LIMIT:
                break
            kept.setdefault(key, code)
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            descriptor, aside = tempfile.mkstemp(dir=self.path.parent, suffix=".partial")
        except OSError:
            return
        try:
            with os.fdopen(descriptor, "wb") as file:
                marshal.dump(kept, file)
            # Written aside and renamed: a run reads the old store or the new, never half of one.
            Path(aside).replace(self.path)
        except OSError:
            Path(aside).unlink(missing_ok=True)
        _remove_abandoned(self.path.parent)

    def _fingerprint(self, env: Environment, configuration: Hashable) -> bytes | None:
        """`env`'s settings spelled out, once per environment and configuration."""
        known = self._fingerprints.get(env)
        if known is None or known[0] != configuration:
            known = self._fingerprints[env] = (configuration, _spelled(env))
        return known[1]


def _spelled(env: Environment) -> bytes | None:
    """What of `env` its compiled code depends on, with classes named; None if not kept."""
    extensions = [type(extension) for extension in env.extensions.values()]
    if env.finalize is not None or not all(map(_is_versioned, extensions)):
        return None
    settings = (
        *compiler_settings(env),
        extensions,
        sorted((key, _named(value)) for key, value in env.policies.items()),
        sorted((key, _passed(value)) for key, value in env.filters.items()),
        sorted((key, _passed(value)) for key, value in env.tests.items()),
    )
    return repr([_named(setting) for setting in settings]).encode()


def compiler_settings(env: Environment) -> tuple[object, ...]:
    """What of `env` Jinja's lexer, parser and code generator read, but for its extensions,
    filters, tests, autoescape and finalize, which each cache keys in its own way."""
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
        env.optimized,
        env.is_async,
        env.undefined,
        env.code_generator_class,
    )


def _is_versioned(extension: type) -> bool:
    return extension.__module__.partition(".")[0] in VERSIONED


def _passed(function: object) -> str:
    """What Jinja passes a filter or test before its arguments: all compiled code knows of it."""
    passed = getattr(function, "jinja_pass_arg", None)  # set by @pass_context and its kin
    return "nothing" if passed is None else str(passed.name)


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


def _relocated(code: CodeType, filename: str) -> CodeType:
    """`code` as compiled from `filename`, its nested code too (tracebacks name the file)."""
    if code.co_filename == filename:
        return code
    constants = tuple(
        _relocated(constant, filename) if isinstance(constant, CodeType) else constant
        for constant in code.co_consts
    )
    return code.replace(co_filename=filename, co_consts=constants)


def _remove_abandoned(folder: Path) -> None:
    """Remove what runs that were stopped while writing left behind (a run writes for a moment)."""
    abandoned_before = time.time() - ABANDONED_AFTER
    for aside in folder.glob("*.partial"):
        with contextlib.suppress(OSError):  # gone already, or removed by a run beside this one
            if aside.stat().st_mtime < abandoned_before:
                aside.unlink()


def _read(path: Path) -> dict[str, CodeType]:
    try:
        with path.open("rb") as file:
            # The user's own cache, trusted as Python trusts their __pycache__ folders.
            loaded = marshal.load(file)  # noqa: S302
    except (OSError, EOFError, ValueError, TypeError):  # none yet, unreadable, or truncated
        return {}
    if not isinstance(loaded, dict):
        return {}
    return {
        key: code
        for key, code in loaded.items()
        if isinstance(key, str) and isinstance(code, CodeType)
    }


def _version(distribution: str) -> str:
    try:
        return version(distribution)
    except PackageNotFoundError:
        return "none"
