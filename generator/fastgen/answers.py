"""Answers given on the command line: flags, `--data KEY=VALUE` pairs and an answers file."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import yaml

from fastgen.errors import FastgenError
from fastgen.options import OptionModel


def parse_data_pairs(pairs: Iterable[str]) -> dict[str, str]:
    """Parse repeated `--data KEY=VALUE`; Copier parses each value by its question's type."""
    data: dict[str, str] = {}
    for pair in pairs:
        key, separator, value = pair.partition("=")
        key = key.strip()
        if not separator or not key:
            raise FastgenError(f"--data takes KEY=VALUE, got {pair!r}")
        if key in data and data[key] != value:
            raise FastgenError(f"--data gives {key} twice, as {data[key]!r} and {value!r}")
        data[key] = value
    return data


def load_data_file(path: Path) -> dict[str, Any]:
    """Read an answers file (YAML mapping); Copier's own `_`-prefixed keys are ignored."""
    raw = read_answers_mapping(path)
    return {key: value for key, value in raw.items() if not key.startswith("_")}


def read_answers_mapping(path: Path) -> dict[str, Any]:
    """Every key of an answers file, Copier's `_src_path` and `_commit` included."""
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise FastgenError(f"cannot read answers file {path}: {error.strerror}") from error
    except yaml.YAMLError as error:
        problem = getattr(error, "problem", None) or "invalid YAML"
        mark = getattr(error, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark is not None else ""
        raise FastgenError(f"answers file {path} is not valid YAML: {problem}{where}") from error
    if raw is None:
        return {}
    if not isinstance(raw, dict) or not all(isinstance(key, str) for key in raw):
        raise FastgenError(f"answers file {path} must be a mapping of question names to answers")
    return raw


def merge_answers(
    file_data: Mapping[str, Any],
    pair_data: Mapping[str, Any],
    flag_data: Mapping[str, Any],
) -> dict[str, Any]:
    """Combine the sources: flags and `--data` win over the answers file; they must not disagree."""
    for key, value in flag_data.items():
        if key in pair_data and not _same_answer(pair_data[key], value):
            raise FastgenError(
                f"{key} is given as a flag and with --data, differently; give it once"
            )
    return {**file_data, **pair_data, **flag_data}


def _same_answer(pair_value: Any, flag_value: Any) -> bool:
    """Whether a `--data` text means the flag's value: `false` is False, `[cors]` is ['cors']."""
    return bool(pair_value == flag_value or typed_answer(pair_value) == flag_value)


def typed_answer(value: Any) -> Any:
    """A `--data` text as Copier reads it: `false` is False, `[cors]` a list."""
    try:
        return yaml.safe_load(value) if isinstance(value, str) else value
    except yaml.YAMLError:
        return value


def check_known(answers: Mapping[str, Any], model: OptionModel) -> None:
    """Refuse answers to questions the template does not ask, and answers of the wrong type."""
    unknown = sorted(set(answers) - set(model.names))
    if unknown:
        listing = ", ".join(unknown)
        raise FastgenError(f"unknown question {listing}; `fastgen options` lists the questions")
    for question in model:
        value = answers.get(question.name)
        if question.type == "bool" and value is not None and not _is_yes_or_no(value):
            raise FastgenError(f"{question.name} takes true or false, not {value!r}")
        if (
            question.type == "str"
            and isinstance(value, int | float)
            and not isinstance(value, bool)
        ):
            # YAML reads `python_version: 3.10` as the number 3.1.
            raise FastgenError(f"{question.name} was read as the number {value!r}; quote it")
        if question.multiselect and value is not None and not isinstance(typed_answer(value), list):
            example = ", ".join(str(choice.value) for choice in question.choices[:2])
            raise FastgenError(
                f"{question.name} takes a list, as in --data '{question.name}=[{example}]', "
                f"not {value!r}"
            )


# The words Copier reads as a yes/no answer; it would take any other text as yes.
YES_OR_NO = frozenset({"y", "yes", "t", "true", "on", "1", "n", "no", "f", "false", "off", "0"})


def _is_yes_or_no(value: Any) -> bool:
    if isinstance(value, bool):
        return True
    return str(value).strip().lower() in YES_OR_NO
