"""One command-line flag per question of copier.yml, built from the option model."""

from __future__ import annotations

import enum
import inspect
from collections.abc import Mapping
from typing import Annotated, Any, Literal

import typer

from fastgen.errors import FastgenError
from fastgen.options import OptionModel, Question

ANSWERS_PANEL = "Answers (one flag per question of copier.yml)"

_SCALAR_TYPES: Mapping[str, type] = {"int": int, "float": float, "bool": bool}


def none_flag_name(question: Question) -> str:
    """The parameter choosing no value of a multi-choice question, e.g. `--no-middleware`."""
    return f"no_{question.name}"


def question_parameters(model: OptionModel) -> list[inspect.Parameter]:
    """Keyword-only parameters, one per question (two for a multi-choice question)."""
    parameters: list[inspect.Parameter] = []
    for question in model:
        parameters.append(_parameter(question.name, _annotation(question), _option(question)))
        if question.multiselect:
            none_option = typer.Option(
                "--" + none_flag_name(question).replace("_", "-"),
                help=f"Choose no {question.name} at all.",
                rich_help_panel=ANSWERS_PANEL,
            )
            parameters.append(
                _parameter(none_flag_name(question), bool, none_option, default=False)
            )
    return parameters


def answers_from_flags(model: OptionModel, values: Mapping[str, Any]) -> dict[str, Any]:
    """The answers the user gave as flags; a flag left out is no answer."""
    answers: dict[str, Any] = {}
    for question in model:
        value = values.get(question.name)
        if question.multiselect:
            chose_none = bool(values.get(none_flag_name(question)))
            if chose_none and value:
                raise FastgenError(
                    f"--{none_flag_name(question).replace('_', '-')} contradicts {question.flag}"
                )
            if chose_none:
                value = []
            elif value is not None:
                value = [item.value if isinstance(item, enum.Enum) else item for item in value]
        if value is not None:
            answers[question.name] = value
    return answers


def describe_default(question: Question) -> str:
    if question.default_is_derived:
        return "derived from the answers above"
    if isinstance(question.default, bool):
        return "yes" if question.default else "no"
    if isinstance(question.default, list):
        return ", ".join(str(item) for item in question.default) or "none"
    return "" if question.default is None else str(question.default)


def _parameter(name: str, annotation: Any, option: Any, default: Any = None) -> inspect.Parameter:
    return inspect.Parameter(
        name,
        inspect.Parameter.KEYWORD_ONLY,
        default=default,
        annotation=Annotated[annotation, option],
    )


def _annotation(question: Question) -> Any:
    if question.multiselect and question.choices:
        # Typer takes a list of an Enum, not of a Literal, for a repeatable choice flag.
        members = [(str(value), value) for value in question.choice_values]
        return list[enum.Enum(f"{question.name}_choice", members)] | None  # type: ignore[misc]
    if question.choices:
        item: Any = Literal.__getitem__(question.choice_values)
    else:
        item = _SCALAR_TYPES.get(question.type, str)
    if question.multiselect:
        return list[item] | None
    return item | None


def _option(question: Question) -> Any:
    flag = question.flag
    if question.type == "bool" and not question.choices:
        flag = f"{flag}/--no-{question.name.replace('_', '-')}"
    default = describe_default(question)
    help_text = question.help + (f" [default: {default}]" if default else "")
    if question.multiselect:
        help_text += " Repeat the flag for several values."
    return typer.Option(
        flag,
        help=help_text,
        show_default=False,
        rich_help_panel=ANSWERS_PANEL,
    )
