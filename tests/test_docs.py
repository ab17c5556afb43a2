"""The documentation site: it builds in strict mode, its code runs, its examples run.

- Every ```python block of a page runs, in order, in one namespace per page
  (in a temporary folder), unless the line before it is an HTML comment
  starting `<!-- docs-test: skip` that says why (fragments that use the
  reader's own objects).
- Every `jaxfne ...` command in a ```bash block parses with the real
  command-line parser (running them is `tests/test_cli.py`'s job).
- Every `examples/NAME.py` a page mentions exists and runs: either a test
  elsewhere runs it (listed in `RUN_ELSEWHERE`, and that file must load it)
  or this file does, with options that keep it short (`RUN_HERE`).
"""

from __future__ import annotations

import importlib.util
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
PAGES = sorted(DOCS.rglob("*.md"))
SKIP = "<!-- docs-test: skip"

#: examples that another test runs, and the test file that runs them
RUN_ELSEWHERE = {
    "v1_column": "test_column.py",
    "custom_network": "test_examples.py",
    "fit_tissue": "test_fit.py",
    "fit_rates": "test_fit.py",
    "fit_eeg_placement": "test_fit.py",
    "fit_fields": "test_fit.py",
    "fit_evoked": "test_fit.py",
    "fit_to_recording": "test_interop_nwb.py",
}
#: examples run here, with their arguments ({out} is a temporary folder); the
#: tutorial's own code is also run by test_examples.py, the rest of it only here
RUN_HERE = {"network_100_ei": ["--no-figures", "--out", "{out}"]}


def _fenced(page: Path, language: str) -> list[tuple[int, str, bool]]:
    """(line, code, skipped) of every fenced block of `language` in `page`."""
    lines = page.read_text().splitlines()
    blocks, i = [], 0
    while i < len(lines):
        if lines[i].strip() == f"```{language}":
            start = i + 1
            j = start
            while lines[j].strip() != "```":
                j += 1
            before = next((lines[k].strip() for k in range(i - 1, -1, -1) if lines[k].strip()),
                          "")
            blocks.append((start + 1, "\n".join(lines[start:j]), before.startswith(SKIP)))
            i = j
        i += 1
    return blocks


def _examples_mentioned() -> set[str]:
    return {m for page in PAGES for m in re.findall(r"examples/(\w+)\.py", page.read_text())}


def test_site_builds_in_strict_mode(tmp_path):
    env = dict(os.environ, NO_MKDOCS_2_WARNING="1")
    out = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir",
                          str(tmp_path / "site")], cwd=ROOT, capture_output=True, text=True,
                         env=env)
    assert out.returncode == 0, out.stdout + out.stderr
    assert (tmp_path / "site" / "index.html").is_file()
    assert (tmp_path / "site" / "api" / "io" / "index.html").is_file()


RUNNABLE = [p for p in PAGES if any(not skip for _, _, skip in _fenced(p, "python"))]


@pytest.mark.parametrize("page", RUNNABLE, ids=[p.name for p in RUNNABLE])
def test_python_blocks_of_the_page_run(page, tmp_path, monkeypatch):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    monkeypatch.chdir(tmp_path)
    namespace: dict = {"__name__": f"docs_{page.stem}"}
    for line, code, skipped in _fenced(page, "python"):
        if not skipped:
            exec(compile(code, f"{page.relative_to(ROOT)}:{line}", "exec"), namespace)
    plt.close("all")


def test_command_lines_in_the_docs_parse():
    from jaxfne.cli import parser

    commands = [(page, line) for page in PAGES for _, code, _ in _fenced(page, "bash")
                for line in code.splitlines() if line.startswith("jaxfne ")]
    assert len(commands) >= 4
    for page, line in commands:
        argv = shlex.split(line.split("#")[0])[1:]
        try:
            parser().parse_args(argv)
        except SystemExit as exc:
            if exc.code != 0:  # --help exits 0
                raise AssertionError(f"{page.name}: `{line}` does not parse") from exc


def test_every_example_script_in_the_docs_runs(tmp_path):
    mentioned = _examples_mentioned()
    assert {"network_100_ei", "fit_to_recording"} <= mentioned
    for name in sorted(mentioned):
        assert (ROOT / "examples" / f"{name}.py").is_file(), f"examples/{name}.py is missing"
        assert name in RUN_ELSEWHERE or name in RUN_HERE, (
            f"examples/{name}.py is in the docs but no test runs it: add it to RUN_ELSEWHERE "
            f"(with the test that runs it) or to RUN_HERE in tests/test_docs.py.")
        if name in RUN_ELSEWHERE:
            text = (ROOT / "tests" / RUN_ELSEWHERE[name]).read_text()
            assert f'"{name}' in text, f"{RUN_ELSEWHERE[name]} does not run examples/{name}.py"
    for name, args in RUN_HERE.items():
        spec = importlib.util.spec_from_file_location(name, ROOT / "examples" / f"{name}.py")
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        module.main([a.format(out=tmp_path / name) for a in args])
