"""The option reference page of the docs, produced from the option model."""

from __future__ import annotations

import re

from fastgen.flags import describe_default
from fastgen.options import OptionModel, Question

_RULE_MESSAGE = re.compile(r"%}\s*([^{}]+?)\s*{%")

_HEADER = """\
# Option reference

<!-- Produced from copier.yml by `fastgen options --format markdown`; do not edit by hand. -->

Every question of the template, in the order it is asked. Answer a question with its flag
(`fastgen new my-service --python-version 3.13`), with `--data NAME=VALUE` (`fastgen new` or
`copier copy`), or in an answers file passed with `--data-file`.
"""


def markdown_reference(model: OptionModel) -> str:
    sections = [_HEADER]
    sections += [_section(question) for question in model]
    return "\n".join(sections)


def _section(question: Question) -> str:
    lines = [f"## `{question.name}`", "", question.help + ".", ""]
    lines.append(f"- Flag: `{question.flag}`")
    if question.choices:
        choices = ", ".join(f"`{choice.value}`" for choice in question.choices)
        lines.append(f"- Choices: {choices}")
    default = describe_default(question)
    if question.default_is_derived:
        lines.append(f"- Default: {default}: `{question.default}`")
    elif default:
        lines.append(f"- Default: `{default}`")
    if question.validator:
        # A validator's messages stand between its `{% if %}`/`{% elif %}` tags.
        rules = _RULE_MESSAGE.findall(question.validator)
        lines += [f"- Rule: {rule}" for rule in rules]
    if question.is_conditional:
        lines.append(f"- Asked only when: `{question.when}`")
    return "\n".join(lines) + "\n"
