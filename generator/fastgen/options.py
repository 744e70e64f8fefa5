"""The option model: the questions of copier.yml, read from the file and nowhere else."""

from __future__ import annotations

import keyword
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import yaml

from fastgen.errors import FastgenError

QuestionType = Literal["str", "int", "float", "bool", "yaml", "json", "path"]
_QUESTION_TYPES: frozenset[str] = frozenset({"str", "int", "float", "bool", "yaml", "json", "path"})


@dataclass(frozen=True)
class Choice:
    """One allowed value of a question, with the label Copier shows for it."""

    label: str
    value: Any


@dataclass(frozen=True)
class Question:
    """One question of copier.yml."""

    name: str
    type: QuestionType
    help: str
    default: Any
    choices: tuple[Choice, ...] = ()
    multiselect: bool = False
    when: Any = True
    validator: str | None = None
    secret: bool = False

    @property
    def flag(self) -> str:
        """The command-line flag of this question, e.g. `--project-name`."""
        return "--" + self.name.replace("_", "-")

    @property
    def default_is_derived(self) -> bool:
        """Whether the default is a Jinja expression computed from other answers."""
        return isinstance(self.default, str) and "{{" in self.default

    @property
    def choice_values(self) -> tuple[Any, ...]:
        return tuple(choice.value for choice in self.choices)

    @property
    def is_conditional(self) -> bool:
        """Whether the question is asked only under a `when:` condition."""
        return self.when is not True


@dataclass(frozen=True)
class OptionModel:
    """Every question of a template, in the order copier.yml declares them."""

    questions: tuple[Question, ...]
    settings: Mapping[str, Any]

    def __iter__(self) -> Iterator[Question]:
        return iter(self.questions)

    def __contains__(self, name: object) -> bool:
        return any(question.name == name for question in self.questions)

    def __getitem__(self, name: str) -> Question:
        for question in self.questions:
            if question.name == name:
                return question
        raise KeyError(name)

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(question.name for question in self.questions)

    @classmethod
    def from_file(cls, path: Path) -> OptionModel:
        try:
            raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        except (OSError, yaml.YAMLError) as error:
            raise FastgenError(
                f"cannot read the template's questions from {path}: {error}"
            ) from error
        return cls.from_mapping(raw, str(path))

    @classmethod
    def from_mapping(cls, raw: object, source: str = "copier.yml") -> OptionModel:
        """The model of copier.yml's parsed content; `source` names it in errors."""
        if not isinstance(raw, dict):
            raise FastgenError(f"{source} does not hold a mapping of questions")
        settings = {key: value for key, value in raw.items() if key.startswith("_")}
        questions = tuple(
            _parse_question(name, spec, source)
            for name, spec in raw.items()
            if not name.startswith("_")
        )
        return cls(questions=questions, settings=settings)


def _parse_question(name: str, spec: Any, path: str) -> Question:
    if not name.isidentifier() or keyword.iskeyword(name):
        raise FastgenError(f"{path}: question name {name!r} is not an identifier")
    if not isinstance(spec, dict):
        # Copier's short form `name: default` declares a str question with that default.
        spec = {"type": "str", "default": spec}
    qtype = spec.get("type", "str")
    if qtype not in _QUESTION_TYPES:
        raise FastgenError(f"{path}: question {name!r} has an unknown type {qtype!r}")
    return Question(
        name=name,
        type=qtype,
        help=str(spec.get("help", "")).strip(),
        default=spec.get("default"),
        choices=_parse_choices(spec.get("choices")),
        multiselect=bool(spec.get("multiselect", False)),
        when=spec.get("when", True),
        validator=spec.get("validator"),
        secret=bool(spec.get("secret", False)),
    )


def _parse_choices(raw: Any) -> tuple[Choice, ...]:
    if raw is None:
        return ()
    if isinstance(raw, dict):
        return tuple(
            Choice(label=str(label), value=value["value"] if isinstance(value, dict) else value)
            for label, value in raw.items()
        )
    return tuple(
        Choice(label=str(item[0]), value=item[1])
        if isinstance(item, list | tuple)
        else Choice(label=str(item), value=item)
        for item in raw
    )
