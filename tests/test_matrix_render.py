"""The matrix runner's rendering shortcuts: a snapshot of a git template, compiled Jinja kept,
and failed rows reproduced from what was rendered."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import copier
import pytest

from fastgen.matrix_runner import Failure, Report
from fastgen.template_snapshot import snapshot_template
from tests.conftest import project_files, run

DIRTY_TEMPLATE = {
    "copier.yml": "name:\n  type: str\n  default: demo\n_subdirectory: template\n",
    ".gitignore": "*.log\n",
    "template/{{ name }}.txt.jinja": "committed {{ name }}\n",
    "template/changed.txt": "as committed\n",
    "template/deleted.txt": "deleted later\n",
}

# Renders rows with the cache installed; prints the cache's size after each, then how two
# environments that differ only in `trim_blocks` render one source.
CACHED_RENDERS = """
import json, sys
from pathlib import Path

import copier
from jinja2 import Environment

from fastgen.jinja_compile_cache import compiled_templates, keep_compiled_templates

keep_compiled_templates()
template, out, rows = sys.argv[1], Path(sys.argv[2]), json.loads(sys.argv[3])
sizes = []
for name, data in rows.items():
    copier.run_copy(template, out / name, data=data, defaults=True, quiet=True)
    sizes.append(compiled_templates())
source = "{% if true %}\\nx{% endif %}"
trimmed = Environment(trim_blocks=True).from_string(source).render()
kept = Environment().from_string(source).render()
print(json.dumps({"sizes": sizes, "trimmed": trimmed, "kept": kept}))
"""


def write_tree(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)


# Copier's note that it includes the uncommitted changes: the test makes them on purpose.
@pytest.mark.filterwarnings("ignore::copier.errors.DirtyLocalWarning")
def test_a_git_template_is_snapshotted_as_copier_sees_its_working_tree(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    write_tree(repo, DIRTY_TEMPLATE)
    run(["git", "init", "-q"], cwd=repo)
    run(["git", "add", "-A"], cwd=repo)
    run(["git", "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "t"], cwd=repo)
    (repo / "template" / "changed.txt").write_text("changed, not committed\n")
    (repo / "template" / "deleted.txt").unlink()
    write_tree(repo, {"template/untracked.txt": "new\n", "template/debug.log": "ignored\n"})

    snapshot = snapshot_template(repo, tmp_path / "snapshot")

    assert snapshot == tmp_path / "snapshot"
    assert sorted(project_files(snapshot)) == [
        ".gitignore",
        "copier.yml",
        "template/changed.txt",
        "template/untracked.txt",
        "template/{{ name }}.txt.jinja",
    ]
    from_repo = copier.run_copy(str(repo), tmp_path / "from-repo", defaults=True, quiet=True)
    from_snapshot = copier.run_copy(str(snapshot), tmp_path / "from-snapshot", defaults=True)
    answers = from_repo.answers_relpath.as_posix()
    rendered = {k: v for k, v in project_files(from_repo.dst_path).items() if k != answers}
    assert rendered == {
        "demo.txt": b"committed demo\n",
        "changed.txt": b"changed, not committed\n",
        "untracked.txt": b"new\n",
    }
    assert {
        k: v for k, v in project_files(from_snapshot.dst_path).items() if k != answers
    } == rendered


def test_a_plain_folder_template_is_rendered_where_it_is(template_dir: Path) -> None:
    assert snapshot_template(template_dir, template_dir.parent / "unused") == template_dir
    assert not (template_dir.parent / "unused").exists()


def test_kept_compiled_templates_render_what_copier_renders(
    template_dir: Path, tmp_path: Path
) -> None:
    rows = {
        "first": {},
        "other": {"database": "postgresql", "middleware": ["gzip"], "docker": True},
        "again": {},
    }
    result = subprocess.run(
        [sys.executable, "-c", CACHED_RENDERS, str(template_dir), str(tmp_path), json.dumps(rows)],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    outcome = json.loads(result.stdout)
    first, other, again = outcome["sizes"]
    assert first > 100, "the first render compiles the template"
    assert other > first, "files only the other options use are compiled once they are rendered"
    assert again == other, "a row rendered before compiles nothing anew"
    # This process compiles as Jinja does: `fastgen new` would keep compiled templates too.
    uncached = tmp_path / "uncached"
    copier.run_copy(str(template_dir), uncached, defaults=True, quiet=True)
    assert project_files(tmp_path / "first") == project_files(uncached)
    assert project_files(tmp_path / "again") == project_files(uncached)
    # One source, two lexer configurations: each environment gets its own compiled code.
    assert (outcome["trimmed"], outcome["kept"]) == ("x", "\nx")


def test_a_failed_row_of_a_git_template_is_reproduced_from_its_working_tree(
    template_dir: Path, tmp_path: Path
) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    run(["git", "init", "-q"], cwd=repo)
    failure = Failure("tests", "python -m pytest", "")
    row = {"database": "sqlite"}
    plain = Report("set", [], 0.0, str(template_dir)).reproduce(row, failure)
    git = Report("set", [], 0.0, str(repo)).reproduce(row, failure)

    assert "--vcs-ref" not in plain
    assert f"--template {repo} --vcs-ref HEAD --data database=sqlite" in git
