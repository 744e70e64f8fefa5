"""Where the template comes from: the copy bundled in the wheel, or the checkout it runs from."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from fastgen.errors import FastgenError
from fastgen.options import OptionModel

_PACKAGE_DIR = Path(__file__).resolve().parent
_BUNDLED_DIR = _PACKAGE_DIR / "bundled"
# `scheme://...`, scp-like `user@host:path`, and Copier's `gh:`/`gl:` shortcuts.
_URL = re.compile(r"^(?:[A-Za-z][A-Za-z0-9+.-]*://|[\w.-]+@[\w.-]+:|gh:|gl:)")


def copy_template_files(root: Path, into: Path) -> Path:
    """fastgen's own template under `root` (a checkout or the bundled copy), copied into `into`.

    The copy is the two parts the wheel bundles, copier.yml and template/, as a plain folder:
    Copier renders it as it is, where it would render a git checkout's newest release.
    """
    into.mkdir(parents=True, exist_ok=True)
    shutil.copy2(root / "copier.yml", into / "copier.yml")
    shutil.copytree(root / "template", into / "template")
    return into


def bundled_template() -> Path:
    """The template that ships with this installation of fastgen."""
    candidates = (_BUNDLED_DIR, _PACKAGE_DIR.parents[1])
    for root in candidates:
        if (root / "copier.yml").is_file() and (root / "template").is_dir():
            return root
    raise FastgenError("this fastgen installation has no template; reinstall it or pass --template")


def option_model_for(source: str | None) -> OptionModel | None:
    """The option model of a template source, when it can be read without fetching anything.

    A remote source (a git URL) is only known to Copier after cloning, so it yields None.
    """
    root = bundled_template() if source is None else Path(source).expanduser()
    if source is not None and not is_url(source) and not root.exists():
        raise FastgenError(f"template {source} does not exist")
    copier_yml = root / "copier.yml"
    if not copier_yml.is_file():
        return None
    return OptionModel.from_file(copier_yml)


def bundled_option_model() -> OptionModel:
    return OptionModel.from_file(bundled_template() / "copier.yml")


def bundled_commit() -> str | None:
    """The template commit the wheel was built from (`git describe --tags --always`, written by
    generator/hatch_build.py), or None for a wheel built without git."""
    path = _BUNDLED_DIR / "template_commit"
    if not path.is_file():
        return None
    return path.read_text(encoding="utf-8").strip() or None


def is_bundled(source: str) -> bool:
    """Whether `source` is the template copy inside an installed wheel (not a git repo)."""
    return Path(source).expanduser().resolve() == _BUNDLED_DIR


def is_url(source: str) -> bool:
    """Whether Copier reads `source` as a remote repository rather than a local path."""
    return _URL.match(source) is not None


def is_git_source(source: str) -> bool:
    """Whether Copier reads `source` through git: a URL, or a local git repository."""
    return is_url(source) or is_git_repository(source)


def is_git_repository(source: str) -> bool:
    """Whether `source` is a local git repository: a checkout, or a bare repository whose name
    ends in `.git` (which Copier, too, reads through git)."""
    if is_url(source):
        return False
    path = Path(source).expanduser()
    return (path / ".git").exists() or (path.name.endswith(".git") and path.is_dir())


def absolute_source(source: str) -> str:
    """A local template path made absolute; a URL (`gh:owner/repo`, `https://...`) as it is.

    Copier records the path it was given in the answers file and resolves a relative one from the
    folder `copier update` runs in, so a relative path would break later updates.
    """
    if source.startswith("file://") and not source.endswith(".git"):
        # Copier reads such a URL as the name of a folder, and fails to find it.
        path = source.removeprefix("file://")
        raise FastgenError(
            f"give the template {source} as the path {path}, or as the git URL git+{source}"
        )
    return source if is_url(source) else str(Path(source).expanduser().resolve())
