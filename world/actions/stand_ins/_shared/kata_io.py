"""Runner I/O for the offline stand-ins: inputs, outputs, env, PATH, annotations.

Stdlib only. It lives once, here; catalog.assemble puts it next to the main.py of
each stand-in that imports it, in the folder a run hands to act.
"""

from __future__ import annotations

import csv
import os
import sys
import uuid
from collections.abc import Callable
from pathlib import Path


class ActionError(Exception):
    """A failure to report as `::error::` and exit 1."""


def _escape(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def notice(text: str) -> None:
    print(f"::notice::{_escape(text)}", flush=True)


def warning(text: str) -> None:
    print(f"::warning::{_escape(text)}", flush=True)


def info(text: str) -> None:
    print(text, flush=True)


def mask(value: str) -> None:
    if value:
        print(f"::add-mask::{_escape(value)}", flush=True)


def env_name(name: str) -> str:
    return "INPUT_" + name.upper().replace("-", "_").replace(" ", "_")


def get_input(name: str, default: str = "") -> str:
    value = os.environ.get(env_name(name), "")
    return value.strip() if value.strip() else default


def get_raw_input(name: str) -> str:
    """Input value without trimming (for separators)."""
    return os.environ.get(env_name(name), "")


def get_bool(name: str, default: bool = False) -> bool:
    value = get_input(name)
    if not value:
        return default
    if value in ("true", "True", "TRUE"):
        return True
    if value in ("false", "False", "FALSE"):
        return False
    raise ActionError(
        f'Input does not meet YAML 1.2 "Core Schema" specification: {name}\n'
        "Support boolean input list: `true | True | TRUE | false | False | FALSE`"
    )


def get_lines(name: str, comment: str = "") -> list[str]:
    """Newline list, trimmed, empty lines (and `comment` lines) dropped."""
    lines = [line.strip() for line in get_input(name).splitlines()]
    return [ln for ln in lines if ln and not (comment and ln.startswith(comment))]


def get_list(name: str, ignore_comma: bool = False, comment: str = "") -> list[str]:
    """Like docker/actions-toolkit Util.getInputList: newline and (CSV-aware) comma list."""
    items: list[str] = []
    for line in get_lines(name, comment):
        if ignore_comma:
            items.append(line)
            continue
        for row in csv.reader([line], skipinitialspace=True):
            items.extend(field.strip() for field in row if field.strip())
    return items


def reject_unsupported(names: list[str], why: str = "is not supported offline") -> None:
    """Fail when any of these inputs was given a value."""
    for name in names:
        if get_input(name):
            raise ActionError(f"input '{name}' {why} by the kata stand-in")


def _append(path_var: str, text: str) -> None:
    target = os.environ.get(path_var)
    if not target:
        raise ActionError(f"${path_var} is not set; the stand-in must run inside a workflow")
    with open(target, "a", encoding="utf-8") as handle:
        handle.write(text)


def _key_value(name: str, value: str) -> str:
    if "\n" not in value and "\r" not in value:
        return f"{name}={value}\n"
    delimiter = f"ghadelimiter_{uuid.uuid4()}"
    return f"{name}<<{delimiter}\n{value}\n{delimiter}\n"


def set_output(name: str, value: str) -> None:
    _append("GITHUB_OUTPUT", _key_value(name, value))


def export_env(name: str, value: str) -> None:
    os.environ[name] = value
    _append("GITHUB_ENV", _key_value(name, value))


def add_path(directory: str) -> None:
    os.environ["PATH"] = directory + os.pathsep + os.environ.get("PATH", "")
    _append("GITHUB_PATH", directory + "\n")


def workspace() -> Path:
    return Path(os.environ.get("GITHUB_WORKSPACE") or os.getcwd())


def action_major() -> int | None:
    """Major version of the ref the workflow used (`v4` -> 4), when it has one."""
    ref = os.environ.get("GITHUB_ACTION_REF", "").lstrip("vV")
    head = ref.split(".", 1)[0]
    return int(head) if head.isdigit() else None


def run(repo: str, main: Callable[[], None]) -> None:
    """Print the stand-in notice, run `main`, turn ActionError into `::error::` + exit 1."""
    notice(f"kata stand-in for {repo} (offline)")
    try:
        main()
    except ActionError as exc:
        print(f"::error::{_escape(str(exc))}", flush=True)
        sys.exit(1)
