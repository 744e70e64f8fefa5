"""Where the template comes from: the copy bundled in the wheel, or the checkout it runs from."""

from __future__ import annotations

from pathlib import Path

from fastgen.errors import FastgenError
from fastgen.options import OptionModel

_PACKAGE_DIR = Path(__file__).resolve().parent


def bundled_template() -> Path:
    """The template that ships with this installation of fastgen."""
    candidates = (_PACKAGE_DIR / "bundled", _PACKAGE_DIR.parents[1])
    for root in candidates:
        if (root / "copier.yml").is_file() and (root / "template").is_dir():
            return root
    raise FastgenError("this fastgen installation has no template; reinstall it or pass --template")


def option_model_for(source: str | None) -> OptionModel | None:
    """The option model of a template source, when it can be read without fetching anything.

    A remote source (a git URL) is only known to Copier after cloning, so it yields None.
    """
    root = bundled_template() if source is None else Path(source).expanduser()
    copier_yml = root / "copier.yml"
    if not copier_yml.is_file():
        return None
    return OptionModel.from_file(copier_yml)


def bundled_option_model() -> OptionModel:
    return OptionModel.from_file(bundled_template() / "copier.yml")
