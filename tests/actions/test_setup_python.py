"""actions/setup-python stand-in under real act (host mode)."""

from __future__ import annotations

import sys

from .act_helpers import ActProject, dump_env_step

HOST = f"{sys.version_info.major}.{sys.version_info.minor}"

WORKFLOW = """
on: push
jobs:
  py:
    runs-on: ubuntu-latest
    steps:
      - id: setup
        uses: actions/setup-python@v5
        with:
          python-version: "@PYVER@"
          cache: pip
      - run: DUMP
        env:
          O_VERSION: ${{ steps.setup.outputs.python-version }}
          O_PATH: ${{ steps.setup.outputs.python-path }}
          O_HIT: ${{ steps.setup.outputs.cache-hit }}
      - run: |
          echo "WHICH=$(command -v python)"
          python -c "import sys; print('RUNNING=' + '.'.join(map(str, sys.version_info[:3])))"
          python -m pip --version
          echo "LOCATION=$pythonLocation"
""".replace("DUMP", dump_env_step())


def _field(lines: list[str], key: str) -> str:
    return next(ln.split("=", 1)[1] for ln in lines if ln.startswith(key + "="))


def test_setup_python_puts_a_venv_of_the_version_on_path(project: ActProject) -> None:
    run = project.run(WORKFLOW.replace("@PYVER@", HOST))
    assert run.job_result("py") == "success", run.explain()

    outputs, lines = run.result("py"), run.lines("py")
    version = ".".join(map(str, sys.version_info[:3]))
    assert outputs["VERSION"].startswith(HOST + ".")
    assert outputs["HIT"] == "false"
    tool_cache = project.action_cache / "tool_cache"  # act's RUNNER_TOOL_CACHE in host mode
    venv = tool_cache / "Python" / outputs["VERSION"] / "x64"
    assert outputs["PATH"] == str(venv / "bin" / "python")
    assert _field(lines, "WHICH") == str(venv / "bin" / "python")
    assert _field(lines, "RUNNING").startswith(HOST + ".")
    assert _field(lines, "LOCATION") == str(venv)
    assert any(ln.startswith("pip ") for ln in lines)
    assert (venv / "pyvenv.cfg").is_file() and version  # a real venv, with pip

    warm = project.run(WORKFLOW.replace("@PYVER@", HOST))
    assert warm.job_result("py") == "success", warm.explain()
    assert warm.result("py")["HIT"] == "true"  # the venv was reused


def test_setup_python_fails_loudly_for_missing_versions_and_inputs(project: ActProject) -> None:
    workflow = """
on: push
jobs:
  old:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/setup-python@v5
        with:
          python-version: "2.5"
  arch:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/setup-python@v5
        with:
          python-version: "3.x"
          architecture: x86
  pypy:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/setup-python@v5
        with:
          python-version: pypy3.10
"""
    run = project.run(workflow)
    assert run.job_result("old") == "failure"
    old = " ".join(run.errors("old"))
    assert "python-version" in old and "'2.5'" in old and HOST in old  # lists what exists
    assert run.job_result("arch") == "failure"
    assert any("'architecture'" in e for e in run.errors("arch"))
    assert run.job_result("pypy") == "failure"
    assert any("CPython" in e for e in run.errors("pypy"))
