"""`fastgen new` from an installed wheel: the template travels inside it; no network needed."""

from __future__ import annotations

import shutil
from pathlib import Path

import yaml

from fastgen.environments import uv_environment
from tests.conftest import REPO_ROOT, UV, project_files, render, run


def test_fastgen_new_from_a_wheel_works_without_network(template_dir: Path, tmp_path: Path) -> None:
    unshare = shutil.which("unshare")
    assert unshare is not None, "this test needs util-linux's unshare to cut the network off"
    env = uv_environment()
    run(
        [UV, "build", "--wheel", "--quiet", "--out-dir", str(tmp_path / "dist"), str(REPO_ROOT)],
        env=env,
    )
    [wheel] = (tmp_path / "dist").glob("*.whl")
    venv = tmp_path / "venv"
    run([UV, "venv", "--quiet", "--python", "3.11", str(venv)], env=env)
    run([UV, "pip", "install", "--quiet", "--python", str(venv), str(wheel)], env=env)

    # A new network namespace has no interface but a downed loopback: nothing can be fetched.
    offline = run(
        [unshare, "--net", "--", str(venv / "bin" / "fastgen"), "new", "svc", "--defaults"],
        cwd=tmp_path,
    )
    assert "Created svc" in offline.stdout

    from_wheel = project_files(tmp_path / "svc")
    from_checkout = project_files(render(template_dir, tmp_path / "reference"))
    assert from_wheel.keys() == from_checkout.keys()
    for name, content in from_wheel.items():
        if name != ".copier-answers.yml":
            assert content == from_checkout[name], name
    answers = yaml.safe_load(from_wheel[".copier-answers.yml"])
    source = Path(answers["_src_path"])
    assert source.is_relative_to(venv), source
    assert (source / "copier.yml").is_file()
    # That copy is no git repository: the project records the commit the wheel was built from,
    # as Copier records a checkout's, so an update can start from it.
    built_from = run(["git", "describe", "--tags", "--always"], cwd=REPO_ROOT).stdout.strip()
    assert answers["_commit"] == built_from
    fastgen = str(venv / "bin" / "fastgen")
    refused = run([fastgen, "update", "svc", "--defaults"], cwd=tmp_path, check=False)
    assert refused.returncode != 0
    assert "is not a git repository; pass --template" in refused.stderr
    updated = run(
        [fastgen, "update", "svc", "--defaults", "--template", str(REPO_ROOT)], cwd=tmp_path
    )
    assert "Updated" in updated.stdout
