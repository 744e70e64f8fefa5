"""The matrix: counts that agree with an independent count, full 3-way coverage, shards, formats."""

from __future__ import annotations

import itertools
import json
import random
import shlex
from pathlib import Path

import copier
import pytest

from fastgen import matrix
from fastgen.options import OptionModel
from fastgen.rules import Rules
from tests.conftest import FASTGEN, REPO_ROOT, Runner, run

STAND_IN = OptionModel.from_file(Path(__file__).parent / "data" / "matrix-copier.yml")
REAL = OptionModel.from_file(REPO_ROOT / "copier.yml")


def test_counts_of_the_stand_in_agree_with_arithmetic() -> None:
    # 4 databases x 2 docker x 4 task engines x 2^7 middleware sets, less taskiq with no database.
    assert len(matrix.core_rows(STAND_IN)) == 4 * 2 * 4 * 2**7 - 1 * 2 * 1 * 2**7
    # The full product adds the 3 Python versions.
    assert len(matrix.full_rows(STAND_IN)) == 3 * (4 * 2 * 4 * 2**7 - 2 * 2**7)


def test_core_rows_keep_other_options_at_their_defaults() -> None:
    for row in matrix.core_rows(STAND_IN):
        assert row["python_version"] == "3.12"


@pytest.mark.parametrize("model", [STAND_IN, REAL], ids=["stand-in", "copier.yml"])
def test_covering_rows_cover_every_valid_three_way_combination(model: OptionModel) -> None:
    rows = matrix.covering_rows(model)
    assert matrix.uncovered(model, rows) == set()
    rules = Rules(model)
    assert all(rules.accepts(row) for row in rows)
    assert len(rows) <= len(matrix.full_rows(model))


def test_the_coverage_check_finds_a_missing_combination() -> None:
    rows = [row for row in matrix.covering_rows(STAND_IN) if row["database"] != "mysql"]
    missing = matrix.uncovered(STAND_IN, rows)
    assert missing
    assert any(("database", "mysql") in combination for combination in missing)


def test_covering_rows_are_far_fewer_than_the_full_product() -> None:
    assert len(matrix.covering_rows(STAND_IN)) < len(matrix.full_rows(STAND_IN)) / 50


def test_rules_agree_with_copier_on_a_sample(tmp_path: Path) -> None:
    """The matrix's reading of copier.yml's rules is the one Copier applies when it renders."""
    template = tmp_path / "template"
    (template / "template").mkdir(parents=True)
    (template / "copier.yml").write_text(
        (Path(__file__).parent / "data" / "matrix-copier.yml").read_text(encoding="utf-8")
        + "_subdirectory: template\n",
        encoding="utf-8",
    )
    (template / "template" / "README.md").write_text("stand-in\n", encoding="utf-8")
    rules = Rules(STAND_IN)
    domains = [matrix.answer_domain(q) for q in matrix.option_questions(STAND_IN)]
    names = [q.name for q in matrix.option_questions(STAND_IN)]
    every = list(itertools.product(*domains))
    sample = random.Random(7).sample(every, 40)  # noqa: S311 - a reproducible test sample
    verdicts = set()
    for values in sample:
        row = dict(zip(names, values, strict=True))
        try:
            copier.run_copy(
                str(template), tmp_path / "out", data=row, defaults=True, pretend=True, quiet=True
            )
            accepted = True
        except ValueError:
            accepted = False
        assert rules.accepts(row) == accepted, row
        verdicts.add(accepted)
    assert verdicts == {True, False}, "the sample must hold both valid and invalid rows"


def test_shards_partition_the_rows() -> None:
    rows = matrix.core_rows(STAND_IN)
    shards = [matrix.shard(rows, index, 7) for index in range(1, 8)]
    assert sum(len(part) for part in shards) == len(rows)
    assert sorted(map(repr, itertools.chain(*shards))) == sorted(map(repr, rows))
    assert max(map(len, shards)) - min(map(len, shards)) <= 1


def test_github_jobs_stay_under_the_limit_and_hold_every_row() -> None:
    rows = len(matrix.core_rows(STAND_IN))
    jobs = json.loads(json.dumps(matrix_github(rows)))["include"]
    assert len(jobs) == 256
    assert sum(int(job["rows"]) for job in jobs) == rows
    assert {job["shard"] for job in jobs} == {f"{i}/256" for i in range(1, 257)}


def matrix_github(rows: int) -> dict[str, list[dict[str, str]]]:
    from fastgen.matrix_command import github_jobs

    return github_jobs("core", rows, 256)


def test_count_command_agrees_with_the_sets() -> None:
    counts = json.loads(run([FASTGEN, "matrix", "--count", "--format", "json"]).stdout)
    assert counts == {name: len(matrix.select(REAL, name)) for name in matrix.SET_NAMES}
    text = run([FASTGEN, "matrix", "--count", "--format", "lines"]).stdout
    assert text.split() == [str(item) for pair in counts.items() for item in pair]


def test_json_rows_and_shards_from_the_command() -> None:
    rows = json.loads(run([FASTGEN, "matrix", "--set", "full"]).stdout)
    assert rows == matrix.full_rows(REAL)
    first = json.loads(run([FASTGEN, "matrix", "--set", "full", "--shard", "1/2"]).stdout)
    second = json.loads(run([FASTGEN, "matrix", "--set", "full", "--shard", "2/2"]).stdout)
    assert sorted(map(repr, first + second)) == sorted(map(repr, rows))


@pytest.mark.parametrize(
    "arguments",
    [
        ["--shard", "0/2"],
        ["--shard", "3/2"],
        ["--shard", "x/2"],
        ["--shard", "1"],
        # The github format's jobs are the shards: it would print them all, not shard 1.
        ["--format", "github", "--shard", "1/2"],
        # Options the output does not use are refused, not ignored.
        ["--count", "--set", "covering"],
        ["--count", "--shard", "1/2"],
        ["--max-jobs", "4"],
    ],
)
def test_a_bad_shard_or_an_unused_option_is_refused(arguments: list[str]) -> None:
    result = run([FASTGEN, "matrix", *arguments], check=False)
    assert result.returncode != 0
    assert result.stderr.startswith("fastgen: error: ")
    assert len(result.stderr.strip().splitlines()) == 1


def test_lines_render_with_fastgen_new(fastgen_new: Runner, tmp_path: Path) -> None:
    lines = run([FASTGEN, "matrix", "--set", "covering", "--format", "lines"]).stdout.splitlines()
    assert lines
    arguments = shlex.split(lines[-1])
    fastgen_new(str(tmp_path / "svc"), "--defaults", "--no-git", *arguments)
    assert (tmp_path / "svc" / "pyproject.toml").is_file()
