"""upload-artifact's file search: @actions/glob patterns and the artifact root directory.

Semantics kept from the real action: one pattern per line, `!` excludes, the last
matching pattern wins, a matched directory brings all its files, hidden files and
directories are skipped unless asked for, and paths in the artifact are relative to
the least common ancestor of the patterns' search paths (a lone file: its directory).
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

GLOB_CHARS = "*?["


@dataclass(frozen=True)
class Pattern:
    negate: bool
    regex: re.Pattern[str]
    search_path: str


def _segment_regex(segment: str) -> str:
    out, i = [], 0
    while i < len(segment):
        char = segment[i]
        if char == "*":
            out.append("[^/]*")
        elif char == "?":
            out.append("[^/]")
        elif char == "[" and "]" in segment[i + 2 :]:
            end = segment.index("]", i + 2)
            body = segment[i + 1 : end]
            if body.startswith("!"):
                body = "^" + body[1:]
            out.append("[" + body.replace("\\", "\\\\") + "]")
            i = end
        else:
            out.append(re.escape(char))
        i += 1
    return "".join(out)


def parse(line: str, cwd: str) -> Pattern:
    negate = False
    while line.startswith("!"):
        negate, line = not negate, line[1:].strip()
    if line.startswith("~"):
        line = os.path.expanduser(line)
    path = os.path.normpath(os.path.join(cwd, line))
    segments = path.strip("/").split("/")
    regex = "".join("(?:/[^/]+)*" if s == "**" else "/" + _segment_regex(s) for s in segments)
    literal: list[str] = []
    for segment in segments:
        if any(c in segment for c in GLOB_CHARS):
            break
        literal.append(segment)
    # a pattern also matches everything below what it names (implicit descendants)
    return Pattern(negate, re.compile(f"^{regex}(?:/.*)?$"), "/" + "/".join(literal))


def _walk(root: str, include_hidden: bool) -> list[str]:
    if not include_hidden and os.path.basename(root).startswith("."):
        return []
    if os.path.isfile(root):
        return [root]
    found: list[str] = []
    for current, dirs, files in os.walk(root, followlinks=True):
        if not include_hidden:
            dirs[:] = [d for d in dirs if not d.startswith(".")]
            files = [f for f in files if not f.startswith(".")]
        found.extend(os.path.join(current, f) for f in files)
    return found


def _included(path: str, patterns: list[Pattern]) -> bool:
    verdict = False
    for pattern in patterns:
        if pattern.regex.match(path):
            verdict = not pattern.negate
    return verdict


@dataclass(frozen=True)
class SearchResult:
    files: list[str]
    root: str


def find_files(lines: list[str], cwd: str, include_hidden: bool) -> SearchResult:
    patterns = [parse(line, cwd) for line in lines if not line.startswith("#")]
    includes = [p for p in patterns if not p.negate]
    files: list[str] = []
    seen: set[str] = set()
    for search_path in dict.fromkeys(p.search_path for p in includes):
        for path in _walk(search_path, include_hidden):
            if path not in seen and os.path.isfile(path) and _included(path, patterns):
                seen.add(path)
                files.append(path)
    search_paths = list(dict.fromkeys(p.search_path for p in includes))
    if len(search_paths) > 1:
        root = os.path.commonpath(search_paths)
    elif len(files) == 1 and search_paths and files[0] == search_paths[0]:
        root = str(Path(files[0]).parent)
    else:
        root = search_paths[0] if search_paths else cwd
    return SearchResult(sorted(files), root)
