"""The option combinations to test: the core product, t-wise covering rows, and the full product.

Everything comes from the option model: the options are the questions with a finite set of answers
(choices, yes/no, multi-choice), the core options are named once in copier.yml
(`_fastgen_core_options`), and a combination is valid when Copier's own rules (`when:` and
`validator:`) accept it.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import covertable

from fastgen.errors import FastgenError
from fastgen.options import OptionModel, Question
from fastgen.rules import Rules

Row = dict[str, Any]
SetName = Literal["core", "covering", "full"]
SET_NAMES: tuple[SetName, ...] = ("core", "covering", "full")
CORE_SETTING = "_fastgen_core_options"
COVERING_STRENGTH = 3


@dataclass(frozen=True)
class Factor:
    """One dimension of a covering array: a question, or one choice of a multi-choice question."""

    name: str
    question: str
    values: tuple[Any, ...]
    member: Any = None

    @property
    def is_member(self) -> bool:
        return self.member is not None


def option_questions(model: OptionModel) -> tuple[Question, ...]:
    """The questions whose answers form a finite set: the ones a matrix can enumerate."""
    return tuple(q for q in model if q.choices or q.type == "bool")


def core_option_names(model: OptionModel) -> tuple[str, ...]:
    """The core options copier.yml names, each checked to be an option."""
    names = model.settings.get(CORE_SETTING, [])
    options = {q.name for q in option_questions(model)}
    unknown = [name for name in names if name not in options]
    if unknown:
        raise FastgenError(f"{CORE_SETTING} names {', '.join(unknown)}, which are not options")
    return tuple(names)


def default_row(model: OptionModel) -> Row:
    return {q.name: _normalise(q, q.default) for q in option_questions(model)}


def answer_domain(question: Question) -> tuple[Any, ...]:
    """Every answer a question can take; a multi-choice question takes every subset."""
    if question.multiselect:
        values = question.choice_values
        subsets = itertools.chain.from_iterable(
            itertools.combinations(values, size) for size in range(len(values) + 1)
        )
        return tuple(list(subset) for subset in subsets)
    if question.choices:
        return question.choice_values
    return (True, False)


def product_rows(model: OptionModel, names: Sequence[str]) -> list[Row]:
    """Every valid combination of the answers of `names`, the other options at their defaults."""
    rules = Rules(model)
    base = default_row(model)
    domains = [answer_domain(model[name]) for name in names]
    rows = []
    for values in itertools.product(*domains):
        row = base | dict(zip(names, values, strict=True))
        if rules.accepts(row):
            rows.append(row)
    return rows


def core_rows(model: OptionModel) -> list[Row]:
    return product_rows(model, core_option_names(model))


def full_rows(model: OptionModel) -> list[Row]:
    return product_rows(model, [q.name for q in option_questions(model)])


def factors(model: OptionModel) -> tuple[Factor, ...]:
    """The covering array's factors: each option, with each multi-choice choice a yes/no factor."""
    result: list[Factor] = []
    for question in option_questions(model):
        if question.multiselect:
            result += [
                Factor(f"{question.name}={value}", question.name, (True, False), member=value)
                for value in question.choice_values
            ]
        else:
            result.append(Factor(question.name, question.name, answer_domain(question)))
    return tuple(result)


def covering_rows(model: OptionModel, strength: int = COVERING_STRENGTH) -> list[Row]:
    """Rows that hold every valid `strength`-way combination of option values at least once."""
    all_factors = factors(model)
    rules = Rules(model)
    base = default_row(model)
    constraints = [
        {
            "operator": "fn",
            "requires": [f.name for f in all_factors if f.question in rules.referenced(question)],
            "evaluate": _constraint(model, rules, base, question),
        }
        for question in option_questions(model)
        if question.validator or question.is_conditional
    ]
    strength = min(strength, len(all_factors))
    made = covertable.make(
        {f.name: list(f.values) for f in all_factors},
        strength=strength,
        constraints=constraints or None,
    )
    rows = {_key(row): row for row in (collapse(model, expanded) for expanded in made)}
    return [rows[key] for key in sorted(rows, key=repr)]


def tuples_of(row: Row, all_factors: Sequence[Factor], strength: int) -> Iterator[tuple[Any, ...]]:
    """The `strength`-way value combinations a row holds, as (factor, value, ...) tuples."""
    expanded = expand(row, all_factors)
    names = [f.name for f in all_factors]
    for chosen in itertools.combinations(names, min(strength, len(names))):
        yield tuple((name, _hashable(expanded[name])) for name in chosen)


def uncovered(
    model: OptionModel, rows: Iterable[Row], strength: int = COVERING_STRENGTH
) -> set[tuple[Any, ...]]:
    """The valid combinations (those some valid full row holds) that `rows` miss."""
    all_factors = factors(model)
    needed = {t for row in full_rows(model) for t in tuples_of(row, all_factors, strength)}
    held = {t for row in rows for t in tuples_of(row, all_factors, strength)}
    return needed - held


def expand(row: Row, all_factors: Sequence[Factor]) -> dict[str, Any]:
    """A row in covering-array form: multi-choice answers become one yes/no per choice."""
    return {
        f.name: (f.member in row[f.question]) if f.is_member else row[f.question]
        for f in all_factors
    }


def collapse(model: OptionModel, expanded: Mapping[str, Any]) -> Row:
    """A covering-array row back in answer form."""
    row = default_row(model)
    for question in option_questions(model):
        if question.multiselect:
            chosen = row[question.name]
            row[question.name] = [
                value
                for value in question.choice_values
                if expanded.get(f"{question.name}={value}", value in chosen)
            ]
        elif question.name in expanded:
            row[question.name] = expanded[question.name]
    return row


def select(model: OptionModel, set_name: SetName) -> list[Row]:
    if set_name == "core":
        return core_rows(model)
    if set_name == "covering":
        return covering_rows(model)
    return full_rows(model)


def shard(rows: Sequence[Row], index: int, count: int) -> list[Row]:
    """Shard `index` (1-based) of `count`: every count-th row, so shards stay balanced."""
    if count < 1 or not 1 <= index <= count:
        raise FastgenError(f"--shard takes I/N with 1 <= I <= N, got {index}/{count}")
    return list(rows[index - 1 :: count])


def row_label(row: Row, model: OptionModel) -> str:
    """A short name for a row: the answers that differ from the defaults."""
    defaults = default_row(model)
    parts = [
        f"{name}={_format(value)}" for name, value in row.items() if value != defaults.get(name)
    ]
    return ",".join(parts) or "defaults"


def data_arguments(row: Row) -> list[str]:
    """The row as `fastgen new` / `copier copy` `--data KEY=VALUE` pairs."""
    return [f"{name}={_format(value)}" for name, value in row.items()]


def _constraint(model: OptionModel, rules: Rules, base: Row, question: Question) -> Any:
    names = frozenset({question.name})

    def evaluate(expanded: Mapping[str, Any]) -> bool:
        return rules.accepts(base | collapse(model, expanded), names)

    return evaluate


def _normalise(question: Question, value: Any) -> Any:
    return list(value or []) if question.multiselect else value


def _format(value: Any) -> str:
    if isinstance(value, list):
        return "[" + ", ".join(str(item) for item in value) + "]"
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _hashable(value: Any) -> Any:
    return tuple(value) if isinstance(value, list) else value


def _key(row: Row) -> tuple[tuple[str, Any], ...]:
    return tuple((name, _hashable(value)) for name, value in row.items())
