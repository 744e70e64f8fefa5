"""Which answers a template file reads, found in its Jinja syntax tree.

A file rendered from a template is a function of the answers it reads, so rows that agree on
those answers render it byte for byte the same. A list answer read only through membership tests
(`'access_log' in middleware`) is read as those memberships, not as the whole list. The tests use
this to check each distinct rendering of a file once while still accounting for every row.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import jinja2
from jinja2 import meta, nodes

# None: the whole value is read. A set: only whether these members are in the list.
Reads = dict[str, frozenset[str] | None]


def answers_read(templates: Iterable[Path], questions: Iterable[str]) -> Reads:
    """The answers among `questions` that the templates read, and how."""
    environment = jinja2.Environment(extensions=["jinja2.ext.do"], autoescape=False)  # noqa: S701
    names = set(questions)
    reads: Reads = {}
    for template in templates:
        tree = environment.parse(template.read_text(encoding="utf-8"))
        if list(meta.find_referenced_templates(tree)):
            msg = f"{template.name} includes or imports another template: follow it too"
            raise ValueError(msg)
        for name in meta.find_undeclared_variables(tree) & names:
            members = _membership_tests(tree, name)
            known = reads.get(name, frozenset())
            if members is None or known is None:
                reads[name] = None
            else:
                reads[name] = known | members
    return reads


def projection(row: Mapping[str, Any], reads: Reads) -> tuple[tuple[str, Any], ...]:
    """What of `row` the templates see: equal projections render equal files."""
    seen: list[tuple[str, Any]] = []
    for name, members in sorted(reads.items()):
        value = row[name]
        if members is None:
            seen.append((name, tuple(value) if isinstance(value, list) else value))
        else:
            seen.append((name, tuple(sorted(member for member in members if member in value))))
    return tuple(seen)


def _membership_tests(tree: nodes.Template, name: str) -> frozenset[str] | None:
    """The constants tested with `in`/`not in` against `name`, when that is its only use."""
    uses = sum(1 for node in tree.find_all(nodes.Name) if node.name == name)
    members: set[str] = set()
    for compare in tree.find_all(nodes.Compare):
        if len(compare.ops) != 1 or compare.ops[0].op not in {"in", "notin"}:
            continue
        right, left = compare.ops[0].expr, compare.expr
        if isinstance(right, nodes.Name) and right.name == name and isinstance(left, nodes.Const):
            members.add(str(left.value))
            uses -= 1
    return frozenset(members) if uses == 0 else None
