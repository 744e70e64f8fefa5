"""copier.yml's rules (`when:` and `validator:`) evaluated for a whole set of answers.

Copier checks them one question at a time while it asks; the matrix needs to know, before rendering,
whether a combination of answers is one Copier would accept. Both read the same Jinja expressions,
rendered the way Copier renders them (a sandbox with the Ansible filters Copier loads by default).
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cached_property
from typing import Any

from jinja2 import Template, meta
from jinja2.sandbox import SandboxedEnvironment

from fastgen.options import OptionModel, Question

_FALSE_WORDS = frozenset({"", "false", "no", "n", "off", "0", "none", "null"})


class Rules:
    """The constraints of an option model, as a predicate on answers."""

    def __init__(self, model: OptionModel) -> None:
        self.model = model
        self._env = SandboxedEnvironment(
            extensions=["jinja2_ansible_filters.AnsibleCoreFiltersExtension"]
        )
        # Each source compiled once, with the names it reads.
        self._compiled: dict[str, tuple[Template, tuple[str, ...]]] = {}
        # A rule reads a few answers, and the matrix asks it about thousands of rows that differ
        # only in others: each source is rendered once per combination of what it reads.
        self._rendered: dict[tuple[str, tuple[str, ...]], str] = {}

    def is_asked(self, question: Question, answers: Mapping[str, Any]) -> bool:
        """Whether the question's `when:` holds for these answers."""
        when = question.when
        if isinstance(when, str):
            return _truthy(self._render(when, answers))
        return bool(when)

    def problem(self, question: Question, answers: Mapping[str, Any]) -> str:
        """The validator's message for the question's answer, or "" when it is valid."""
        if not question.validator or not self.is_asked(question, answers):
            return ""
        return self._render(question.validator, answers).strip()

    def accepts(self, answers: Mapping[str, Any], names: frozenset[str] | None = None) -> bool:
        """Whether Copier would accept the answers to `names` (default: every answered question)."""
        names = frozenset(answers) if names is None else names
        for question in self.model:
            if question.name not in names:
                continue
            # A hidden question takes its default; any other value is not a real choice.
            hidden = question.name in answers and not self.is_asked(question, answers)
            if hidden and answers[question.name] != question.default:
                return False
            if self.problem(question, answers):
                return False
        return True

    def referenced(self, question: Question) -> frozenset[str]:
        """The questions that the question's rules read, itself included."""
        names = {question.name}
        for source in (question.when, question.validator):
            if isinstance(source, str):
                names.update(self._compiled_rule(source)[1])
        return frozenset(names) & self._question_names

    @cached_property
    def _question_names(self) -> frozenset[str]:
        return frozenset(self.model.names)

    def _render(self, source: str, answers: Mapping[str, Any]) -> str:
        template, reads = self._compiled_rule(source)
        key = (source, tuple(repr(answers[name]) if name in answers else "" for name in reads))
        rendered = self._rendered.get(key)
        if rendered is None:
            rendered = self._rendered[key] = template.render(dict(answers))
        return rendered

    def _compiled_rule(self, source: str) -> tuple[Template, tuple[str, ...]]:
        """`source` compiled, with the names it reads."""
        compiled = self._compiled.get(source)
        if compiled is None:
            tree = self._env.parse(source)
            reads = tuple(sorted(meta.find_undeclared_variables(tree)))
            compiled = self._compiled[source] = (self._env.from_string(tree), reads)
        return compiled


def _truthy(rendered: str) -> bool:
    return rendered.strip().lower() not in _FALSE_WORDS
