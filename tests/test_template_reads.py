"""The answers a template reads, as tests/template_reads.py finds them."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.template_reads import answers_read, projection

QUESTIONS = ("database", "middleware", "docker", "python_version")


def reads_of(tmp_path: Path, *texts: str) -> dict[str, frozenset[str] | None]:
    paths = []
    for number, text in enumerate(texts):
        path = tmp_path / f"{number}.jinja"
        path.write_text(text, encoding="utf-8")
        paths.append(path)
    return answers_read(paths, QUESTIONS)


def test_plain_reads_and_membership_tests(tmp_path: Path) -> None:
    reads = reads_of(
        tmp_path,
        "{% if database == 'sqlite' %}x{% endif %}{{ package_name }}",
        "{% if 'cors' in middleware %}c{% endif %}{% if 'gzip' not in middleware %}g{% endif %}",
    )
    # package_name is no question; docker and python_version are not read.
    assert reads == {"database": None, "middleware": frozenset({"cors", "gzip"})}


def test_any_other_use_of_a_list_reads_all_of_it(tmp_path: Path) -> None:
    reads = reads_of(
        tmp_path,
        "{% if 'cors' in middleware %}c{% endif %}",
        "{{ middleware | length }}",
    )
    assert reads == {"middleware": None}


def test_rows_that_differ_only_in_unread_members_project_alike() -> None:
    reads: dict[str, frozenset[str] | None] = {"middleware": frozenset({"cors"}), "database": None}
    first = {"middleware": ["cors", "gzip"], "database": "sqlite", "docker": True}
    second = {"middleware": ["timing", "cors"], "database": "sqlite", "docker": False}
    third = {"middleware": ["gzip"], "database": "sqlite", "docker": True}
    assert projection(first, reads) == projection(second, reads)
    assert projection(first, reads) != projection(third, reads)


def test_an_included_template_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="includes or imports"):
        reads_of(tmp_path, "{% include 'other.jinja' %}")
