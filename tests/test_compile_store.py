"""Compiled templates kept between runs: reused where they apply, never where they do not."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import copier

from fastgen.jinja_compile_cache import default_store
from tests.conftest import FASTGEN, project_files, run

# Renders the template with a store, saves it, and prints how many sources it compiled.
RENDER_WITH_STORE = """
import sys
from pathlib import Path

import copier

from fastgen.jinja_compile_cache import (
    compilations, keep_compiled_templates, save_compiled_templates
)

keep_compiled_templates(Path(sys.argv[1]))
copier.run_copy(sys.argv[2], Path(sys.argv[3]), defaults=True, quiet=True)
save_compiled_templates()
print(compilations())
"""

# Renders one source in the environments named on the command line, with a store.
RENDER_SOURCE = """
import json, sys
from pathlib import Path

from jinja2 import Environment

from fastgen.jinja_compile_cache import (
    compilations, keep_compiled_templates, save_compiled_templates
)

keep_compiled_templates(Path(sys.argv[1]))
source = "{% if true %}\\nx{% endif %}"
rendered = {
    setting: Environment(trim_blocks=setting == "trimmed").from_string(source).render()
    for setting in sys.argv[2:]
}
save_compiled_templates()
print(json.dumps({"rendered": rendered, "compilations": compilations()}))
"""


def render_with_store(store: Path, template_dir: Path, destination: Path) -> int:
    command = [sys.executable, "-c", RENDER_WITH_STORE, str(store), str(template_dir)]
    return int(run([*command, str(destination)]).stdout)


def render_source(store: Path, *settings: str) -> dict[str, object]:
    result = run([sys.executable, "-c", RENDER_SOURCE, str(store), *settings])
    outcome: dict[str, object] = json.loads(result.stdout)
    return outcome


def test_a_second_run_compiles_nothing_and_renders_the_same(
    template_dir: Path, tmp_path: Path
) -> None:
    store = tmp_path / "store.marshal"
    first = render_with_store(store, template_dir, tmp_path / "first")
    second = render_with_store(store, template_dir, tmp_path / "second")
    assert first > 100, "the first run compiles the template"
    assert second == 0, "the second run finds every source in the store"
    # This process compiles as Jinja does.
    uncached = tmp_path / "uncached"
    copier.run_copy(str(template_dir), uncached, defaults=True, quiet=True)
    assert project_files(tmp_path / "second") == project_files(uncached)


def test_code_is_reused_only_in_the_environment_it_was_compiled_in(tmp_path: Path) -> None:
    store = tmp_path / "store.marshal"
    assert render_source(store, "trimmed") == {"rendered": {"trimmed": "x"}, "compilations": 1}
    assert render_source(store, "trimmed", "kept") == {
        "rendered": {"trimmed": "x", "kept": "\nx"},
        "compilations": 1,
    }


def test_a_damaged_store_is_replaced(tmp_path: Path) -> None:
    store = tmp_path / "store.marshal"
    store.write_bytes(b"\xff not a store")
    assert render_source(store, "kept")["compilations"] == 1
    assert render_source(store, "kept")["compilations"] == 0


def test_fastgen_new_keeps_its_store_in_the_user_cache(template_dir: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    command = [FASTGEN, "new", "--defaults", "--no-git", "--template", str(template_dir)]
    run([*command, str(tmp_path / "one")], env={**os.environ, "FASTGEN_CACHE": str(cache)})
    assert default_store(cache).stat().st_size > 100_000
    # A cache folder that cannot be made costs the next run its time, never the project.
    blocked = tmp_path / "blocked"
    blocked.write_text("a file where the cache folder would be\n")
    run([*command, str(tmp_path / "two")], env={**os.environ, "FASTGEN_CACHE": str(blocked)})
    assert project_files(tmp_path / "two") == project_files(tmp_path / "one")
