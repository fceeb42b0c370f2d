"""Offline actions/checkout: copy the learner's working tree (like act's own skip) or fail.

The source tree is $KATA_REPO_DIR (set by the harness): its tracked and untracked,
not ignored, files plus .git, the same set act copies when it skips a checkout.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from kata_io import (
    ActionError,
    get_bool,
    get_input,
    info,
    run,
    set_output,
    warning,
    workspace,
)


def _git(repo: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["git", "-C", str(repo), *args], capture_output=True, text=True, check=False
    )


def _files_to_copy(src: Path) -> list[str]:
    if not (src / ".git").exists():
        return [
            os.path.relpath(os.path.join(root, name), src)
            for root, _dirs, names in os.walk(src)
            for name in names
        ]
    listed = _git(src, "ls-files", "-z", "--cached", "--others", "--exclude-standard")
    if listed.returncode != 0:
        raise ActionError(f"git ls-files failed in {src}: {listed.stderr.strip()}")
    return sorted({name for name in listed.stdout.split("\0") if name})


def _copy_tree(src: Path, dest: Path) -> int:
    dest.mkdir(parents=True, exist_ok=True)
    copied = 0
    for rel in _files_to_copy(src):
        source = src / rel
        if not (source.is_file() or source.is_symlink()):
            continue  # deleted but still in the index
        target = dest / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        if target.is_symlink() or target.exists():
            target.unlink()
        shutil.copy2(source, target, follow_symlinks=False)
        copied += 1
    if (src / ".git").is_dir():
        shutil.copytree(src / ".git", dest / ".git", symlinks=True, dirs_exist_ok=True)
    return copied


def _resolve(repo: Path, ref: str) -> str | None:
    for candidate in (ref, f"origin/{ref}", f"refs/tags/{ref}"):
        found = _git(repo, "rev-parse", "--verify", "--quiet", f"{candidate}^{{commit}}")
        if found.returncode == 0:
            return found.stdout.strip()
    return None


def _head(repo: Path) -> str:
    found = _git(repo, "rev-parse", "HEAD")
    return found.stdout.strip() if found.returncode == 0 else os.environ.get("GITHUB_SHA", "")


def _is_current(ref: str, head: str) -> bool:
    github_ref = os.environ.get("GITHUB_REF", "")
    names = {github_ref, os.environ.get("GITHUB_REF_NAME", ""), os.environ.get("GITHUB_SHA", "")}
    if ref in names - {""}:
        return True
    return len(ref) >= 7 and all(c in "0123456789abcdef" for c in ref) and head.startswith(ref)


def _switch_ref(dest: Path, ref: str) -> None:
    if not (dest / ".git").exists():
        raise ActionError(f"input 'ref': cannot check out '{ref}' offline: no git history")
    head = _head(dest)
    if _is_current(ref, head):
        return
    sha = _resolve(dest, ref)
    if sha is None:
        raise ActionError(
            f"input 'ref': '{ref}' is not in the local repository; the kata runs offline "
            f"and only has the working tree at {head[:7] or 'HEAD'}"
        )
    if sha != head:
        warning(f"checking out {ref} ({sha[:7]}): the working tree's uncommitted changes are lost")
        done = _git(dest, "-c", "advice.detachedHead=false", "checkout", "--force", sha)
        if done.returncode != 0:
            raise ActionError(f"git checkout {ref} failed: {done.stderr.strip()}")


def main() -> None:
    repository = get_input("repository") or os.environ.get("GITHUB_REPOSITORY", "")
    own = os.environ.get("GITHUB_REPOSITORY", "")
    if repository.lower() != own.lower():
        raise ActionError(
            f"input 'repository': cannot clone '{repository}' offline; the kata harness has "
            f"only this workflow's own repository ({own})"
        )
    for name in ("lfs", "submodules"):
        if get_input(name) not in ("", "false"):
            warning(f"input '{name}' is ignored offline (the working tree is copied as it is)")
    if get_input("sparse-checkout"):
        warning("input 'sparse-checkout' is ignored offline (the whole tree is copied)")
    get_bool("lfs")  # validates the boolean like the real action

    root = workspace().resolve()
    dest = (root / get_input("path")).resolve()
    if dest != root and root not in dest.parents:
        raise ActionError(f"input 'path': '{get_input('path')}' is not under '{root}'")
    source = os.environ.get("KATA_REPO_DIR", "")
    if not source or not Path(source).is_dir():
        raise ActionError(
            "KATA_REPO_DIR is not set to the learner's repository; the harness must export it "
            "so the checkout stand-in can copy the working tree"
        )
    src = Path(source).resolve()
    if src != dest:
        count = _copy_tree(src, dest)
        info(f"Copied {count} files from the local working tree into {dest}")

    ref = get_input("ref")
    if ref:
        _switch_ref(dest, ref)
    set_output("ref", ref or os.environ.get("GITHUB_REF", ""))
    set_output("commit", _head(dest))


if __name__ == "__main__":
    run("actions/checkout", main)
