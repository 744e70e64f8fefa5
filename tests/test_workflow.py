"""The repository's GitHub Actions workflow passes actionlint and plans its jobs with fastgen."""

from __future__ import annotations

from tests.conftest import BIN_DIR, REPO_ROOT, run

WORKFLOW = REPO_ROOT / ".github" / "workflows" / "ci.yml"


def test_workflow_passes_actionlint() -> None:
    result = run([str(BIN_DIR / "actionlint"), "-no-color", str(WORKFLOW)], cwd=REPO_ROOT)
    assert result.stdout == ""


def test_workflow_plans_with_fastgen_matrix_and_runs_test_matrix() -> None:
    text = WORKFLOW.read_text(encoding="utf-8")
    assert "fastgen matrix --set core --format github" in text
    assert "fastgen matrix --set covering --format github" in text
    assert "fastgen test-matrix" in text
    assert "bash .ci/run" in text
