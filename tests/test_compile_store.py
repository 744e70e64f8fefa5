"""Compiled templates kept between runs: reused where they apply, never where they do not."""

from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import copier

from fastgen.jinja_code_store import CodeStore
from tests.conftest import FASTGEN, project_files, run

# Renders the template with a store in the given cache folder, saves it, and prints how many
# sources it compiled.
RENDER_WITH_STORE = """
import sys
from pathlib import Path

import copier

from fastgen.jinja_code_store import CodeStore
from fastgen.jinja_compile_cache import (
    compilations, keep_compiled_templates, save_compiled_templates
)

keep_compiled_templates(CodeStore(Path(sys.argv[1])))
copier.run_copy(sys.argv[2], Path(sys.argv[3]), defaults=True, quiet=True)
save_compiled_templates()
print(compilations())
"""

# Renders templates with a store, one environment each, as the JSON cases on the command line say:
# a source or a file of a folder, lexer settings, an extension of this script's own.
RENDER_CASES = """
import json, sys
from pathlib import Path

from jinja2 import Environment, FileSystemLoader
from jinja2.ext import Extension

from fastgen.jinja_code_store import CodeStore
from fastgen.jinja_compile_cache import (
    compilations, keep_compiled_templates, save_compiled_templates
)


class Local(Extension):
    pass


keep_compiled_templates(CodeStore(Path(sys.argv[1])))
outcome = {"rendered": [], "filenames": []}
for case in json.loads(sys.argv[2]):
    env = Environment(
        trim_blocks=case.get("trim_blocks", False),
        extensions=[Local] if case.get("local_extension") else [],
        loader=FileSystemLoader(case["folder"]) if "folder" in case else None,
    )
    if "folder" in case:
        template = env.get_template("page.jinja")
        code_file = template.root_render_func.__code__.co_filename
        outcome["filenames"].append([template.filename, code_file])
    else:
        template = env.from_string(case["source"])
    outcome["rendered"].append(template.render(name="fastgen"))
save_compiled_templates()
outcome["compilations"] = compilations()
print(json.dumps(outcome))
"""


def render_with_store(cache: Path, template_dir: Path, destination: Path) -> int:
    command = [sys.executable, "-c", RENDER_WITH_STORE, str(cache), str(template_dir)]
    return int(run([*command, str(destination)]).stdout)


def render_cases(cache: Path, *cases: Mapping[str, object]) -> dict[str, Any]:
    result = run([sys.executable, "-c", RENDER_CASES, str(cache), json.dumps(cases)])
    outcome: dict[str, Any] = json.loads(result.stdout)
    return outcome


def test_a_second_run_compiles_nothing_and_renders_the_same(
    template_dir: Path, tmp_path: Path
) -> None:
    cache = tmp_path / "cache"
    first = render_with_store(cache, template_dir, tmp_path / "first")
    second = render_with_store(cache, template_dir, tmp_path / "second")
    assert first > 100, "the first run compiles the template"
    assert second == 0, "the second run finds every source in the store"
    # This process compiles as Jinja does.
    uncached = tmp_path / "uncached"
    copier.run_copy(str(template_dir), uncached, defaults=True, quiet=True)
    assert project_files(tmp_path / "second") == project_files(uncached)


def test_code_is_reused_only_in_the_environment_it_was_compiled_in(tmp_path: Path) -> None:
    source = "{% if true %}\nx{% endif %}"
    trimmed = {"source": source, "trim_blocks": True}
    first = render_cases(tmp_path, trimmed)
    assert (first["rendered"], first["compilations"]) == (["x"], 1)
    second = render_cases(tmp_path, trimmed, {"source": source})
    assert (second["rendered"], second["compilations"]) == (["x", "\nx"], 1)


def test_code_that_called_a_filter_or_test_while_compiling_is_not_kept(tmp_path: Path) -> None:
    # Jinja calls a filter of constant arguments once, at compile time ('%Y' | strftime would
    # freeze the year): such code is compiled anew by every run, other code is kept.
    folded = [{"source": "{{ 'abc' | upper }}"}, {"source": "{{ 'abc' is string }}"}]
    at_run_time = {"source": "{{ name | upper }}"}
    for _ in range(2):
        outcome = render_cases(tmp_path, *folded)
        assert (outcome["rendered"], outcome["compilations"]) == (["ABC", "True"], 2)
    assert render_cases(tmp_path, at_run_time)["compilations"] == 1
    assert render_cases(tmp_path, at_run_time)["compilations"] == 0


def test_an_environment_with_an_extension_of_its_own_keeps_nothing(tmp_path: Path) -> None:
    # Its code can change without a version the store knows of.
    local = {"source": "{{ name }}", "local_extension": True}
    assert render_cases(tmp_path, local)["compilations"] == 1
    assert render_cases(tmp_path, local)["compilations"] == 1


def test_a_template_in_another_folder_finds_its_code_under_its_own_path(tmp_path: Path) -> None:
    # A git template is cloned to a new temporary folder on every run.
    folders = [tmp_path / "clone-1", tmp_path / "clone-2"]
    for folder in folders:
        folder.mkdir()
        (folder / "page.jinja").write_text("{{ name }} page\n")
    first = render_cases(tmp_path / "cache", {"folder": str(folders[0])})
    second = render_cases(tmp_path / "cache", {"folder": str(folders[1])})
    assert (first["compilations"], second["compilations"]) == (1, 0)
    assert second["rendered"] == ["fastgen page"]
    assert second["filenames"] == [[str(folders[1] / "page.jinja")] * 2]


def test_a_damaged_store_is_replaced(tmp_path: Path) -> None:
    store = CodeStore(tmp_path).path
    store.parent.mkdir(parents=True)
    store.write_bytes(b"\xff not a store")
    assert render_cases(tmp_path, {"source": "{{ name }}"})["compilations"] == 1
    assert render_cases(tmp_path, {"source": "{{ name }}"})["compilations"] == 0


def test_a_store_left_half_written_by_a_stopped_run_is_removed(tmp_path: Path) -> None:
    folder = CodeStore(tmp_path).path.parent
    folder.mkdir(parents=True)
    abandoned, in_progress = folder / "abandoned.partial", folder / "in-progress.partial"
    for aside in (abandoned, in_progress):
        aside.write_bytes(b"half a store")
    an_hour_ago = time.time() - 3600
    os.utime(abandoned, (an_hour_ago, an_hour_ago))
    render_cases(tmp_path, {"source": "{{ name }}"})
    assert not abandoned.exists()
    assert in_progress.exists(), "a run beside this one may still be writing it"


def test_fastgen_new_keeps_its_store_in_the_user_cache(template_dir: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    command = [FASTGEN, "new", "--defaults", "--no-git", "--template", str(template_dir)]
    run([*command, str(tmp_path / "one")], env={**os.environ, "FASTGEN_CACHE": str(cache)})
    assert CodeStore(cache).path.stat().st_size > 100_000
    # A cache folder that cannot be made costs the next run its time, never the project.
    blocked = tmp_path / "blocked"
    blocked.write_text("a file where the cache folder would be\n")
    run([*command, str(tmp_path / "two")], env={**os.environ, "FASTGEN_CACHE": str(blocked)})
    assert project_files(tmp_path / "two") == project_files(tmp_path / "one")
